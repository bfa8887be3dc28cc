package javisor.vm.loader;

import java.util.Map;
import java.util.Objects;

import javisor.memory.GuestAddress;
import javisor.sys.kvm.Regs;
import javisor.vcpu.BootTables;
import javisor.vcpu.EntryMode;

/**
 * How to start the boot vCPU after a successful load.
 *
 * @param format     the format the image was actually loaded as (never {@link ImageFormat#AUTO})
 * @param mode       the CPU mode to enter the guest in
 * @param entry      the guest-physical entry point
 * @param registers  initial register values beyond the mode's defaults (e.g. EAX and EBX for Multiboot)
 * @param imageStart the lowest guest-physical address the kernel image occupies
 * @param imageEnd   the address just past the highest byte the kernel image occupies, including zeroed
 *                   memory (bss); the ramdisk and boot data are not part of the image
 * @param tables     where the vCPU writes the GDT and page tables {@code mode} needs (for every vCPU it boots
 *                   in that mode, so for vCPUs started later too)
 */
public record BootSpec(ImageFormat format, EntryMode mode, GuestAddress entry, Map<Regs.Reg, Long> registers,
                       GuestAddress imageStart, GuestAddress imageEnd, BootTables tables) {
    public BootSpec {
        Objects.requireNonNull(format, "format");
        Objects.requireNonNull(mode, "mode");
        Objects.requireNonNull(entry, "entry");
        registers = Map.copyOf(registers);
        Objects.requireNonNull(imageStart, "imageStart");
        Objects.requireNonNull(imageEnd, "imageEnd");
        Objects.requireNonNull(tables, "tables");
        tables.checkFor(mode);
    }
}
