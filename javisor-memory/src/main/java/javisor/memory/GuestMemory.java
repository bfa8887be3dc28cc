package javisor.memory;

import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;

import static java.lang.foreign.ValueLayout.JAVA_BYTE;

/**
 * A guest's physical memory: non-overlapping regions and bounds-checked access to them. An access that
 * is not wholly inside guest RAM throws {@link GuestMemoryException}; it never touches host memory outside
 * the guest's. Accesses may span adjacent regions. Host-side writes ignore the regions' read-only flag
 * (that flag is what the guest sees), so loaders can fill ROM.
 */
public final class GuestMemory implements AutoCloseable {
    private static final ValueLayout.OfShort U16 = ValueLayout.JAVA_SHORT_UNALIGNED;
    private static final ValueLayout.OfInt U32 = ValueLayout.JAVA_INT_UNALIGNED;
    private static final ValueLayout.OfLong U64 = ValueLayout.JAVA_LONG_UNALIGNED;

    private final List<GuestRegion> regions;

    private GuestMemory(List<GuestRegion> sortedRegions) {
        this.regions = List.copyOf(sortedRegions);
    }

    /** Guest memory made of {@code regions}; throws if two of them overlap. */
    public static GuestMemory of(List<GuestRegion> regions) {
        List<GuestRegion> sorted = new ArrayList<>(regions);
        sorted.sort((a, b) -> a.start().compareTo(b.start()));
        for (int i = 1; i < sorted.size(); i++) {
            GuestRegion prev = sorted.get(i - 1);
            GuestRegion next = sorted.get(i);
            if (next.start().compareTo(prev.last()) <= 0) {
                throw new GuestMemoryException("memory regions overlap: " + prev + " and " + next);
            }
        }
        return new GuestMemory(sorted);
    }

    public List<GuestRegion> regions() {
        return regions;
    }

    /** The region that holds {@code address}, if any. */
    public Optional<GuestRegion> regionAt(GuestAddress address) {
        int lo = 0;
        int hi = regions.size() - 1;
        while (lo <= hi) {
            int mid = (lo + hi) >>> 1;
            GuestRegion r = regions.get(mid);
            if (address.compareTo(r.start()) < 0) {
                hi = mid - 1;
            } else if (address.compareTo(r.last()) > 0) {
                lo = mid + 1;
            } else {
                return Optional.of(r);
            }
        }
        return Optional.empty();
    }

    /** True when every byte of {@code [address, address + length)} is guest RAM. */
    public boolean contains(GuestAddress address, long length) {
        if (length < 0) {
            return false;
        }
        long done = 0;
        while (done < length) {
            GuestAddress at;
            try {
                at = address.plus(done);
            } catch (GuestMemoryException e) {
                return false;
            }
            Optional<GuestRegion> r = regionAt(at);
            if (r.isEmpty()) {
                return false;
            }
            done += Math.min(length - done, r.get().size() - at.offsetFrom(r.get().start()));
        }
        return true;
    }

    /** Total bytes of guest RAM. */
    public long totalSize() {
        return regions.stream().mapToLong(GuestRegion::size).sum();
    }

    /**
     * A view of {@code length} bytes at {@code address}, which must lie inside one region. The view is
     * bounds-checked and dies with the region.
     */
    public MemorySegment slice(GuestAddress address, long length) {
        GuestRegion r = regionAt(address).orElseThrow(() -> outside(address, length));
        long offset = address.offsetFrom(r.start());
        if (length < 0 || length > r.size() - offset) {
            throw outside(address, length);
        }
        return r.segment().asSlice(offset, length);
    }

    /**
     * Views of {@code length} bytes at {@code address}, one per region the range crosses, in order: for I/O that
     * goes straight between a file or socket and guest memory. Throws if any byte is not guest RAM.
     */
    public List<MemorySegment> slices(GuestAddress address, long length) {
        checkRange(address, length);
        List<MemorySegment> out = new ArrayList<>(1);
        long done = 0;
        while (done < length) {
            GuestAddress at = address.plus(done);
            GuestRegion r = regionAt(at).orElseThrow();
            long offset = at.offsetFrom(r.start());
            long n = Math.min(length - done, r.size() - offset);
            out.add(r.segment().asSlice(offset, n));
            done += n;
        }
        return out;
    }

    public void write(GuestAddress address, byte[] data) {
        write(address, MemorySegment.ofArray(data));
    }

    /** Copies {@code data} into guest memory at {@code address}, across regions if they are adjacent. */
    public void write(GuestAddress address, MemorySegment data) {
        checkRange(address, data.byteSize());
        long done = 0;
        while (done < data.byteSize()) {
            GuestAddress at = address.plus(done);
            GuestRegion r = regionAt(at).orElseThrow();
            long offset = at.offsetFrom(r.start());
            long n = Math.min(data.byteSize() - done, r.size() - offset);
            MemorySegment.copy(data, done, r.segment(), offset, n);
            done += n;
        }
    }

    public byte[] read(GuestAddress address, int length) {
        byte[] out = new byte[length];
        read(address, MemorySegment.ofArray(out));
        return out;
    }

    /** Fills {@code into} from guest memory at {@code address}. */
    public void read(GuestAddress address, MemorySegment into) {
        checkRange(address, into.byteSize());
        long done = 0;
        while (done < into.byteSize()) {
            GuestAddress at = address.plus(done);
            GuestRegion r = regionAt(at).orElseThrow();
            long offset = at.offsetFrom(r.start());
            long n = Math.min(into.byteSize() - done, r.size() - offset);
            MemorySegment.copy(r.segment(), offset, into, done, n);
            done += n;
        }
    }

    /** Sets {@code length} bytes at {@code address} to zero. */
    public void zero(GuestAddress address, long length) {
        checkRange(address, length);
        long done = 0;
        while (done < length) {
            GuestAddress at = address.plus(done);
            GuestRegion r = regionAt(at).orElseThrow();
            long offset = at.offsetFrom(r.start());
            long n = Math.min(length - done, r.size() - offset);
            r.segment().asSlice(offset, n).fill((byte) 0);
            done += n;
        }
    }

    public int readU8(GuestAddress address) {
        return Byte.toUnsignedInt(slice(address, 1).get(JAVA_BYTE, 0));
    }

    public int readU16(GuestAddress address) {
        return Short.toUnsignedInt(small(address, 2).get(U16, 0));
    }

    public int readU32(GuestAddress address) {
        return small(address, 4).get(U32, 0);
    }

    public long readU64(GuestAddress address) {
        return small(address, 8).get(U64, 0);
    }

    public void writeU8(GuestAddress address, int value) {
        slice(address, 1).set(JAVA_BYTE, 0, (byte) value);
    }

    public void writeU16(GuestAddress address, int value) {
        writeLittleEndian(address, 2, value);
    }

    public void writeU32(GuestAddress address, int value) {
        writeLittleEndian(address, 4, value);
    }

    public void writeU64(GuestAddress address, long value) {
        writeLittleEndian(address, 8, value);
    }

    private void writeLittleEndian(GuestAddress address, int length, long value) {
        byte[] bytes = new byte[length];
        for (int i = 0; i < length; i++) {
            bytes[i] = (byte) (value >>> (8 * i));
        }
        write(address, bytes);
    }

    /** A small scalar to read: inside one region a direct view, across two a copy. */
    private MemorySegment small(GuestAddress address, int length) {
        Optional<GuestRegion> r = regionAt(address);
        if (r.isPresent() && r.get().size() - address.offsetFrom(r.get().start()) >= length) {
            return slice(address, length);
        }
        MemorySegment copy = MemorySegment.ofArray(new byte[length]);
        read(address, copy);
        return copy;
    }

    private void checkRange(GuestAddress address, long length) {
        if (!contains(address, length)) {
            throw outside(address, length);
        }
    }

    private GuestMemoryException outside(GuestAddress address, long length) {
        return new GuestMemoryException("guest-physical range " + address + " + 0x" + Long.toHexString(length)
                + " is not inside guest RAM " + regions);
    }

    @Override
    public void close() {
        for (GuestRegion r : regions) {
            r.close();
        }
    }
}
