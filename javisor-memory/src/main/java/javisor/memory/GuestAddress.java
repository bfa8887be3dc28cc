package javisor.memory;

/**
 * A guest-physical address. Arithmetic is checked: a result that wraps past 2^64 throws instead of
 * silently pointing somewhere else, and comparisons are unsigned.
 */
public record GuestAddress(long value) implements Comparable<GuestAddress> {
    public static final GuestAddress ZERO = new GuestAddress(0);

    public static GuestAddress of(long value) {
        return new GuestAddress(value);
    }

    /** This address plus {@code offset} (unsigned); throws if the sum passes the top of the address space. */
    public GuestAddress plus(long offset) {
        long sum = value + offset;
        if (Long.compareUnsigned(sum, value) < 0) {
            throw new GuestMemoryException("address " + this + " + 0x" + Long.toHexString(offset)
                    + " overflows the 64-bit address space");
        }
        return new GuestAddress(sum);
    }

    /** The unsigned distance from {@code base} to this address; throws if this lies below base. */
    public long offsetFrom(GuestAddress base) {
        if (Long.compareUnsigned(value, base.value) < 0) {
            throw new GuestMemoryException(this + " lies below " + base);
        }
        return value - base.value;
    }

    public boolean isAligned(long alignment) {
        return (value & (alignment - 1)) == 0;
    }

    public GuestAddress alignUp(long alignment) {
        return plus((alignment - (value & (alignment - 1))) & (alignment - 1));
    }

    @Override
    public int compareTo(GuestAddress o) {
        return Long.compareUnsigned(value, o.value);
    }

    @Override
    public String toString() {
        return "0x" + Long.toHexString(value);
    }
}
