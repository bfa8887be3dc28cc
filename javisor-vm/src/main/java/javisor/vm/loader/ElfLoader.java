package javisor.vm.loader;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;

import javisor.memory.GuestAddress;
import javisor.memory.GuestMemory;
import javisor.vcpu.BootTables;
import javisor.vcpu.EntryMode;

/**
 * Loads an ELF executable's PT_LOAD segments: ELF32 is entered in 32-bit protected mode, ELF64 in long mode.
 * The GDT, and for ELF64 the identity-map page tables, go where {@link BootPlacement} finds room for them.
 */
final class ElfLoader {
    private ElfLoader() {
    }

    static BootSpec load(GuestMemory memory, byte[] image, LoadRequest request) {
        ElfFile elf = ElfFile.parse(image);
        KernelImage kernel = elf.kernel(image);
        EntryMode mode = elf.naturalMode();
        checkEntryBelow4G(kernel, mode == EntryMode.LONG_64
                ? "the long-mode identity map covers only the low 4 GiB"
                : "32-bit code with paging off reaches only the low 4 GiB");
        kernel.checkNotReserved();
        if (mode == EntryMode.PROTECTED_32) {
            kernel.segments().forEach(s -> LoadPlan.checkBelow4G(s, "32-bit code with paging off"));
        }
        List<LoadSegment> all = new ArrayList<>(kernel.segments());
        Ramdisk.atGivenAddress(request, ImageFormat.ELF).ifPresent(r -> {
            LoadPlan.checkNotReserved(r);
            all.add(r);
        });
        new LoadPlan(all).check(memory); // the image's own faults first, before looking for room beside it

        BootPlacement places = new BootPlacement(memory, all);
        GuestAddress gdt = GuestAddress.of(places.place(BootLayout.GDT));
        all.add(LoadSegment.zeroed(BootLayout.GDT.name(), gdt.value(), BootLayout.GDT.size()));
        BootTables tables = BootTables.gdtOnly(gdt);
        if (mode == EntryMode.LONG_64) { // paging is off at a 32-bit entry: page tables only for a 64-bit one
            GuestAddress pageTables = GuestAddress.of(places.place(BootLayout.PAGE_TABLES));
            all.add(LoadSegment.zeroed(BootLayout.PAGE_TABLES.name(), pageTables.value(),
                    BootLayout.PAGE_TABLES.size()));
            tables = BootTables.withPageTables(gdt, pageTables);
        }
        new LoadPlan(all).apply(memory);
        return new BootSpec(ImageFormat.ELF, mode, GuestAddress.of(kernel.entry()), Map.of(),
                GuestAddress.of(kernel.start()), GuestAddress.of(kernel.end()), tables);
    }

    static void checkEntryBelow4G(KernelImage kernel, String why) {
        if (Long.compareUnsigned(kernel.entry(), BootLayout.FOUR_GIB) >= 0) {
            throw new ImageException("entry point " + Hex.of(kernel.entry()) + " is above 4 GiB: " + why);
        }
    }
}
