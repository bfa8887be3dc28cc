package javisor.devices;

/** A non-empty range [base, base + length) of a bus's address space that does not wrap. */
public record BusRange(long base, long length) {
    public BusRange {
        if (length <= 0) {
            throw new IllegalArgumentException("bus range length must be positive, got " + length);
        }
        if (Long.compareUnsigned(base + length - 1, base) < 0) {
            throw new IllegalArgumentException("bus range 0x" + Long.toHexString(base) + " + 0x"
                    + Long.toHexString(length) + " wraps past the end of the address space");
        }
    }

    /** The last address in the range (inclusive). */
    public long last() {
        return base + length - 1;
    }

    public boolean contains(long address) {
        return Long.compareUnsigned(address, base) >= 0 && Long.compareUnsigned(address, last()) <= 0;
    }

    public boolean overlaps(BusRange other) {
        return Long.compareUnsigned(base, other.last()) <= 0 && Long.compareUnsigned(other.base, last()) <= 0;
    }

    @Override
    public String toString() {
        return "[0x" + Long.toHexString(base) + ", 0x" + Long.toHexString(base + length) + ")";
    }
}
