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

    /** Which pages back anonymous memory: what a VM's {@code huge_pages} asks for its RAM. */
    public enum PageSize {
        /**
         * 4 KiB pages only (MADV_NOHUGEPAGE): memory grows by what the guest touches, even where the host's
         * transparent huge pages are "always", which would give a 2 MiB page for the first 4 KiB touched.
         */
        SMALL,
        /** Transparent huge pages where the host has them (MADV_HUGEPAGE): fewer TLB misses, more memory. */
        TRANSPARENT,
        /** 2 MiB pages from the host's hugetlbfs pool (MAP_HUGETLB), reserved by {@code vm.nr_hugepages}. */
        HUGETLB_2M
    }

    /**
     * As {@link #anonymous(long)}, backed by {@code pages}. A 2 MiB mapping needs a multiple of 2 MiB and free
     * pages in the host's pool: without them mmap fails with ENOMEM, which the message explains.
     */
    public static HostMapping anonymous(long size, PageSize pages) {
        return switch (pages) {
            case SMALL, TRANSPARENT -> {
                HostMapping m = anonymous(size);
                try {
                    LibC.madvise(m.hostAddress(), size,
                            pages == PageSize.SMALL ? LibC.MADV_NOHUGEPAGE : LibC.MADV_HUGEPAGE);
                } catch (NativeException e) {
                    // A kernel without transparent huge pages refuses the advice (EINVAL): it has only 4 KiB pages
                    // anyway, which is what SMALL wants and the best TRANSPARENT can get.
                    if (e.errno() != Errno.EINVAL) {
                        m.close();
                        throw e;
                    }
                }
                yield m;
            }
            case HUGETLB_2M -> {
                requirePositive(size);
                if (size % (2 << 20) != 0) {
                    throw new IllegalArgumentException("2 MiB huge pages need a size that is a multiple of 2 MiB, "
                            + "got " + size + " bytes");
                }
                long address;
                try {
                    address = LibC.mmap(0, size, LibC.PROT_READ | LibC.PROT_WRITE, LibC.MAP_PRIVATE
                            | LibC.MAP_ANONYMOUS | LibC.MAP_HUGETLB | (21 << LibC.MAP_HUGE_SHIFT), -1, 0); // 2^21
                } catch (NativeException e) {
                    throw new NativeException("mmap of " + (size >> 20) + " MiB in 2 MiB huge pages (the host "
                            + "has too few free: see HugePages_Free in /proc/meminfo, raise vm.nr_hugepages)",
                            e.errno());
                }
                yield new HostMapping(address, size, true);
            }
        };
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
