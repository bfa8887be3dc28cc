package javisor.sys.kvm;

/**
 * Reads a vCPU's general registers one at a time: a {@link Regs} copy, or kvm_run's synced registers in place,
 * which a hypercall's decode reads without copying all eighteen (docs/performance.md, "Thirteenth round").
 */
@FunctionalInterface
public interface RegisterReader {
    long get(Regs.Reg reg);
}
