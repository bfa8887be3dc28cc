package javisor.devices;

/**
 * A device model on a bus: a state machine driven by register reads and writes. Offsets are relative to the
 * start of the device's range; {@code size} is 1, 2, 4 or 8 bytes. Implementations synchronise themselves if
 * several vCPUs may reach them.
 */
public interface BusDevice {
    long read(long offset, int size);

    void write(long offset, int size, long value);
}
