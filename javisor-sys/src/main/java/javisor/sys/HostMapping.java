package javisor.sys;

import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;

/**
 * A host memory mapping (mmap) with one owner. {@link #segment()} is bounds-checked; once the mapping is
 * closed it is unmapped and every view of it throws instead of touching freed memory.
 */
public final class HostMapping implements AutoCloseable {
    /** Null for a {@link #slice}, which owns nothing. */
    private final Arena arena;
    private final MemorySegment segment;

    private HostMapping(long address, long size, boolean writable) {
        this.arena = Arena.ofShared();
        MemorySegment s = LibC.segment(address, size, arena, () -> LibC.munmap(address, size));
        // A write through a segment over a PROT_READ mapping would crash the JVM; a read-only view throws.
        this.segment = writable ? s : s.asReadOnly();
    }

    private HostMapping(MemorySegment view) {
        this.arena = null;
        this.segment = view;
    }

    /**
     * Private anonymous memory of {@code size} bytes, zeroed, pages allocated on first touch
     * (MAP_NORESERVE: a large guest that touches little costs little).
     */
    public static HostMapping anonymous(long size) {
        requirePositive(size);
        long address = LibC.mmap(0, size, LibC.PROT_READ | LibC.PROT_WRITE,
                LibC.MAP_PRIVATE | LibC.MAP_ANONYMOUS | LibC.MAP_NORESERVE, -1, 0);
        return new HostMapping(address, size, true);
    }

    /** A shared mapping of {@code size} bytes of {@code fd} from {@code offset} (a file or a memfd). */
    public static HostMapping sharedFile(int fd, long offset, long size, boolean writable) {
        requirePositive(size);
        int prot = LibC.PROT_READ | (writable ? LibC.PROT_WRITE : 0);
        long address = LibC.mmap(0, size, prot, LibC.MAP_SHARED, fd, offset);
        return new HostMapping(address, size, writable);
    }

    private static void requirePositive(long size) {
        if (size <= 0) {
            throw new IllegalArgumentException("mapping size must be positive, got " + size);
        }
    }

    /**
     * {@code size} bytes of this mapping from {@code offset}, as a mapping of their own that owns nothing: closing
     * it leaves this one mapped, and it dies with this one. Tests put guest RAM between guard bytes this way, so
     * that a stray native access next to the RAM shows.
     */
    public HostMapping slice(long offset, long size) {
        requirePositive(size);
        return new HostMapping(segment.asSlice(offset, size));
    }

    public MemorySegment segment() {
        return segment;
    }

    /** The host virtual address, which KVM takes as a memory slot's userspace_addr. */
    public long hostAddress() {
        return segment.address();
    }

    public long size() {
        return segment.byteSize();
    }

    @Override
    public synchronized void close() {
        if (arena != null && arena.scope().isAlive()) {
            arena.close();
        }
    }
}
