package javisor.vm.loader;

import java.util.Arrays;
import java.util.Locale;
import java.util.Optional;

/**
 * How to interpret a guest image: the one format enum, which the config's {@code kernel.kernel_format} (a Javisor
 * extension) names in lower case and the loaders act on.
 */
public enum ImageFormat {
    /** Detect the format: Multiboot v1, then a Linux bzImage or vmlinux, then ELF, else RAW. */
    AUTO,
    /** A flat binary copied to the load address and entered in 16-bit real mode (AxVisor's way). */
    RAW,
    /** An ELF executable: its PT_LOAD segments are loaded; ELF32 enters in 32-bit, ELF64 in 64-bit mode. */
    ELF,
    /** A Multiboot v1 kernel (a.out kludge or ELF), entered in 32-bit mode with EAX/EBX set. */
    MULTIBOOT,
    /** A Linux bzImage (64-bit boot protocol) or ELF vmlinux (PVH when it has the PVH note). */
    LINUX,
    /** A Linux ELF vmlinux entered through PVH (the kernel must carry the PVH note). */
    PVH,
    /** A Linux bzImage or vmlinux entered through the 64-bit boot protocol, even if it could boot through PVH. */
    LINUX64;

    /** The name {@code kernel_format} gives it. */
    public String configName() {
        return name().toLowerCase(Locale.ROOT);
    }

    /** The format {@code kernel_format = "name"} means, if any. */
    public static Optional<ImageFormat> ofConfigName(String name) {
        return Arrays.stream(values()).filter(f -> f.configName().equals(name)).findFirst();
    }
}
