package javisor.virtio.queue;

/**
 * A fuzz input read front to back as little-endian fields, zeros once it runs out. The fuzz targets here take
 * {@code byte[]} and read it through this rather than through Jazzer's FuzzedDataProvider, whose layout (integers
 * taken from the end) a seed written by hand cannot follow: with this one, a seed is the fields in order, and a
 * committed input can be read with {@code xxd}.
 */
public final class FuzzInput {
    private final byte[] data;
    private int at;

    public FuzzInput(byte[] data) {
        this.data = data;
    }

    public boolean more() {
        return at < data.length;
    }

    public int u8() {
        return at < data.length ? data[at++] & 0xff : 0;
    }

    public int u16() {
        return u8() | u8() << 8;
    }

    public int u32() {
        return u16() | u16() << 16;
    }

    public long u64() {
        return Integer.toUnsignedLong(u32()) | (long) u32() << 32;
    }

    /** Up to {@code n} bytes (fewer where the input ends). */
    public byte[] bytes(int n) {
        int k = Math.min(n, data.length - at);
        byte[] out = new byte[Math.max(k, 0)];
        System.arraycopy(data, at, out, 0, out.length);
        at += out.length;
        return out;
    }
}
