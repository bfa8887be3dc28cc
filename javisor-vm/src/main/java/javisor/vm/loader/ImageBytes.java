package javisor.vm.loader;

/**
 * A guest image read little-endian, every read bounds-checked: reading past the end is an
 * {@link ImageException} naming the field, never an index exception. The one little-endian reader of images
 * (ELF, Multiboot, the Linux setup header).
 */
public record ImageBytes(byte[] data) {
    public int length() {
        return data.length;
    }

    /** True when {@code [offset, offset + count)} lies inside the image (both taken as unsigned). */
    public boolean has(long offset, long count) {
        return offset >= 0 && count >= 0 && offset <= data.length && count <= data.length - offset;
    }

    public int u8(long offset, String field) {
        check(offset, 1, field);
        return Byte.toUnsignedInt(data[(int) offset]);
    }

    public int u16(long offset, String field) {
        return (int) le(offset, 2, field);
    }

    /** An unsigned 32-bit field. */
    public long u32(long offset, String field) {
        return le(offset, 4, field);
    }

    /** A 64-bit field; callers compare it unsigned. */
    public long u64(long offset, String field) {
        return le(offset, 8, field);
    }

    private long le(long offset, int count, String field) {
        check(offset, count, field);
        long v = 0;
        for (int i = count - 1; i >= 0; i--) {
            v = (v << 8) | Byte.toUnsignedLong(data[(int) offset + i]);
        }
        return v;
    }

    private void check(long offset, int count, String field) {
        if (!has(offset, count)) {
            throw new ImageException("image truncated: " + field + " at offset " + Hex.of(offset) + " needs "
                    + count + " bytes, but the image is only " + data.length + " bytes long");
        }
    }
}
