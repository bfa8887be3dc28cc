package javisor.virtio;

import javisor.sys.LibC;

/**
 * A queue's doorbell: an eventfd the driver's notifications ring. Under KVM an ioeventfd binds it to the queue's
 * QueueNotify address, so the guest's write signals it inside the kernel and the vCPU does not even exit to
 * Javisor; without one the transport rings it on the write. The queue's I/O thread waits on it.
 */
public final class Doorbell implements AutoCloseable {
    private final int fd = LibC.eventfd(0, LibC.EFD_CLOEXEC);
    private volatile boolean closed;

    /** A new doorbell, its eventfd open. */
    public Doorbell() {
    }

    /** The eventfd, for KVM_IOEVENTFD. */
    public int fd() {
        return fd;
    }

    public void ring() {
        if (!closed) {
            LibC.eventfdWrite(fd, 1);
        }
    }

    /** Blocks until the doorbell rings; returns how many rings it counted (at least 1). */
    public long await() {
        return LibC.eventfdRead(fd);
    }

    @Override
    public void close() {
        if (!closed) {
            closed = true;
            LibC.close(fd);
        }
    }
}
