package javisor.memory;

import java.lang.foreign.MemorySegment;

import javisor.sys.HostMapping;

/**
 * One contiguous range of guest-physical memory and its host backing. The region owns the backing and
 * unmaps it on close.
 */
public final class GuestRegion implements AutoCloseable {
    private final GuestAddress start;
    private final long size;
    private final RegionFlags flags;
    private final MappingKind kind;
    private final HostMapping backing;

    public GuestRegion(GuestAddress start, RegionFlags flags, MappingKind kind, HostMapping backing) {
        this.start = start;
        this.size = backing.size();
        this.flags = flags;
        this.kind = kind;
        this.backing = backing;
        start.plus(size - 1); // the region must not wrap past the top of the address space
    }

    /** A MAP_ALLOC region: fresh zeroed anonymous memory of {@code size} bytes at {@code start}. */
    public static GuestRegion allocate(GuestAddress start, long size, RegionFlags flags) {
        return new GuestRegion(start, flags, MappingKind.MAP_ALLOC, HostMapping.anonymous(size));
    }

    public GuestAddress start() {
        return start;
    }

    public long size() {
        return size;
    }

    /** The last address of the region (inclusive), so a region ending at 2^64 is representable. */
    public GuestAddress last() {
        return new GuestAddress(start.value() + size - 1);
    }

    public RegionFlags flags() {
        return flags;
    }

    public MappingKind kind() {
        return kind;
    }

    public boolean readOnly() {
        return !flags.writable();
    }

    public boolean contains(GuestAddress address) {
        return address.compareTo(start) >= 0 && address.compareTo(last()) <= 0;
    }

    /** The host address KVM takes as the slot's userspace_addr. */
    public long hostAddress() {
        return backing.hostAddress();
    }

    /** The region's memory as a bounds-checked segment (offset 0 is {@link #start()}). */
    public MemorySegment segment() {
        return backing.segment();
    }

    @Override
    public void close() {
        backing.close();
    }

    @Override
    public String toString() {
        return "[" + start + ", " + new GuestAddress(start.value() + size) + ") " + flags + " " + kind;
    }
}
