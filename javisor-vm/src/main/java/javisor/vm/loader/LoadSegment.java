package javisor.vm.loader;

import java.util.Objects;

/**
 * One piece of guest memory a load fills: {@code fileSize} bytes of {@code source} from
 * {@code sourceOffset}, then zeros up to {@code memSize}. Addresses are unsigned guest-physical.
 */
record LoadSegment(String name, long start, byte[] source, int sourceOffset, int fileSize, long memSize) {
    LoadSegment {
        Objects.requireNonNull(name);
        Objects.requireNonNull(source);
        // The parsers check these against the image; a failure here is a loader bug, not a bad image.
        if (sourceOffset < 0 || fileSize < 0 || fileSize > source.length - sourceOffset) {
            throw new IllegalArgumentException(name + ": source slice outside its array");
        }
        if (Long.compareUnsigned(memSize, fileSize) < 0) {
            throw new IllegalArgumentException(name + ": memSize below fileSize");
        }
        if (memSize != 0 && Long.compareUnsigned(start + memSize, start) <= 0) {
            throw new ImageException(name + " " + Hex.range(start, memSize)
                    + " runs past the top of the 64-bit address space");
        }
    }

    /** A segment holding all of {@code data}. */
    static LoadSegment of(String name, long start, byte[] data) {
        return new LoadSegment(name, start, data, 0, data.length, data.length);
    }

    /** A segment of {@code size} zeroed bytes: room for a structure the vCPU writes when it boots. */
    static LoadSegment zeroed(String name, long start, long size) {
        return new LoadSegment(name, start, new byte[0], 0, 0, size);
    }

    /** The address just past the segment (exclusive). */
    long end() {
        return start + memSize;
    }

    /** True if {@code address} is one of the bytes copied from the image (not the zeroed tail). */
    boolean holdsFileByte(long address) {
        return Long.compareUnsigned(address, start) >= 0 && Long.compareUnsigned(address - start, fileSize) < 0;
    }

    boolean overlaps(LoadSegment other) {
        return memSize != 0 && other.memSize != 0
                && Long.compareUnsigned(start, other.end()) < 0 && Long.compareUnsigned(other.start, end()) < 0;
    }

    @Override
    public String toString() {
        return name + " " + Hex.range(start, memSize);
    }
}
