package javisor.vm.loader;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;

import javisor.memory.GuestAddress;
import javisor.memory.GuestMemory;
import javisor.sys.kvm.Regs;
import javisor.vcpu.BootTables;
import javisor.vcpu.EntryMode;

/**
 * Loads a Multiboot v1 kernel (a.out kludge or ELF) and writes the Multiboot information structure where
 * {@link BootPlacement} finds room for it, clear of the kernel and its module; the kernel is entered in 32-bit
 * protected mode with EAX = 0x2BADB002 and EBX = the information structure's address (Multiboot
 * Specification 0.6.96, 3.2 "Machine state"). A 32-bit entry has paging off, so no page tables are placed.
 */
final class MultibootLoader {
    private static final String REACH = "32-bit code with paging off";

    private MultibootLoader() {
    }

    static BootSpec load(GuestMemory memory, byte[] image, LoadRequest request, MultibootHeader header) {
        header.checkFlags();
        KernelImage kernel = header.aout().map(a -> a.kernel(image, header.offset()))
                .orElseGet(() -> elfKernel(image, header));
        if (!kernel.entryInFileBytes()) {
            throw new ImageException("Multiboot entry_addr " + Hex.of(kernel.entry())
                    + " is not inside the bytes loaded from the image " + kernel.segments());
        }
        ElfLoader.checkEntryBelow4G(kernel, REACH + " reaches only the low 4 GiB");
        kernel.checkNotReserved();
        kernel.segments().forEach(s -> LoadPlan.checkBelow4G(s, REACH));

        List<LoadSegment> all = new ArrayList<>(kernel.segments());
        Optional<LoadSegment> module = Ramdisk.multibootModule(request, kernel, header.wantsPageAlignedModules());
        module.ifPresent(m -> {
            LoadPlan.checkNotReserved(m);
            LoadPlan.checkBelow4G(m, "a 32-bit Multiboot module field");
            all.add(m);
        });
        MultibootInfo.check(memory.regions(), request.cmdline());
        new LoadPlan(all).check(memory); // the image's own faults first, before looking for room beside it

        BootPlacement places = new BootPlacement(memory, all);
        long gdt = places.place(BootLayout.GDT);
        long infoAddress = places.place(BootLayout.BOOT_DATA);
        byte[] info = MultibootInfo.build(memory.regions(), request.cmdline(),
                module.map(m -> new MultibootInfo.Module(m.start(), m.end())), infoAddress);
        all.add(LoadSegment.zeroed(BootLayout.GDT.name(), gdt, BootLayout.GDT.size()));
        all.add(LoadSegment.of(BootLayout.BOOT_DATA.name(), infoAddress, info));
        new LoadPlan(all).apply(memory);

        return new BootSpec(ImageFormat.MULTIBOOT, EntryMode.PROTECTED_32, GuestAddress.of(kernel.entry()),
                Map.of(Regs.Reg.RAX, Integer.toUnsignedLong(MultibootHeader.BOOTLOADER_MAGIC),
                        Regs.Reg.RBX, infoAddress),
                GuestAddress.of(kernel.start()), GuestAddress.of(kernel.end()),
                BootTables.gdtOnly(GuestAddress.of(gdt)));
    }

    private static KernelImage elfKernel(byte[] image, MultibootHeader header) {
        if (!ElfFile.hasMagic(image)) {
            throw new ImageException("Multiboot header at offset " + Hex.of(header.offset())
                    + " does not set flags bit 16 (a.out kludge), so the image must be ELF, but it does not start "
                    + "with the ELF magic 7f 45 4c 46");
        }
        return ElfFile.parse(image).kernel(image);
    }
}
