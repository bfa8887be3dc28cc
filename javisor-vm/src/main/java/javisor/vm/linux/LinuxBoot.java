package javisor.vm.linux;

import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;

import javisor.memory.GuestAddress;
import javisor.sys.kvm.Regs;
import javisor.vcpu.BootTables;
import javisor.vcpu.EntryMode;
import javisor.vm.loader.BootSpec;
import javisor.vm.loader.ImageFormat;

/**
 * A loaded Linux kernel: how to enter it and where everything went.
 *
 * @param image     what kind of image it was
 * @param entryKind the entry actually used (never {@link LinuxEntry#AUTO})
 * @param mode      the CPU mode to enter in
 * @param entry     the guest-physical entry point
 * @param registers the registers the protocol sets: RSI = zero page, or RBX = PVH start info
 * @param kernel    the memory the kernel occupies, including what it needs to unpack itself (a bzImage's
 *                  init_size)
 * @param initrd    where the initrd went
 * @param cmdline   the command line, with its NUL
 * @param bootInfo  the zero page or the PVH start info
 */
public record LinuxBoot(Image image, LinuxEntry entryKind, EntryMode mode, GuestAddress entry,
                        Map<Regs.Reg, Long> registers, LoadedRange kernel, Optional<LoadedRange> initrd,
                        LoadedRange cmdline, LoadedRange bootInfo) {
    /** The kinds of Linux image. */
    public enum Image {
        /** A compressed kernel with a setup header, as distributions ship it. */
        BZIMAGE,
        /** The uncompressed ELF kernel. */
        VMLINUX
    }

    public LinuxBoot {
        Objects.requireNonNull(image);
        Objects.requireNonNull(entryKind);
        Objects.requireNonNull(mode);
        Objects.requireNonNull(entry);
        registers = Map.copyOf(registers);
        Objects.requireNonNull(kernel);
        Objects.requireNonNull(initrd);
        Objects.requireNonNull(cmdline);
        Objects.requireNonNull(bootInfo);
    }

    /**
     * The boot as the VM builder hands it to the vCPU, labelled with {@code format}; the GDT and page tables go to
     * their usual places, which {@link LinuxLayout} keeps free.
     */
    public BootSpec bootSpec(ImageFormat format) {
        return new BootSpec(format, mode, entry, registers, GuestAddress.of(kernel.start()),
                GuestAddress.of(kernel.end()), BootTables.usual(mode));
    }

    /** Everything the boot wrote, for logs. */
    public List<LoadedRange> ranges() {
        return initrd.isPresent() ? List.of(kernel, initrd.get(), cmdline, bootInfo) : List.of(kernel, cmdline, bootInfo);
    }

    /** One line for the log: "vmlinux via PVH at 0x1000850; kernel [...), initrd [...), ...". */
    public String describe() {
        return (image == Image.BZIMAGE ? "bzImage" : "vmlinux") + " via "
                + (entryKind == LinuxEntry.PVH ? "PVH" : "the 64-bit boot protocol") + " at 0x"
                + Long.toHexString(entry.value()) + "; " + String.join(", ", ranges().stream().map(Object::toString)
                .toList());
    }
}
