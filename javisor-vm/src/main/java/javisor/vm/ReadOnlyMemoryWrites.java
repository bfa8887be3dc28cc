package javisor.vm;

import java.lang.System.Logger.Level;
import java.util.concurrent.atomic.AtomicLong;

import javisor.devices.BusDevice;
import javisor.sys.Logs;

/**
 * Sits on the MMIO bus over a read-only memory region. KVM serves the guest's reads from the memory itself
 * and turns its writes into MMIO exits, which land here: they are dropped (the memory is read-only), counted,
 * and the first one is logged.
 */
final class ReadOnlyMemoryWrites implements BusDevice {
    private static final System.Logger LOG = Logs.get("javisor.vm");

    private final String region;
    private final AtomicLong writes = new AtomicLong();

    ReadOnlyMemoryWrites(String region) {
        this.region = region;
    }

    @Override
    public long read(long offset, int size) {
        return -1L; // not reached: KVM reads read-only slots directly
    }

    @Override
    public void write(long offset, int size, long value) {
        if (writes.getAndIncrement() == 0) {
            LOG.log(Level.WARNING, "guest wrote to read-only memory {0} at offset 0x{1}; dropped", region,
                    Long.toHexString(offset));
        }
    }

    long writes() {
        return writes.get();
    }
}
