package javisor.vm.loader;

import java.util.ArrayList;
import java.util.List;
import java.util.Optional;

import javisor.memory.GuestMemory;
import javisor.memory.GuestRegion;

/**
 * Chooses where the host-built boot structures of one load go (the GDT, the Multiboot information, the
 * long-mode page tables), so that they never land on the image, its bss or its module. Each structure, in
 * the order asked for, goes to the first of these places that is free:
 *
 * <ol>
 *   <li>its usual place in {@link BootLayout} (so an image linked at 1 MiB sees the layout it always did);</li>
 *   <li>the lowest 4 KiB boundary in {@link BootLayout#CONVENTIONAL} memory, [0x1000, 0xa0000);</li>
 *   <li>the first 4 KiB boundary after the highest byte loaded so far (image, bss, module, the structures
 *       placed before it), as QEMU's Multiboot loader puts its module list and command lines after the
 *       kernel (hw/i386/multiboot.c).</li>
 * </ol>
 *
 * "Free" means writable RAM (not ROM, not a device region), ending at or below 4 GiB (32-bit code and the
 * 64-bit entry's identity map reach no higher), that overlaps nothing loaded or placed before. When none is
 * free the load fails with an {@link ImageException} that names the structure, its size and what is in the way
 * of each place; nothing has been written by then.
 */
final class BootPlacement {
    private final List<GuestRegion> regions;
    private final List<LoadSegment> taken;

    /** @param loaded the image's segments and its module: what the boot structures must keep clear of */
    BootPlacement(GuestMemory memory, List<LoadSegment> loaded) {
        this.regions = memory.regions();
        this.taken = new ArrayList<>();
        for (LoadSegment s : loaded) {
            if (s.memSize() != 0) {
                taken.add(s);
            }
        }
    }

    /**
     * Places a structure of {@code usual.size()} bytes by the rule above and keeps it from later ones.
     *
     * @return its guest-physical address
     */
    long place(BootLayout.Range usual) {
        String what = usual.name();
        long size = usual.size();
        Optional<String> atUsual = obstacle(usual.start(), size);
        if (atUsual.isEmpty()) {
            return take(what, usual.start(), size);
        }
        for (long at = BootLayout.CONVENTIONAL.start(); at + size <= BootLayout.CONVENTIONAL.end();
             at += BootLayout.PAGE_SIZE) {
            if (obstacle(at, size).isEmpty()) {
                return take(what, at, size);
            }
        }
        long highest = highestEnd();
        long after = (highest + BootLayout.PAGE_SIZE - 1) & -BootLayout.PAGE_SIZE;
        Optional<String> atAfter = Long.compareUnsigned(after, highest) < 0
                ? Optional.of("is past the top of the address space")
                : obstacle(after, size);
        if (atAfter.isEmpty()) {
            return take(what, after, size);
        }
        throw new ImageException("no room for the " + what + " (" + Hex.of(size) + " bytes): its usual place "
                + Hex.range(usual.start(), size) + " " + atUsual.get() + "; no 4 KiB boundary in "
                + BootLayout.CONVENTIONAL + " leaves it clear of " + describeTaken() + " in writable RAM; and at "
                + Hex.of(after) + ", after the highest loaded byte, it " + atAfter.get());
    }

    private long take(String what, long at, long size) {
        taken.add(LoadSegment.zeroed(what, at, size));
        return at;
    }

    /** Why {@code [at, at + size)} cannot hold a boot structure, or empty if it can. */
    private Optional<String> obstacle(long at, long size) {
        long end = at + size;
        if (Long.compareUnsigned(end, at) < 0 || Long.compareUnsigned(end, BootLayout.FOUR_GIB) > 0) {
            return Optional.of("would extend above 4 GiB, which 32-bit code and the identity map cannot reach");
        }
        for (LoadSegment s : taken) {
            if (Long.compareUnsigned(at, s.end()) < 0 && Long.compareUnsigned(s.start(), end) < 0) {
                return Optional.of("overlaps " + s);
            }
        }
        if (Long.compareUnsigned(MultibootInfo.contiguousRam(regions, at), size) < 0) {
            return Optional.of("is not all writable RAM");
        }
        return Optional.empty();
    }

    private long highestEnd() {
        long highest = 0;
        for (LoadSegment s : taken) {
            if (Long.compareUnsigned(s.end(), highest) > 0) {
                highest = s.end();
            }
        }
        return highest;
    }

    private String describeTaken() {
        List<String> parts = new ArrayList<>();
        for (LoadSegment s : taken) {
            parts.add(s.toString());
        }
        return String.join(", ", parts);
    }
}
