package javisor.sys.kvm;

/** One CPUID leaf (struct kvm_cpuid_entry2). */
public record CpuidEntry(int function, int index, int flags, int eax, int ebx, int ecx, int edx) {
    /** KVM_CPUID_FLAG_SIGNIFCANT_INDEX: the leaf has sub-leaves selected by ECX. */
    public static final int FLAG_SIGNIFICANT_INDEX = 1;

    public CpuidEntry withRegisters(int newEax, int newEbx, int newEcx, int newEdx) {
        return new CpuidEntry(function, index, flags, newEax, newEbx, newEcx, newEdx);
    }
}
