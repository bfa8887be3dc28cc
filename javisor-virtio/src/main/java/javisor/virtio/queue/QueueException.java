package javisor.virtio.queue;

/**
 * A driver broke the virtqueue's rules: a ring outside guest RAM, a descriptor chain that loops or points outside
 * RAM, an index that claims more buffers than the queue holds. The message names the queue and what was wrong;
 * the device answers the request with an error where it can and never touches memory the chain did not give it.
 */
public final class QueueException extends Exception {
    private static final long serialVersionUID = 1L;
    private final int head;

    /** @param head the head descriptor of the bad request, to give back on the used ring; -1 if the ring broke */
    public QueueException(String message, int head) {
        super(message, null, false, false);
        this.head = head;
    }

    /**
     * The bad request's head descriptor, which the device returns on the used ring (with nothing written) so the
     * driver gets its buffers back; -1 when the ring itself is broken and the queue cannot go on.
     */
    public int head() {
        return head;
    }
}
