package javisor.vm.loader;

import java.lang.foreign.MemorySegment;
import java.util.List;

import javisor.memory.GuestAddress;
import javisor.memory.GuestMemory;
import javisor.memory.GuestRegion;
import javisor.memory.RegionFlags;

/** Guest memories for loader tests. */
final class TestMemory {
    static final long RAM_SIZE = 2L << 20;
    static final long ROM_START = 0xffff_0000L;
    static final long ROM_SIZE = 0x1_0000;

    private TestMemory() {
    }

    /** RAM at [0, 2 MiB) and a 64 KiB read-only region just below 4 GiB, like a BIOS ROM. */
    static GuestMemory standard() {
        return GuestMemory.of(List.of(
                GuestRegion.allocate(GuestAddress.ZERO, RAM_SIZE, RegionFlags.RWX),
                GuestRegion.allocate(GuestAddress.of(ROM_START), ROM_SIZE,
                        new RegionFlags(RegionFlags.READ | RegionFlags.EXECUTE))));
    }

    static GuestMemory of(long... startSizePairs) {
        GuestRegion[] regions = new GuestRegion[startSizePairs.length / 2];
        for (int i = 0; i < regions.length; i++) {
            regions[i] = GuestRegion.allocate(GuestAddress.of(startSizePairs[2 * i]), startSizePairs[2 * i + 1],
                    RegionFlags.RWX);
        }
        return GuestMemory.of(List.of(regions));
    }

    /** True when every byte of every region is zero: nothing was written. */
    static boolean allZero(GuestMemory memory) {
        for (GuestRegion r : memory.regions()) {
            MemorySegment zeros = MemorySegment.ofArray(new byte[(int) r.size()]);
            if (r.segment().mismatch(zeros) != -1) {
                return false;
            }
        }
        return true;
    }

    static byte[] read(GuestMemory memory, long address, int length) {
        return memory.read(GuestAddress.of(address), length);
    }
}
