package javisor.sys;

import javisor.sys.kvm.VcpuFd;

/**
 * Kicks a vCPU thread out of KVM_RUN without races and without a signal handler.
 *
 * <p>Each vCPU thread blocks {@link #SIGNAL} for itself and gives KVM, through KVM_SET_SIGNAL_MASK, the same
 * mask with the signal unblocked: the signal can then interrupt only KVM_RUN. A kick sent while the thread
 * is outside KVM_RUN stays pending and makes the next KVM_RUN return EINTR at once, so no kick is lost; after
 * an EINTR the thread takes the pending signal off with {@link #consumePending()}. Since the signal is never
 * delivered to a handler, the JVM's own signal handling is not involved.
 */
public final class VcpuKick {
    /** SIGRTMIN+6 (40): a real-time signal neither glibc nor HotSpot uses. */
    public static final int SIGNAL = 40;

    private VcpuKick() {
    }

    /**
     * Prepares the calling thread, which must be the one that runs {@code vcpu}, and returns its thread id
     * for {@link #kick(int)}.
     */
    public static int prepareCurrentThread(VcpuFd vcpu) {
        long previousMask = LibC.blockSignal(SIGNAL);
        vcpu.setSignalMask(previousMask & ~(1L << (SIGNAL - 1)));
        return LibC.gettid();
    }

    /**
     * Sends the kick to the vCPU thread {@code tid}. The thread must still be alive (an ended thread's id may
     * be reused); the vCPU's owner stops kicking before its thread ends.
     */
    public static void kick(int tid) {
        LibC.tgkill(tid, SIGNAL);
    }

    /** After KVM_RUN returned EINTR: removes the pending kick so the next KVM_RUN is not cut short. */
    public static void consumePending() {
        while (LibC.consumePendingSignal(SIGNAL)) {
            // more than one kick may have been queued (real-time signals queue); take them all
        }
    }
}
