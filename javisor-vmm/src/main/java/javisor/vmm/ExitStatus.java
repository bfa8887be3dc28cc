package javisor.vmm;

/**
 * The exit statuses of the {@code javisor} command. A VM that stopped through the debug-exit port gives
 * QEMU's {@code (code << 1) | 1}, which is always odd, so Javisor's own statuses are even.
 */
public final class ExitStatus {
    public static final int OK = 0;
    /** Bad command line, config or image: nothing was run. */
    public static final int USAGE = 2;
    /** A guest failed: triple fault, emulation failure, KVM internal error. */
    public static final int GUEST_FAILURE = 4;
    /** Javisor failed while running a VM. */
    public static final int HOST_ERROR = 6;
    /** KVM is missing or lacks a capability Javisor needs. */
    public static final int NO_KVM = 8;

    private ExitStatus() {
    }
}
