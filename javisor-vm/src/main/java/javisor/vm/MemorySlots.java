package javisor.vm;

import java.util.BitSet;
import java.util.OptionalInt;

/**
 * A VM's KVM memory slot numbers: the first ones hold its RAM regions, the rest are handed out for shared mappings
 * (IVC channels) up to the limit KVM reports (KVM_CAP_NR_MEMSLOTS), so that running out is an answer, not a
 * failed ioctl.
 */
final class MemorySlots {
    private final int limit;
    private final BitSet used = new BitSet();

    /** @param taken slots 0..taken-1 are the RAM regions' */
    MemorySlots(int taken, int limit) {
        if (taken > limit) {
            throw new IllegalArgumentException(taken + " memory regions, but KVM has only " + limit + " slots");
        }
        this.limit = limit;
        used.set(0, taken);
    }

    int limit() {
        return limit;
    }

    /** The lowest free slot, now taken; empty when all {@link #limit()} are. */
    synchronized OptionalInt allocate() {
        int slot = used.nextClearBit(0);
        if (slot >= limit) {
            return OptionalInt.empty();
        }
        used.set(slot);
        return OptionalInt.of(slot);
    }

    synchronized boolean isUsed(int slot) {
        return used.get(slot);
    }

    synchronized void release(int slot) {
        used.clear(slot);
    }
}
