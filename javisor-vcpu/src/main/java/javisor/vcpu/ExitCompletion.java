package javisor.vcpu;

/**
 * The vCPU's side of an exit that waits for an answer: what the exit handler needs of a vCPU, and all it needs,
 * so that exit handling can be driven without KVM (a test plays the vCPU). {@link VCpu} is the real one; each
 * answer belongs to the last exit and is given before the vCPU runs again.
 */
public interface ExitCompletion {
    /** The vCPU's index in its VM (its APIC id). */
    int id();

    /** Answers a {@link VCpuExit.IoIn}: one value per repetition. */
    void completeIoIn(long[] values);

    /** Answers a {@link VCpuExit.MmioRead}. */
    void completeMmioRead(long value);

    /** Answers a {@link VCpuExit.Hypercall}: the result the guest finds in RAX. */
    void completeHypercall(long result);
}
