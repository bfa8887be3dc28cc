package javisor.vm.loader;

/** Hex formatting for messages: addresses and offsets are easiest to check against a hex dump. */
final class Hex {
    private Hex() {
    }

    static String of(long value) {
        return "0x" + Long.toHexString(value);
    }

    /** {@code [start, end)} with {@code end = start + size}; shows the unwrapped end even past 2^64. */
    static String range(long start, long size) {
        String end = Long.compareUnsigned(start + size, start) < 0 && size != 0
                ? "0x1" + String.format("%016x", start + size)
                : of(start + size);
        return "[" + of(start) + ", " + end + ")";
    }
}
