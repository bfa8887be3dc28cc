package javisor.virtio.queue;

/**
 * A driver broke the virtqueue's rules: a ring outside guest RAM, a descriptor chain that loops or points outside
 * RAM, an index that claims more buffers than the queue holds. The message names the queue and what was wrong;
 * the device answers the request with an error where it can and never touches memory the chain did not give it.
 */
public final class QueueException extends Exception {
    private static final long serialVersionUID = 1L;
    private final int head;
    private final boolean ringBroken;

    /**
     * @param head the head descriptor of the bad request, to give back on the used ring; -1 if there is none to
     *             give back (an available entry naming no descriptor of the queue: it was taken and dropped)
     */
    public QueueException(String message, int head) {
        this(message, head, false);
    }

    private QueueException(String message, int head, boolean ringBroken) {
        super(message, null, false, false);
        this.head = head;
        this.ringBroken = ringBroken;
    }

    /** The ring itself is broken (its index runs ahead of what the queue can hold): nothing more can be taken. */
    static QueueException ringBroken(String message) {
        return new QueueException(message, -1, true);
    }

    /**
     * The bad request's head descriptor, which the device returns on the used ring (with nothing written) so the
     * driver gets its buffers back; -1 when there is no request to give back.
     */
    public int head() {
        return head;
    }

    /**
     * True when the queue cannot go on until the driver resets the device: the device then says so with
     * DEVICE_NEEDS_RESET (virtio 1.2, 2.1.2). Otherwise only this request was bad and the queue goes on.
     */
    public boolean ringBroken() {
        return ringBroken;
    }
}
