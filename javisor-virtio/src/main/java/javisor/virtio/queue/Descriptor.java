package javisor.virtio.queue;

/**
 * One buffer of a descriptor chain, as the device may use it: guest-physical address and length, checked to lie
 * in guest RAM, and whether the device writes it (virtio 1.2, 2.7.5 "The Virtqueue Descriptor Table").
 */
public record Descriptor(long address, int length, boolean writable) {
    /** VIRTQ_DESC_F_NEXT: the buffer continues in {@code next}. */
    static final int F_NEXT = 1;
    /** VIRTQ_DESC_F_WRITE: the buffer is device-writable. */
    static final int F_WRITE = 2;
    /** VIRTQ_DESC_F_INDIRECT: the buffer holds a table of descriptors (2.7.5.3). */
    static final int F_INDIRECT = 4;
    /** A descriptor in the table: le64 addr, le32 len, le16 flags, le16 next. */
    static final int SIZE = 16;

    /** The length as an unsigned number: le32 up to 4 GiB - 1. */
    public long size() {
        return Integer.toUnsignedLong(length);
    }
}
