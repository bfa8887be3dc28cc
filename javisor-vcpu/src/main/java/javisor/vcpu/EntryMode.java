package javisor.vcpu;

/** The CPU mode a vCPU starts the guest in. */
public enum EntryMode {
    /** 16-bit real mode, as after reset: a raw binary's entry. */
    REAL_MODE_16,
    /** 32-bit protected mode, flat 4 GiB segments, paging off: Multiboot v1 and ELF32 entries. */
    PROTECTED_32,
    /** 64-bit long mode with the low 4 GiB identity-mapped: ELF64 entries. */
    LONG_64
}
