package javisor.vm.loader;

import java.lang.foreign.MemorySegment;
import java.util.ArrayList;
import java.util.List;

import javisor.memory.GuestAddress;
import javisor.memory.GuestMemory;
import javisor.memory.GuestRegion;

/**
 * Everything one load writes. The whole plan is checked before the first byte is written, so an image
 * that fails to load leaves guest memory as it was.
 */
record LoadPlan(List<LoadSegment> segments) {
    LoadPlan {
        segments = List.copyOf(segments);
    }

    /** Checks that every segment lies in guest RAM and that no two overlap, then writes them all. */
    void apply(GuestMemory memory) {
        check(memory);
        for (LoadSegment s : segments) {
            GuestAddress at = GuestAddress.of(s.start());
            memory.write(at, MemorySegment.ofArray(s.source()).asSlice(s.sourceOffset(), s.fileSize()));
            if (s.memSize() > s.fileSize()) {
                memory.zero(at.plus(s.fileSize()), s.memSize() - s.fileSize());
            }
        }
    }

    void check(GuestMemory memory) {
        for (LoadSegment s : segments) {
            checkInRam(memory, s);
        }
        List<LoadSegment> sorted = new ArrayList<>(segments);
        sorted.sort((a, b) -> Long.compareUnsigned(a.start(), b.start()));
        LoadSegment reach = null; // the segment reaching furthest so far: a long one may hide behind a short one
        for (LoadSegment s : sorted) {
            if (s.memSize() == 0) {
                continue;
            }
            if (reach != null && Long.compareUnsigned(s.start(), reach.end()) < 0) {
                throw new ImageException(reach + " overlaps " + s);
            }
            if (reach == null || Long.compareUnsigned(s.end(), reach.end()) > 0) {
                reach = s;
            }
        }
    }

    private static void checkInRam(GuestMemory memory, LoadSegment s) {
        if (s.memSize() == 0) {
            return;
        }
        if (Long.compareUnsigned(s.memSize(), memory.totalSize()) > 0) {
            throw new ImageException(s + " needs " + Hex.of(s.memSize())
                    + " bytes, more than all of guest RAM (" + Hex.of(memory.totalSize()) + " bytes)");
        }
        if (!memory.contains(GuestAddress.of(s.start()), s.memSize())) {
            throw new ImageException(s + " is not inside guest RAM " + describe(memory));
        }
        for (GuestRegion r : memory.regions()) {
            if (r.flags().device() && Long.compareUnsigned(s.start(), r.last().value()) <= 0
                    && Long.compareUnsigned(r.start().value(), s.end() - 1) <= 0) {
                throw new ImageException(s + " overlaps device region " + r + ", which has no RAM to load into");
            }
        }
    }

    private static String describe(GuestMemory memory) {
        List<String> parts = new ArrayList<>();
        for (GuestRegion r : memory.regions()) {
            parts.add(Hex.range(r.start().value(), r.size()));
        }
        return String.join(" ", parts);
    }

    /**
     * Rejects a kernel or ramdisk segment in the low page: a PC's firmware owns the real-mode interrupt vectors
     * and BIOS data there. The boot structures need no reservation: they are placed around the image.
     */
    static void checkNotReserved(LoadSegment s) {
        for (BootLayout.Range r : BootLayout.RESERVED) {
            if (s.memSize() != 0 && r.overlaps(s.start(), s.end())) {
                throw new ImageException(s + " overlaps the reserved " + r + ", the real-mode interrupt vectors "
                        + "and BIOS data area; link the image at or above " + Hex.of(r.end()));
            }
        }
    }

    /** Rejects a segment that 32-bit code with paging off could not reach. */
    static void checkBelow4G(LoadSegment s, String why) {
        if (Long.compareUnsigned(s.end(), BootLayout.FOUR_GIB) > 0) {
            throw new ImageException(s + " extends above 4 GiB, which " + why + " cannot reach");
        }
    }
}
