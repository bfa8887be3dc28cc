package javisor.virtio;

import java.lang.System.Logger.Level;
import java.util.Optional;

import javisor.memory.GuestMemory;
import javisor.sys.Logs;
import javisor.virtio.queue.DescriptorChain;
import javisor.virtio.queue.QueueException;
import javisor.virtio.queue.SplitQueue;

/**
 * One queue as a device's I/O thread serves it, in batches: takes the requests the driver made available, gives
 * back the malformed ones empty itself (or, when the ring itself broke, asks for a reset), and at the end of a
 * batch makes the answers visible and sends the one interrupt the driver asked for. Every device's serving loop
 * had this in it; here it is written once. Used by one thread at a time.
 */
public final class QueueService {
    private static final System.Logger LOG = Logs.get("javisor.virtio");

    private final String who;
    private final GuestMemory memory;
    private final SplitQueue queue;
    private final Interrupt interrupt;
    private final Runnable onMalformed;
    private int batchStart = -1;
    private boolean broken;
    private boolean warned;

    /**
     * @param who         the device and queue, for the log ("virtio-net eth0 tx")
     * @param onMalformed counts a request that broke the rules (the device's error counter)
     */
    public QueueService(String who, Activation activation, int queueIndex, Runnable onMalformed) {
        this.who = who;
        this.memory = activation.memory();
        this.queue = activation.queues().get(queueIndex);
        this.interrupt = activation.interrupt();
        this.onMalformed = onMalformed;
    }

    public SplitQueue queue() {
        return queue;
    }

    public GuestMemory memory() {
        return memory;
    }

    /** True once the ring broke: nothing more comes until the driver resets the device. */
    public boolean broken() {
        return broken;
    }

    /**
     * The next well-formed request, or empty when the driver has made none available (or the ring broke, after
     * which the device has asked for a reset). Before it says there is none, it asks the driver for a doorbell at
     * the next request ({@link SplitQueue#armNotification}); while it finds requests, the driver rings none. A malformed chain is logged, counted and given back with nothing
     * written; an entry naming no descriptor is dropped, as there is nothing to give back.
     */
    public Optional<DescriptorChain> next() {
        while (!broken) {
            try {
                Optional<DescriptorChain> next = queue.pop(memory);
                if (next.isPresent() || !queue.armNotification(memory)) {
                    return next;
                }
            } catch (QueueException e) {
                onMalformed.run();
                // The first at WARNING, the rest at DEBUG: a guest must not be able to flood the host's log.
                LOG.log(warned && !e.ringBroken() ? Level.DEBUG : Level.WARNING, "{0}: {1}", who, e.getMessage());
                warned = true;
                if (e.ringBroken()) {
                    broken = true;
                    interrupt.needsReset();
                } else if (e.head() >= 0) {
                    put(e.head(), 0);
                }
            }
        }
        return Optional.empty();
    }

    /** Gives a request back with {@code written} bytes written into it; the driver sees it at {@link #publish}. */
    public void put(int head, long written) {
        int old = queue.putUsed(memory, head, written);
        if (batchStart < 0) {
            batchStart = old;
        }
    }

    /** Makes what was put visible to the driver, without an interrupt yet. */
    public void publish() {
        queue.publishUsed(memory);
    }

    /** Ends a batch: makes what was put visible and interrupts the driver if it asked to be (2.7.7, 2.7.10). */
    public void endBatch() {
        if (batchStart < 0) {
            return;
        }
        queue.publishUsed(memory);
        if (queue.needsInterrupt(memory, batchStart)) {
            interrupt.usedBuffers();
        }
        batchStart = -1;
    }
}
