package javisor.devices;

import java.util.Map;
import java.util.TreeMap;

/**
 * Dispatches guest accesses to the device whose range holds the address. Ranges may not overlap. Lookups
 * take no lock: registration publishes a new immutable map, so a vCPU thread never waits for another.
 * Device models lock themselves; the bus holds no lock while calling them, so there is no lock order to keep.
 */
public abstract sealed class Bus permits IoPortBus, MmioBus {
    private record Entry(BusRange range, String name, BusDevice device) {
    }

    private final String busName;
    private final UnclaimedAccessLog unclaimed;
    private volatile TreeMap<Long, Entry> entries = new TreeMap<>(Long::compareUnsigned);

    Bus(String busName) {
        this.busName = busName;
        this.unclaimed = new UnclaimedAccessLog(busName);
    }

    /** Adds {@code device} at {@code range}; throws {@link IllegalArgumentException} naming the clash on overlap. */
    public synchronized void register(BusRange range, String name, BusDevice device) {
        for (Entry e : entries.values()) {
            if (e.range.overlaps(range)) {
                throw new IllegalArgumentException(busName + ": " + name + " at " + range + " overlaps " + e.name
                        + " at " + e.range);
            }
        }
        TreeMap<Long, Entry> next = new TreeMap<>(entries);
        next.put(range.base(), new Entry(range, name, device));
        entries = next;
    }

    /** Removes the device registered at exactly {@code range}; true if there was one. */
    public synchronized boolean unregister(BusRange range) {
        Entry e = entries.get(range.base());
        if (e == null || !e.range.equals(range)) {
            return false;
        }
        TreeMap<Long, Entry> next = new TreeMap<>(entries);
        next.remove(range.base());
        entries = next;
        return true;
    }

    private Entry find(long address) {
        Map.Entry<Long, Entry> e = entries.floorEntry(address);
        return e != null && e.getValue().range.contains(address) ? e.getValue() : null;
    }

    /** Reads from the device at {@code address}; an unclaimed address reads as all ones. */
    public long read(long address, int size) {
        Entry e = find(address);
        if (e == null) {
            unclaimed.record(address, size, false);
            return size >= 8 ? -1L : (1L << (8 * size)) - 1;
        }
        return e.device.read(address - e.range.base(), size);
    }

    /** Writes to the device at {@code address}; a write nothing claims is dropped. */
    public void write(long address, int size, long value) {
        Entry e = find(address);
        if (e == null) {
            unclaimed.record(address, size, true);
            return;
        }
        e.device.write(address - e.range.base(), size, value);
    }

    public UnclaimedAccessLog unclaimed() {
        return unclaimed;
    }

    /** The registered devices by name and range, for diagnostics. */
    public Map<String, BusRange> devices() {
        Map<String, BusRange> m = new java.util.LinkedHashMap<>();
        for (Entry e : entries.values()) {
            m.put(e.name, e.range);
        }
        return m;
    }
}
