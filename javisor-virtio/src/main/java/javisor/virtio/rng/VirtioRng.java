package javisor.virtio.rng;

import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.locks.LockSupport;

import javisor.sys.LibC;
import javisor.virtio.Activation;
import javisor.virtio.DeviceType;
import javisor.virtio.QueueService;
import javisor.virtio.QueueWorker;
import javisor.virtio.VirtioDevice;
import javisor.virtio.VirtioFeatures;
import javisor.virtio.queue.DescriptorChain;
import javisor.virtio.queue.SplitQueue;

/**
 * virtio-rng (virtio 1.2, 5.4 "Entropy Device"): fills the driver's buffers with bytes from the host kernel's
 * pool (getrandom). At most {@code bytesPerSecond} bytes a second when a limit is set: the I/O thread waits for
 * the budget to refill, so a guest that asks without end costs the host that rate and no more.
 */
public final class VirtioRng implements VirtioDevice {
    static final int QUEUE_SIZE = 64;
    /** The most bytes one request is given (a request may ask for more; the driver asks again). */
    static final int MAX_CHUNK = 4096;

    private final long bytesPerSecond;
    private final AtomicLong requests = new AtomicLong();
    private final AtomicLong bytes = new AtomicLong();
    private final AtomicLong throttled = new AtomicLong();
    private QueueWorker worker;
    private long budget;
    private long budgetAt;

    /** @param bytesPerSecond the rate limit, 0 for none */
    public VirtioRng(long bytesPerSecond) {
        if (bytesPerSecond < 0) {
            throw new IllegalArgumentException("a rate of " + bytesPerSecond + " bytes a second");
        }
        this.bytesPerSecond = bytesPerSecond;
    }

    @Override
    public DeviceType type() {
        return DeviceType.ENTROPY;
    }

    @Override
    public long offeredFeatures() {
        return VirtioFeatures.COMMON;
    }

    @Override
    public List<Integer> queueSizes() {
        return List.of(QUEUE_SIZE);
    }

    @Override
    public int configSize() {
        return 0;
    }

    @Override
    public long readConfig(int offset, int size) {
        return 0;
    }

    @Override
    public synchronized void activate(Activation a) {
        SplitQueue queue = a.queues().getFirst();
        if (queue.ready()) {
            budget = bytesPerSecond;
            budgetAt = System.nanoTime();
            QueueService service = new QueueService("virtio-rng", a, 0, () -> { });
            worker = QueueWorker.start("virtio-rng", a.doorbells().getFirst(), () -> serve(service),
                    a.interrupt()::needsReset);
        }
    }

    private void serve(QueueService service) {
        try (Arena arena = Arena.ofConfined()) {
            MemorySegment random = arena.allocate(MAX_CHUNK);
            while (!Thread.currentThread().isInterrupted()) { // a stop interrupts a throttled worker
                var next = service.next();
                if (next.isEmpty()) {
                    break;
                }
                DescriptorChain chain = next.get();
                int n = (int) Math.min(chain.writableLength(), MAX_CHUNK);
                n = (int) Math.min(n, allowance(n));
                MemorySegment out = random.asSlice(0, n);
                LibC.getrandom(out);
                long written = chain.write(service.memory(), 0, out);
                requests.incrementAndGet();
                bytes.addAndGet(written);
                service.put(chain.head(), written);
                service.endBatch(); // entropy is waited for: give each answer at once
            }
        }
        service.endBatch();
    }

    /**
     * How many of {@code wanted} bytes may go now: a token bucket holding at most a second's worth, refilled at
     * the rate; with nothing left, waits until at least one byte is due. Runs on the I/O thread only.
     */
    private long allowance(long wanted) {
        if (bytesPerSecond == 0) {
            return wanted;
        }
        while (true) {
            long now = System.nanoTime();
            long elapsed = Math.min(now - budgetAt, TimeUnit.SECONDS.toNanos(1)); // a second refills it all
            budget = Math.min(bytesPerSecond, budget + elapsed * bytesPerSecond / TimeUnit.SECONDS.toNanos(1));
            budgetAt = now;
            if (budget > 0) {
                long n = Math.min(wanted, budget);
                budget -= n;
                return n;
            }
            throttled.incrementAndGet();
            LockSupport.parkNanos(Math.max(1, TimeUnit.SECONDS.toNanos(1) / bytesPerSecond));
            if (Thread.currentThread().isInterrupted()) {
                return 0;
            }
        }
    }

    @Override
    public synchronized void reset() {
        if (worker != null) {
            worker.stop();
            worker = null;
        }
    }

    @Override
    public String describe() {
        return "virtio-rng (host getrandom" + (bytesPerSecond == 0 ? "" : ", at most " + bytesPerSecond
                + " bytes/s") + ")";
    }

    @Override
    public Map<String, Long> counters() {
        Map<String, Long> out = new LinkedHashMap<>();
        out.put("requests", requests.get());
        out.put("bytes", bytes.get());
        out.put("throttled", throttled.get());
        return out;
    }

    @Override
    public void close() {
        reset();
    }
}
