package javisor.vm.loader;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;

import javisor.memory.GuestAddress;
import javisor.memory.GuestMemory;
import javisor.vcpu.EntryMode;

/** Loads an ELF executable's PT_LOAD segments: ELF32 is entered in 32-bit protected mode, ELF64 in long mode. */
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
        new LoadPlan(all).apply(memory);
        return new BootSpec(ImageFormat.ELF, mode, GuestAddress.of(kernel.entry()), Map.of(),
                GuestAddress.of(kernel.start()), GuestAddress.of(kernel.end()));
    }

    static void checkEntryBelow4G(KernelImage kernel, String why) {
        if (Long.compareUnsigned(kernel.entry(), BootLayout.FOUR_GIB) >= 0) {
            throw new ImageException("entry point " + Hex.of(kernel.entry()) + " is above 4 GiB: " + why);
        }
    }
}
