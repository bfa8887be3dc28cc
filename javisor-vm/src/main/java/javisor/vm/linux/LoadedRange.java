package javisor.vm.linux;

/**
 * A piece of guest memory a Linux boot filled: {@code size} bytes at {@code start}.
 *
 * @param what  what it holds, for messages ("kernel", "initrd", "zero page" ...)
 * @param start the first guest-physical byte
 * @param size  the length in bytes
 */
public record LoadedRange(String what, long start, long size) {
    /** The address just past the range. */
    public long end() {
        return start + size;
    }

    boolean overlaps(long from, long to) {
        return size != 0 && Long.compareUnsigned(from, end()) < 0 && Long.compareUnsigned(start, to) < 0;
    }

    @Override
    public String toString() {
        return what + " [0x" + Long.toHexString(start) + ", 0x" + Long.toHexString(end()) + ")";
    }
}
