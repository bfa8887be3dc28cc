package javisor.virtio;

/** Feature bits every device type shares (virtio 1.2, 6 "Reserved Feature Bits"). */
public final class VirtioFeatures {
    /** VIRTIO_F_INDIRECT_DESC: descriptors may point at tables of descriptors (2.7.5.3). */
    public static final long INDIRECT_DESC = 1L << 28;
    /** VIRTIO_F_EVENT_IDX: used_event and avail_event suppress notifications (2.7.7, 2.7.10). */
    public static final long EVENT_IDX = 1L << 29;
    /** VIRTIO_F_VERSION_1: a virtio 1.x device; a driver that does not take it is a legacy one, refused here. */
    public static final long VERSION_1 = 1L << 32;
    /** What every Javisor device offers besides its own bits. */
    public static final long COMMON = VERSION_1 | INDIRECT_DESC | EVENT_IDX;

    private VirtioFeatures() {
    }
}
