package javisor.vmm;

import java.io.IOException;
import java.io.OutputStream;
import java.util.ArrayList;
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

    /** Sends {@code bytes} to the guest as serial input; returns how many the UART took. */
    public int sendInput(byte[] bytes) {
        Vm v = vm.get();
        return v == null ? 0 : v.console().enqueueInput(bytes);
    }

    /**
     * Sends {@code bytes} to the virtio console ports whose output is this console. They take all of it at once
     * (keeping what the guest has not read yet, within a bound), so unlike the UART's FIFO they need no retry.
     */
    public void sendToConsolePorts(byte[] bytes) {
        Vm v = vm.get();
        if (v != null) {
            v.consolePorts().forEach(port -> port.input(bytes));
        }
    }

    /** An attached terminal; closing it detaches. */
    public final class Attachment implements AutoCloseable {
        private final OutputStream terminal;

        private Attachment(OutputStream terminal) {
            this.terminal = terminal;
        }

        public int sendInput(byte[] bytes) {
            return VmConsole.this.sendInput(bytes);
        }

        public void sendToConsolePorts(byte[] bytes) {
            VmConsole.this.sendToConsolePorts(bytes);
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
