package javisor.vmm;

import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.function.Supplier;

import javisor.vm.Vm;

/**
 * A VM's serial console as the hypervisor sees it: everything the guest writes goes to the VM's own sink
 * (its log file, or standard output under {@code javisor run}) and to whoever is attached ({@code vm console});
 * the last {@link #REPLAY_BYTES} bytes are kept so an attach starts with recent output. Input goes to the
 * current incarnation's UART and to its virtio console ports that write here, which change when the VM restarts.
 */
public final class VmConsole extends OutputStream {
    public static final int REPLAY_BYTES = 4096;
    /** How long {@link #type} waits, in all, for a guest that does not empty its UART's receive FIFO. */
    private static final int TYPE_RETRIES = 20;
    private static final long TYPE_RETRY_MS = 10;

    private final OutputStream sink;
    private final byte[] replay = new byte[REPLAY_BYTES];
    private final List<OutputStream> attached = new ArrayList<>();
    private long written;
    private volatile Supplier<Vm> vm = () -> null;

    public VmConsole(OutputStream sink) {
        this.sink = sink;
    }

    void connect(Supplier<Vm> currentVm) {
        this.vm = currentVm;
    }

    @Override
    public synchronized void write(int b) throws IOException {
        replay[(int) (written++ % REPLAY_BYTES)] = (byte) b;
        sink.write(b);
        for (OutputStream o : List.copyOf(attached)) {
            try {
                o.write(b);
            } catch (IOException e) {
                attached.remove(o); // a gone terminal detaches itself
            }
        }
    }

    @Override
    public synchronized void flush() throws IOException {
        sink.flush();
        for (OutputStream o : List.copyOf(attached)) {
            try {
                o.flush();
            } catch (IOException e) {
                attached.remove(o);
            }
        }
    }

    /** The most recent output (up to {@link #REPLAY_BYTES} bytes), oldest first. */
    public synchronized byte[] recentOutput() {
        int n = (int) Math.min(written, REPLAY_BYTES);
        byte[] out = new byte[n];
        long start = written - n;
        for (int i = 0; i < n; i++) {
            out[i] = replay[(int) ((start + i) % REPLAY_BYTES)];
        }
        return out;
    }

    /** Copies the guest's output to {@code terminal} from now on, until the returned attachment is closed. */
    public synchronized Attachment attach(OutputStream terminal) {
        attached.add(terminal);
        return new Attachment(terminal);
    }

    /**
     * As {@link #attach(OutputStream)}, first writing the recent output when {@code replayRecent}; in one step, so
     * no byte is lost or shown twice between the replay and the attach.
     */
    public synchronized Attachment attach(OutputStream terminal, boolean replayRecent) throws IOException {
        if (replayRecent) {
            terminal.write(recentOutput());
            terminal.flush();
        }
        return attach(terminal);
    }

    /**
     * Sends what was typed to the guest: at once to the virtio console ports whose output is this console (they keep
     * what the guest has not read yet, within a bound), and to the UART as fast as the guest empties its 16-byte
     * receive FIFO; what a guest leaves unread for {@code TYPE_RETRIES} waits is dropped, as a real UART's overrun.
     */
    public void type(byte[] bytes) throws InterruptedException {
        Vm v = vm.get();
        if (v == null) {
            return;
        }
        v.consolePorts().forEach(port -> port.input(bytes));
        int off = 0;
        for (int tries = 0; off < bytes.length && tries < TYPE_RETRIES; tries++) {
            int taken = v.console().enqueueInput(Arrays.copyOfRange(bytes, off, bytes.length));
            off += taken;
            if (taken == 0) {
                Thread.sleep(TYPE_RETRY_MS); // the guest has not read its receive FIFO yet
            } else {
                tries = 0;
            }
        }
    }

    /**
     * Passes {@code in} to the guest as typed input until it ends, on a daemon thread of its own (the thread
     * blocks in read, so it must not keep the process alive): {@code javisor run}'s standard input.
     */
    public void typeFrom(InputStream in) {
        Thread.ofPlatform().daemon().name("console input").start(() -> {
            byte[] buffer = new byte[1024];
            try {
                for (int n; (n = in.read(buffer)) > 0; ) {
                    type(Arrays.copyOf(buffer, n));
                }
            } catch (IOException | InterruptedException e) {
                // standard input is gone, or the process ends: nothing more to type
            }
        });
    }

    /** An attached terminal; closing it detaches. */
    public final class Attachment implements AutoCloseable {
        private final OutputStream terminal;

        private Attachment(OutputStream terminal) {
            this.terminal = terminal;
        }

        public void type(byte[] bytes) throws InterruptedException {
            VmConsole.this.type(bytes);
        }

        @Override
        public void close() {
            synchronized (VmConsole.this) {
                attached.remove(terminal);
            }
        }
    }

    @Override
    public void close() throws IOException {
        sink.close();
    }
}
