package javisor.sys.kvm;

/** The answer of KVM_TRANSLATE: where a guest linear address lands in guest-physical memory. */
public record Translation(long linearAddress, long physicalAddress, boolean valid, boolean writeable,
                          boolean usermode) {
}
