package javisor.vm.config;

import java.util.Arrays;
import java.util.Locale;
import java.util.Optional;

/**
 * {@code kernel.kernel_format} (a Javisor extension): how the kernel image is to be read. The constants carry
 * the names of {@code javisor.vm.loader.ImageFormat}, to which the VM builder maps them by name.
 */
public enum KernelFormat {
    /** Detect the format from the image's contents (the default). */
    AUTO,
    /** A flat binary copied to {@code kernel_load_addr} and entered at {@code entry_point}, as in AxVisor. */
    RAW,
    /** An ELF executable loaded by its program headers. */
    ELF,
    /** A Multiboot v1 kernel. */
    MULTIBOOT,
    /** A Linux kernel: a bzImage (64-bit boot protocol), or an ELF vmlinux (PVH when it has the PVH note). */
    LINUX,
    /** A Linux ELF vmlinux entered through PVH (the kernel must carry the PVH note). */
    PVH,
    /** A Linux bzImage or vmlinux entered through the 64-bit boot protocol, even if it could boot through PVH. */
    LINUX64;

    public String tomlName() {
        return name().toLowerCase(Locale.ROOT);
    }

    public static Optional<KernelFormat> ofName(String name) {
        return Arrays.stream(values()).filter(f -> f.tomlName().equals(name)).findFirst();
    }
}
