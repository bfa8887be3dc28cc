package javisor.devices;

import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.Map;

/**
 * Dispatches guest accesses to the device whose range holds the address. Ranges may not overlap. Lookups
 * take no lock and allocate nothing (a binary search over an array sorted by base): registration publishes a
 * new array, so a vCPU thread never waits for another. Device models lock themselves; the bus holds no lock
 * while calling them, so there is no lock order to keep.
 */
public abstract sealed class Bus permits IoPortBus, MmioBus {
    private record Entry(BusRange range, String name, BusDevice device) {
    }

    private final String busName;
    private final UnclaimedAccessLog unclaimed;
    private static final Entry[] NONE = new Entry[0];
    private volatile Entry[] entries = NONE; // sorted by base, unsigned

    Bus(String busName) {
        this.busName = busName;
        this.unclaimed = new UnclaimedAccessLog(busName);
    }

    /**
     * Logs at most {@code lines} unclaimed addresses (the VM's {@code unclaimed_log_lines}), each line naming
     * {@code owner}; later ones are only counted.
     */
    public void limitUnclaimedLog(int lines, String owner) {
        unclaimed.limit(lines, owner);
    }

    /** Adds {@code device} at {@code range}; throws {@link IllegalArgumentException} naming the clash on overlap. */
    public synchronized void register(BusRange range, String name, BusDevice device) {
        for (Entry e : entries) {
            if (e.range.overlaps(range)) {
                throw new IllegalArgumentException(busName + ": " + name + " at " + range + " overlaps " + e.name
                        + " at " + e.range);
            }
        }
        Entry[] next = Arrays.copyOf(entries, entries.length + 1);
        next[entries.length] = new Entry(range, name, device);
        Arrays.sort(next, (a, b) -> Long.compareUnsigned(a.range.base(), b.range.base()));
        entries = next;
    }

    /** Removes the device registered at exactly {@code range}; true if there was one. */
    public synchronized boolean unregister(BusRange range) {
        Entry[] current = entries;
        for (int i = 0; i < current.length; i++) {
            if (current[i].range.equals(range)) {
                Entry[] next = new Entry[current.length - 1];
                System.arraycopy(current, 0, next, 0, i);
                System.arraycopy(current, i + 1, next, i, current.length - i - 1);
                entries = next;
                return true;
            }
        }
        return false;
    }

    /** The entry whose range holds {@code address}: the last one whose base is not above it, if it reaches. */
    private Entry find(long address) {
        Entry[] current = entries;
        int lo = 0;
        int hi = current.length - 1;
        Entry candidate = null;
        while (lo <= hi) {
            int mid = (lo + hi) >>> 1;
            if (Long.compareUnsigned(current[mid].range.base(), address) <= 0) {
                candidate = current[mid];
                lo = mid + 1;
            } else {
                hi = mid - 1;
            }
        }
        return candidate != null && candidate.range.contains(address) ? candidate : null;
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
        Map<String, BusRange> m = new LinkedHashMap<>();
        for (Entry e : entries) {
            m.put(e.name, e.range);
        }
        return m;
    }
}
