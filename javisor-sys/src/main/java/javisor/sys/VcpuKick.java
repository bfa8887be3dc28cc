package javisor.sys;

/**
 * Kicks a vCPU thread out of KVM_RUN without races, the way KVM's API documents for {@code immediate_exit}.
 *
 * <p>The kicker first sets the vCPU's {@code kvm_run.immediate_exit}, then sends {@link #SIGNAL} to its thread,
 * which has it unblocked and whose handler does nothing. A thread in KVM_RUN is interrupted by the signal and gets
 * EINTR; a thread outside it takes the signal at once, without effect, and its next KVM_RUN sees
 * {@code immediate_exit} and returns EINTR without entering the guest. So no kick is lost, and none is left over:
 * the thread clears {@code immediate_exit} after the EINTR, before it looks at why it was kicked.
 *
 * <p>This replaces a blocked signal that KVM unblocked for KVM_RUN alone (KVM_SET_SIGNAL_MASK), which made KVM
 * switch the thread's signal mask twice on every exit (docs/performance.md, "Eighth round").
 */
public final class VcpuKick {
    /** SIGRTMIN+6 (40): a real-time signal neither glibc nor HotSpot uses. */
    public static final int SIGNAL = 40;

    static {
        // Once for the process, when a thread first prepares: a kick is only ever sent to a prepared thread, so
        // the signal's default action (the end of the process) is never taken.
        LibC.installNoOpHandler(SIGNAL);
    }

    private VcpuKick() {
    }

    /**
     * Installs the signal's handler if it is not yet: call before a thread that will run a vCPU enters a seccomp
     * filter, which refuses sigaction. {@link #prepareCurrentThread()} does it too.
     */
    public static void installHandler() {
        // the class's initialization does the work, once
    }

    /**
     * Prepares the calling thread, which must be the one that runs the vCPU, and returns its thread id for
     * {@link #kick(int)}.
     */
    public static int prepareCurrentThread() {
        LibC.unblockSignal(SIGNAL); // the thread may have inherited a mask that blocks it
        return LibC.gettid();
    }

    /**
     * Sends the kick's signal to the vCPU thread {@code tid}, after the caller has set the vCPU's
     * {@code immediate_exit}. The thread must still be alive (an ended thread's id may be reused); the vCPU's
     * owner stops kicking before its thread ends.
     */
    public static void kick(int tid) {
        LibC.tgkill(tid, SIGNAL);
    }
}
