package javisor.vm.linux;

import java.util.Objects;
import java.util.Optional;

import javisor.memory.GuestAddress;
import javisor.memory.GuestMemory;
import javisor.vm.platform.E820Map;

/**
 * What a Linux boot needs besides the kernel image.
 *
 * @param cmdline       the kernel command line
 * @param initrd        the initial ramdisk (an initramfs cpio archive, possibly compressed), if any
 * @param initrdAddress where the initrd goes (page-aligned); empty to put it as high in RAM as the kernel allows,
 *                      as boot.rst recommends
 * @param e820          the memory map the kernel is given, and where the loader may put things
 * @param rsdp          the ACPI RSDP's address, if the platform tables were written
 * @param entry         how to enter the kernel
 */
public record LinuxBootRequest(String cmdline, Optional<byte[]> initrd, Optional<GuestAddress> initrdAddress,
                               E820Map e820, Optional<GuestAddress> rsdp, LinuxEntry entry) {
    public LinuxBootRequest {
        Objects.requireNonNull(cmdline, "cmdline");
        Objects.requireNonNull(initrd, "initrd");
        Objects.requireNonNull(initrdAddress, "initrdAddress");
        Objects.requireNonNull(e820, "e820");
        Objects.requireNonNull(rsdp, "rsdp");
        Objects.requireNonNull(entry, "entry");
    }

    /** A request with the e820 map of {@code memory}, no initrd and no ACPI. */
    public static LinuxBootRequest of(String cmdline, GuestMemory memory) {
        return new LinuxBootRequest(cmdline, Optional.empty(), Optional.empty(), E820Map.forGuest(memory.regions()),
                Optional.empty(), LinuxEntry.AUTO);
    }

    public LinuxBootRequest withInitrd(byte[] bytes, Optional<GuestAddress> address) {
        return new LinuxBootRequest(cmdline, Optional.of(bytes), address, e820, rsdp, entry);
    }

    public LinuxBootRequest withRsdp(GuestAddress address) {
        return new LinuxBootRequest(cmdline, initrd, initrdAddress, e820, Optional.of(address), entry);
    }

    public LinuxBootRequest withEntry(LinuxEntry newEntry) {
        return new LinuxBootRequest(cmdline, initrd, initrdAddress, e820, rsdp, newEntry);
    }
}
