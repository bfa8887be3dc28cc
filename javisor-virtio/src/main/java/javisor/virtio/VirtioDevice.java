package javisor.virtio;

import java.util.List;
import java.util.Map;

/**
 * A virtio device behind a transport: what it offers (type, features, queues, config space) and what it does
 * once the driver sets it going. The transport owns the protocol (feature negotiation, status, queue set-up,
 * interrupts); the device owns its requests, on I/O threads of its own, so that a vCPU only takes the exit.
 */
public interface VirtioDevice extends AutoCloseable {
    DeviceType type();

    /** The feature bits offered, {@link VirtioFeatures#COMMON} included. */
    long offeredFeatures();

    /** The largest size of each queue (QueueNumMax), one per queue. */
    List<Integer> queueSizes();

    /** The device-specific configuration space's size in bytes. */
    int configSize();

    /** Reads {@code size} bytes (1, 2, 4 or 8) of the config space at {@code offset}, little-endian. */
    long readConfig(int offset, int size);

    /** A driver write to the config space; most devices ignore them. */
    default void writeConfig(int offset, int size, long value) {
    }

    /** The driver set DRIVER_OK: start serving the queues. */
    void activate(Activation activation);

    /** The driver reset the device (or the VM stops): stop serving, wait for the I/O threads, forget the queues. */
    void reset();

    /** What the device is, for {@code vm show}: "block disk.img (read-only, 64 MiB)". */
    String describe();

    /** Counters for {@code vm show -f}: requests, bytes, errors, by name. */
    Map<String, Long> counters();

    /** Releases what the device holds (its file, its threads). */
    @Override
    void close();
}
