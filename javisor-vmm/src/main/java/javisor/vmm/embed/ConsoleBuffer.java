package javisor.vmm.embed;

import java.io.IOException;
import java.io.InputStream;
import java.io.InterruptedIOException;
import java.io.OutputStream;
import java.nio.charset.StandardCharsets;
import java.util.Arrays;
import java.util.Objects;
import java.util.function.BooleanSupplier;

/**
 * A VM's console output as the library keeps it: the last {@link #KEPT} bytes, each at its position since boot, so
 * any number of readers can follow it at their own pace. The guest never waits for a reader: one that falls more
 * than {@link #KEPT} bytes behind skips ahead to the oldest byte kept (a slow reader must not stall the vCPU that
 * writes, which holds the UART's exit until the write returns).
 */
final class ConsoleBuffer extends OutputStream {
    static final int KEPT = 4 << 20;
    private static final int FIRST_SIZE = 4096;
    /** How often a waiting reader looks at the VM's state, which it must not read under this lock. */
    private static final long POLL_MS = 20;

    private byte[] ring = new byte[FIRST_SIZE];
    private long written; // guarded by this
    private boolean closed; // guarded by this
    private int waiting; // guarded by this: readers in wait(), whom a write must wake

    /** On the vCPU's thread, a byte at a time (the UART's): wakes readers only when one waits. */
    @Override
    public synchronized void write(int b) {
        store(b);
        wakeReaders();
    }

    @Override
    public synchronized void write(byte[] b, int off, int len) {
        for (int i = 0; i < len; i++) {
            store(b[off + i]);
        }
        wakeReaders();
    }

    private void wakeReaders() {
        if (waiting > 0) {
            notifyAll();
        }
    }

    /** Waits under this lock for a write or a close, up to {@code millis}. */
    private void awaitMore(long millis) throws InterruptedException {
        waiting++;
        try {
            wait(millis);
        } finally {
            waiting--;
        }
    }

    private void store(int b) {
        if (written == ring.length && ring.length < KEPT) {
            ring = Arrays.copyOf(ring, Math.min(KEPT, ring.length * 2)); // not wrapped yet
        }
        ring[(int) (written++ % ring.length)] = (byte) b;
    }

    /** The VM was deleted or the hypervisor closed: readers get the rest, then the end. */
    @Override
    public synchronized void close() {
        closed = true;
        notifyAll();
    }

    /** Everything kept, decoded as UTF-8. */
    synchronized String text() {
        long from = oldest();
        byte[] out = new byte[(int) (written - from)];
        copy(from, out, 0, out.length);
        return new String(out, StandardCharsets.UTF_8);
    }

    private long oldest() {
        return Math.max(0, written - ring.length);
    }

    private void copy(long from, byte[] to, int off, int len) {
        for (int i = 0; i < len; i++) {
            to[off + i] = ring[(int) ((from + i) % ring.length)];
        }
    }

    /**
     * Waits until the output contains {@code text}, {@code ended} is true, or the time is up; true if it does.
     * {@code ended} is read without this lock, as it asks the hypervisor, which may be waiting on a writer.
     */
    boolean await(String text, long timeoutNanos, BooleanSupplier ended) throws InterruptedException {
        long deadline = System.nanoTime() + timeoutNanos;
        while (true) {
            boolean over = ended.getAsBoolean(); // before the look: what came before the end is all there
            if (text().contains(text)) {
                return true;
            }
            long left = deadline - System.nanoTime();
            if (over || left <= 0) {
                return false;
            }
            synchronized (this) {
                awaitMore(Math.max(1, Math.min(POLL_MS, left / 1_000_000)));
            }
        }
    }

    /** A reader from the oldest byte kept; it ends when the buffer is closed or {@code ended} holds. */
    InputStream reader(BooleanSupplier ended) {
        return new Reader(ended);
    }

    private final class Reader extends InputStream {
        private final BooleanSupplier ended;
        private long position;
        private volatile boolean readerClosed;

        Reader(BooleanSupplier ended) {
            this.ended = ended;
            synchronized (ConsoleBuffer.this) {
                position = oldest();
            }
        }

        @Override
        public int read() throws IOException {
            byte[] one = new byte[1];
            return read(one, 0, 1) < 0 ? -1 : one[0] & 0xff;
        }

        @Override
        public int read(byte[] b, int off, int len) throws IOException {
            Objects.checkFromIndexSize(off, len, b.length);
            if (len == 0) {
                return 0;
            }
            while (!readerClosed) {
                boolean over = ended.getAsBoolean();
                synchronized (ConsoleBuffer.this) {
                    position = Math.max(position, oldest());
                    if (position < written) {
                        int n = (int) Math.min(len, written - position);
                        copy(position, b, off, n);
                        position += n;
                        return n;
                    }
                    if (closed || over) {
                        return -1;
                    }
                    try {
                        awaitMore(POLL_MS);
                    } catch (InterruptedException e) {
                        Thread.currentThread().interrupt();
                        throw new InterruptedIOException("interrupted while reading a VM's console");
                    }
                }
            }
            return -1;
        }

        @Override
        public int available() {
            synchronized (ConsoleBuffer.this) {
                return (int) Math.min(Integer.MAX_VALUE, written - Math.max(position, oldest()));
            }
        }

        @Override
        public void close() {
            readerClosed = true;
        }
    }
}
