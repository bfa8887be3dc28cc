package javisor.vm.platform;

import java.nio.charset.StandardCharsets;
import java.util.Arrays;

/**
 * A growable little-endian byte writer for firmware tables, with patching at earlier offsets (lengths and
 * checksums are known only once a table is complete).
 */
final class LeWriter {
    private byte[] buf = new byte[256];
    private int pos;

    int position() {
        return pos;
    }

    LeWriter u8(int v) {
        ensure(1);
        buf[pos++] = (byte) v;
        return this;
    }

    LeWriter u16(int v) {
        return u8(v).u8(v >>> 8);
    }

    LeWriter u32(long v) {
        return u16((int) v).u16((int) (v >>> 16));
    }

    LeWriter u64(long v) {
        return u32(v).u32(v >>> 32);
    }

    LeWriter bytes(byte[] b) {
        ensure(b.length);
        System.arraycopy(b, 0, buf, pos, b.length);
        pos += b.length;
        return this;
    }

    /** {@code s} as ASCII in exactly {@code width} bytes, padded with {@code pad}; longer strings are a bug. */
    LeWriter ascii(String s, int width, char pad) {
        byte[] b = s.getBytes(StandardCharsets.US_ASCII);
        if (b.length > width) {
            throw new IllegalArgumentException("\"" + s + "\" is longer than its " + width + "-byte field");
        }
        bytes(b);
        for (int i = b.length; i < width; i++) {
            u8(pad);
        }
        return this;
    }

    LeWriter zeros(int n) {
        ensure(n);
        pos += n; // the buffer is zero beyond pos: it only grows, and nothing is written past pos
        return this;
    }

    /** Pads with zeros to a multiple of {@code alignment}. */
    LeWriter align(int alignment) {
        int rem = pos % alignment;
        return rem == 0 ? this : zeros(alignment - rem);
    }

    void patchU8(int offset, int v) {
        buf[offset] = (byte) v;
    }

    void patchU16(int offset, int v) {
        patchU8(offset, v);
        patchU8(offset + 1, v >>> 8);
    }

    void patchU32(int offset, long v) {
        patchU16(offset, (int) v);
        patchU16(offset + 2, (int) (v >>> 16));
    }

    /** Stores at {@code at} the byte that makes {@code [from, to)} sum to zero mod 256. */
    void patchChecksum(int at, int from, int to) {
        buf[at] = 0;
        buf[at] = checksum(buf, from, to);
    }

    byte[] toArray() {
        return Arrays.copyOf(buf, pos);
    }

    /** The byte that, added to the bytes of {@code [from, to)}, makes their sum zero mod 256. */
    static byte checksum(byte[] b, int from, int to) {
        int sum = 0;
        for (int i = from; i < to; i++) {
            sum += b[i];
        }
        return (byte) -sum;
    }

    private void ensure(int n) {
        if (pos + n > buf.length) {
            buf = Arrays.copyOf(buf, Math.max(buf.length * 2, pos + n));
        }
    }
}
