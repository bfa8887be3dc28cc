package javisor.devices;

/**
 * A fuzz input read front to back as little-endian fields, zeros once it runs out. The fuzz targets here take
 * {@code byte[]} and read it through this rather than through Jazzer's FuzzedDataProvider, whose layout (integers
 * taken from the end) a seed written by hand cannot follow: with this one, a seed is the fields in order, and a
 * committed input can be read with {@code xxd}.
 */
final class FuzzInput {
    private final byte[] data;
    private int at;

    FuzzInput(byte[] data) {
        this.data = data;
    }

    boolean more() {
        return at < data.length;
    }

    int u8() {
        return at < data.length ? data[at++] & 0xff : 0;
    }

    int u16() {
        return u8() | u8() << 8;
    }

    int u32() {
        return u16() | u16() << 16;
    }

    long u64() {
        return Integer.toUnsignedLong(u32()) | (long) u32() << 32;
    }

    /** Up to {@code n} bytes (fewer where the input ends). */
    byte[] bytes(int n) {
        int k = Math.min(n, data.length - at);
        byte[] out = new byte[Math.max(k, 0)];
        System.arraycopy(data, at, out, 0, out.length);
        at += out.length;
        return out;
    }
}
