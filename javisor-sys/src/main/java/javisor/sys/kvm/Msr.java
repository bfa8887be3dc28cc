package javisor.sys.kvm;

/** A model-specific register and its value (struct kvm_msr_entry). */
public record Msr(int index, long value) {
}
