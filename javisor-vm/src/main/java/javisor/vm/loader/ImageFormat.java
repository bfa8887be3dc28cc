package javisor.vm.loader;

/** How to interpret a guest image. */
public enum ImageFormat {
    /** Multiboot v1 if the image has a valid Multiboot header, else ELF if it has the ELF magic, else RAW. */
    AUTO,
    /** A flat binary copied to the load address and entered in 16-bit real mode. */
    RAW,
    /** An ELF executable: its PT_LOAD segments are loaded; ELF32 enters in 32-bit, ELF64 in 64-bit mode. */
    ELF,
    /** A Multiboot v1 kernel (a.out kludge or ELF), entered in 32-bit mode with EAX/EBX set. */
    MULTIBOOT,
    /** A Linux bzImage or vmlinux, loaded by {@code javisor.vm.linux.LinuxLoader} (PVH when the ELF allows). */
    LINUX,
    /** A Linux vmlinux entered through PVH, loaded by {@code javisor.vm.linux.LinuxLoader}. */
    PVH,
    /** A Linux kernel entered through the 64-bit boot protocol, loaded by {@code javisor.vm.linux.LinuxLoader}. */
    LINUX64
}
