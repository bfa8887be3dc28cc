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
    MULTIBOOT;

    public String tomlName() {
        return name().toLowerCase(Locale.ROOT);
    }

    public static Optional<KernelFormat> ofName(String name) {
        return Arrays.stream(values()).filter(f -> f.tomlName().equals(name)).findFirst();
    }
}
