package javisor.vm.linux;

/** How to enter a Linux kernel. */
public enum LinuxEntry {
    /**
     * A bzImage through the 64-bit boot protocol; a vmlinux through PVH when it carries the PVH note (as
     * Firecracker and QEMU do), else through the 64-bit boot protocol.
     */
    AUTO,
    /**
     * The 64-bit boot protocol (boot.rst, "64-bit BOOT PROTOCOL"): long mode with the low 4 GiB identity-mapped,
     * RSI pointing at the zero page.
     */
    BOOT_PROTOCOL_64,
    /**
     * The PVH boot ABI (Xen's docs/misc/pvh.pandoc): 32-bit protected mode with paging off at the entry of the
     * XEN_ELFNOTE_PHYS32_ENTRY note, EBX pointing at the hvm_start_info. Only an ELF kernel carries the note.
     */
    PVH
}
