package javisor.vm.loader;

import java.util.Objects;
import java.util.Optional;

import javisor.memory.GuestAddress;

/**
 * What to load besides the image itself.
 *
 * @param format         how to interpret the image ({@link ImageFormat#AUTO} to detect it)
 * @param loadAddress    where a RAW image goes; ELF and Multiboot images carry their own addresses
 * @param entryPoint     where a RAW image starts; ELF and Multiboot images carry their own entry
 * @param cmdline        the kernel command line; only Multiboot has a way to pass it, other formats ignore it
 * @param ramdisk        an initial ramdisk: a Multiboot module, or for RAW and ELF bytes placed at
 *                       {@code ramdiskAddress} for the guest to find
 * @param ramdiskAddress where the ramdisk goes; Multiboot places it after the kernel when empty,
 *                       RAW and ELF require it
 */
public record LoadRequest(ImageFormat format, GuestAddress loadAddress, GuestAddress entryPoint,
                          String cmdline, Optional<byte[]> ramdisk, Optional<GuestAddress> ramdiskAddress) {
    public LoadRequest {
        Objects.requireNonNull(format, "format");
        Objects.requireNonNull(loadAddress, "loadAddress");
        Objects.requireNonNull(entryPoint, "entryPoint");
        Objects.requireNonNull(cmdline, "cmdline");
        Objects.requireNonNull(ramdisk, "ramdisk");
        Objects.requireNonNull(ramdiskAddress, "ramdiskAddress");
    }

    /** A request with no command line and no ramdisk. */
    public static LoadRequest of(ImageFormat format, GuestAddress loadAddress, GuestAddress entryPoint) {
        return new LoadRequest(format, loadAddress, entryPoint, "", Optional.empty(), Optional.empty());
    }

    public LoadRequest withCmdline(String newCmdline) {
        return new LoadRequest(format, loadAddress, entryPoint, newCmdline, ramdisk, ramdiskAddress);
    }

    public LoadRequest withRamdisk(byte[] bytes, Optional<GuestAddress> address) {
        return new LoadRequest(format, loadAddress, entryPoint, cmdline, Optional.of(bytes), address);
    }
}
