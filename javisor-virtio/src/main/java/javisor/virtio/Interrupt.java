package javisor.virtio;

/**
 * How a device tells the driver something happened (virtio 1.2, 2.3 "Notifications"): the transport records why
 * in its interrupt status and raises the device's interrupt.
 */
public interface Interrupt {
    /** A used buffer notification: the device put buffers on a used ring. */
    void usedBuffers();

    /** A configuration change notification: the config space changed, or the device needs a reset. */
    void configChanged();

    /**
     * The device cannot go on until the driver resets it (a broken ring, a failed I/O thread): the transport sets
     * DEVICE_NEEDS_RESET and sends a configuration change notification, as 2.1.2 requires once DRIVER_OK is set.
     */
    void needsReset();
}
