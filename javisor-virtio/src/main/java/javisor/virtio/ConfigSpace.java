package javisor.virtio;

/**
 * A device's configuration space as bytes, little-endian (virtio 1.2, 2.5 "Device Configuration Space"): built
 * once by the device, read by the transport at any offset and width inside it.
 */
public final class ConfigSpace {
    private final byte[] bytes;

    public ConfigSpace(int size) {
        this.bytes = new byte[size];
    }

    public int size() {
        return bytes.length;
    }

    /** Sets {@code width} bytes at {@code offset}; for building the space. */
    public synchronized ConfigSpace set(int offset, int width, long value) {
        for (int i = 0; i < width; i++) {
            bytes[offset + i] = (byte) (value >>> (8 * i));
        }
        return this;
    }

    /** {@code width} bytes at {@code offset}, or 0 for a read that does not lie inside the space. */
    public synchronized long get(int offset, int width) {
        if (offset < 0 || width < 1 || width > 8 || offset > bytes.length - width) {
            return 0;
        }
        long v = 0;
        for (int i = width - 1; i >= 0; i--) {
            v = (v << 8) | Byte.toUnsignedLong(bytes[offset + i]);
        }
        return v;
    }
}
