package javisor.vm.hypercall;

/**
 * An embedder's own hypercalls: the numbers {@link #FIRST} to {@link #LAST}, of which Javisor defines none, go to
 * the hook when one is set (without one they get {@code -ENOSYS}, as every unknown number does). Javisor's own
 * numbers never reach it, so a hook cannot change what a guest's IVC or CpuUp calls do.
 *
 * <p>It runs on the calling vCPU's thread while that vCPU waits for the result, so it should be quick; it may be
 * called by several vCPUs, of several VMs, at once. With {@code -Djavisor.seccomp=on} that thread is under the
 * vCPU's seccomp filter, so a hook that makes system calls the filter lacks (files, sockets) fails there.
 */
@FunctionalInterface
public interface HypercallHook {
    /** The first number an embedder may use. */
    long FIRST = 0x4000_0000L;
    /** The last number an embedder may use (a 32-bit guest can pass every number of the range). */
    long LAST = 0x4000_ffffL;

    /**
     * Carries out hypercall {@code nr} made by vCPU {@code vcpuId} of VM {@code vmId}.
     *
     * @param vmId   the calling VM's id
     * @param vcpuId the calling vCPU's id
     * @param nr     the hypercall number, {@link #FIRST} to {@link #LAST}
     * @param args   the six argument registers (RDI, RSI, RDX, RCX, R8, R9), cut to 32 bits for a 32-bit guest
     * @return the guest's RAX: 0 or positive for success, a negated errno for failure (docs/hypercalls.md)
     * @throws RuntimeException to stop the VM: it stops with a host error naming the exception
     */
    long handle(long vmId, int vcpuId, long nr, long[] args);

    /**
     * Whether {@code nr} is in the embedder's range.
     *
     * @param nr a hypercall number
     * @return true for {@link #FIRST} to {@link #LAST}
     */
    static boolean embedders(long nr) {
        return nr >= FIRST && nr <= LAST;
    }
}
