package javisor.virtio.console;

import java.io.IOException;
import java.io.OutputStream;
import java.lang.System.Logger.Level;
import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.atomic.AtomicLong;

import javisor.sys.Logs;
import javisor.virtio.Activation;
import javisor.virtio.ConfigSpace;
import javisor.virtio.DeviceType;
import javisor.virtio.Doorbell;
import javisor.virtio.QueueService;
import javisor.virtio.QueueWorker;
import javisor.virtio.VirtioDevice;
import javisor.virtio.VirtioFeatures;
import javisor.virtio.queue.DescriptorChain;
import javisor.virtio.queue.SplitQueue;

import static java.lang.foreign.ValueLayout.JAVA_BYTE;

/**
 * virtio-console with one port (virtio 1.2, 5.3 "Console Device"; no MULTIPORT): what the guest writes to the
 * transmit queue goes to an output stream (a file, or the VM's console log), and what the host sends in reaches
 * the guest through the receive queue. Input waits in a bounded buffer until the driver gives buffers for it:
 * past the bound the oldest bytes go and are counted, so a guest that never reads cannot make Javisor grow.
 * VIRTIO_CONSOLE_F_EMERG_WRITE lets a driver write a byte through the config space before the queues work.
 */
public final class VirtioConsole implements VirtioDevice {
    private static final System.Logger LOG = Logs.get("javisor.virtio");
    static final long F_EMERG_WRITE = 1L << 2;
    static final int RECEIVE = 0;
    static final int TRANSMIT = 1;
    static final int QUEUE_SIZE = 64;
    /** Host input kept for a guest that has not read it yet. */
    static final int MAX_PENDING = 64 * 1024;
    /** The emergency write register: config offset 8 (after cols, rows, max_nr_ports). */
    private static final int EMERG_WR = 8;

    private final String name;
    private final OutputStream output;
    private final ConfigSpace config = new ConfigSpace(12);
    private final byte[] pending = new byte[MAX_PENDING];
    private int pendingStart;
    private int pendingLength; // guarded by pending
    private final AtomicLong bytesOut = new AtomicLong();
    private final AtomicLong bytesIn = new AtomicLong();
    private final AtomicLong inputDropped = new AtomicLong();
    private QueueWorker receiver;
    private QueueWorker transmitter;
    private Doorbell receiveDoorbell;

    /** @param output where the guest's output goes; flushed after every batch */
    public VirtioConsole(String name, OutputStream output) {
        this.name = name;
        this.output = output;
    }

    @Override
    public DeviceType type() {
        return DeviceType.CONSOLE;
    }

    @Override
    public long offeredFeatures() {
        return VirtioFeatures.COMMON | F_EMERG_WRITE;
    }

    @Override
    public List<Integer> queueSizes() {
        return List.of(QUEUE_SIZE, QUEUE_SIZE);
    }

    @Override
    public int configSize() {
        return 12;
    }

    @Override
    public long readConfig(int offset, int size) {
        return config.get(offset, size);
    }

    @Override
    public void writeConfig(int offset, int size, long value) {
        if (offset == EMERG_WR && size == 4) {
            emit(new byte[] {(byte) value}, 1);
        }
    }

    /** Sends {@code data} to the guest: it is read when the driver gives receive buffers. */
    public void input(byte[] data) {
        Doorbell bell;
        synchronized (pending) {
            for (byte b : data) {
                if (pendingLength == MAX_PENDING) {
                    pendingStart = (pendingStart + 1) % MAX_PENDING; // the oldest byte goes
                    pendingLength--;
                    inputDropped.incrementAndGet();
                }
                pending[(pendingStart + pendingLength) % MAX_PENDING] = b;
                pendingLength++;
            }
            bell = receiveDoorbell;
        }
        if (bell != null) {
            bell.ring();
        }
    }

    @Override
    public synchronized void activate(Activation a) {
        SplitQueue rx = a.queues().get(RECEIVE);
        SplitQueue tx = a.queues().get(TRANSMIT);
        if (rx.ready()) {
            synchronized (pending) {
                receiveDoorbell = a.doorbells().get(RECEIVE);
            }
            QueueService rxService = new QueueService(name + " rx", a, RECEIVE, () -> { });
            receiver = QueueWorker.start(name + " rx", a.doorbells().get(RECEIVE), () -> receive(rxService),
                    a.interrupt()::needsReset);
        }
        if (tx.ready()) {
            QueueService txService = new QueueService(name + " tx", a, TRANSMIT, () -> { });
            transmitter = QueueWorker.start(name + " tx", a.doorbells().get(TRANSMIT), () -> transmit(txService),
                    a.interrupt()::needsReset);
        }
    }

    private void transmit(QueueService requests) {
        try (Arena arena = Arena.ofConfined()) {
            for (var next = requests.next(); next.isPresent(); next = requests.next()) {
                DescriptorChain chain = next.get();
                long length = chain.readableLength();
                MemorySegment buffer = arena.allocate(Math.max(1, Math.min(length, 4096)));
                for (long at = 0; at < length; at += buffer.byteSize()) {
                    MemorySegment part = buffer.asSlice(0, Math.min(buffer.byteSize(), length - at));
                    chain.read(requests.memory(), at, part);
                    emit(part.toArray(JAVA_BYTE), part.byteSize());
                }
                requests.put(chain.head(), 0);
            }
        }
        flushOutput();
        requests.endBatch();
    }

    private void emit(byte[] bytes, long n) {
        try {
            output.write(bytes, 0, (int) n);
            bytesOut.addAndGet(n);
        } catch (IOException e) {
            LOG.log(Level.WARNING, "{0}: output lost: {1}", name, e.getMessage());
        }
    }

    private void flushOutput() {
        try {
            output.flush();
        } catch (IOException e) {
            LOG.log(Level.WARNING, "{0}: output lost: {1}", name, e.getMessage());
        }
    }

    /**
     * Moves pending input into the driver's receive buffers while there are both. Under the input lock, so that
     * input arriving meanwhile (which may push out the oldest bytes) cannot be counted as delivered.
     */
    private void receive(QueueService requests) {
        synchronized (pending) {
            while (pendingLength > 0) {
                var next = requests.next();
                if (next.isEmpty()) {
                    break; // the input waits for the driver's next buffers
                }
                DescriptorChain chain = next.get();
                int n = (int) Math.min(pendingLength, chain.writableLength());
                byte[] chunk = new byte[n];
                for (int i = 0; i < n; i++) {
                    chunk[i] = pending[(pendingStart + i) % MAX_PENDING];
                }
                chain.write(requests.memory(), 0, MemorySegment.ofArray(chunk));
                pendingStart = (pendingStart + n) % MAX_PENDING;
                pendingLength -= n;
                bytesIn.addAndGet(n);
                requests.put(chain.head(), n);
            }
        }
        requests.endBatch();
    }

    @Override
    public synchronized void reset() {
        synchronized (pending) {
            receiveDoorbell = null;
        }
        if (receiver != null) {
            receiver.stop();
            receiver = null;
        }
        if (transmitter != null) {
            transmitter.stop();
            transmitter = null;
        }
    }

    @Override
    public String describe() {
        return "virtio-console " + name;
    }

    @Override
    public Map<String, Long> counters() {
        Map<String, Long> out = new LinkedHashMap<>();
        out.put("bytes_out", bytesOut.get());
        out.put("bytes_in", bytesIn.get());
        out.put("input_dropped", inputDropped.get());
        return out;
    }

    @Override
    public void close() {
        reset();
        flushOutput();
    }
}
