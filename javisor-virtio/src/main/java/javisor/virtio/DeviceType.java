package javisor.virtio;

/** The virtio device types Javisor has, with their device ids (virtio 1.2, 5 "Device Types"). */
public enum DeviceType {
    NET(1),
    BLOCK(2),
    CONSOLE(3),
    ENTROPY(4),
    VSOCK(19);

    private final int id;

    DeviceType(int id) {
        this.id = id;
    }

    /** The DeviceID register's value. */
    public int id() {
        return id;
    }
}
