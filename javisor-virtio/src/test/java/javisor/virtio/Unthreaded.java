package javisor.virtio;

import java.util.List;
import java.util.Map;

/**
 * A real device with its I/O threads left out, for tests that serve its queues themselves or only drive its
 * registers: everything the transport asks of it (type, features, queue sizes, config space) is the real device's;
 * its activation is recorded (a second one without a reset is a transport bug) and not acted on, and a reset only
 * forgets it. The test closes the real device.
 */
public final class Unthreaded implements VirtioDevice {
    private final VirtioDevice device;
    private Activation activation;

    public Unthreaded(VirtioDevice device) {
        this.device = device;
    }

    /** The activation since the last reset, or null. */
    public Activation activation() {
        return activation;
    }

    @Override
    public DeviceType type() {
        return device.type();
    }

    @Override
    public long offeredFeatures() {
        return device.offeredFeatures();
    }

    @Override
    public List<Integer> queueSizes() {
        return device.queueSizes();
    }

    @Override
    public int configSize() {
        return device.configSize();
    }

    @Override
    public long readConfig(int offset, int size) {
        return device.readConfig(offset, size);
    }

    @Override
    public void writeConfig(int offset, int size, long value) {
        device.writeConfig(offset, size, value);
    }

    @Override
    public void activate(Activation a) {
        if (activation != null) {
            throw new AssertionError("activated twice without a reset");
        }
        activation = a;
    }

    @Override
    public void reset() {
        activation = null;
    }

    @Override
    public String describe() {
        return device.describe();
    }

    @Override
    public Map<String, Long> counters() {
        return device.counters();
    }

    @Override
    public void close() {
        // the test closes the real device
    }
}
