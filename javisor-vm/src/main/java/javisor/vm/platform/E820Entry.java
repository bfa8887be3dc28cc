package javisor.vm.platform;

import java.util.Objects;

/**
 * One range of the e820 memory map: {@code size} bytes from {@code address}, of {@code type}.
 *
 * @param address the first guest-physical byte
 * @param size    the length in bytes, at least 1; the range may not wrap past 2^64
 * @param type    what the range is
 */
public record E820Entry(long address, long size, E820Type type) {
    public E820Entry {
        Objects.requireNonNull(type, "type");
        if (size == 0 || (address + size != 0 && Long.compareUnsigned(address + size, address) < 0)) {
            throw new IllegalArgumentException("bad e820 range at 0x" + Long.toHexString(address) + ", size 0x"
                    + Long.toHexString(size));
        }
    }

    /** The address just past the range (0 when the range runs to the top of the address space). */
    public long end() {
        return address + size;
    }

    /** The last address in the range. */
    public long last() {
        return address + size - 1;
    }

    /** True when {@code [from, from + length)} lies inside this range. */
    public boolean contains(long from, long length) {
        return length != 0 && Long.compareUnsigned(from, address) >= 0
                && Long.compareUnsigned(from + length - 1, last()) <= 0
                && Long.compareUnsigned(from + length - 1, from) >= 0;
    }

    /** As Linux prints it: {@code [mem 0x0000000000000000-0x000000000009ffff] usable}. */
    @Override
    public String toString() {
        return String.format("[mem 0x%016x-0x%016x] %s", address, last(), type.linuxName());
    }
}
