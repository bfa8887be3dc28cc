package javisor.devices;

import java.lang.System.Logger.Level;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicLong;

import javisor.sys.Logs;

/**
 * Remembers accesses to addresses no device claims and logs each address once. A guest that scans the
 * whole space cannot grow it without bound: past {@link #MAX_REMEMBERED} addresses it only counts.
 */
public final class UnclaimedAccessLog {
    public static final int MAX_REMEMBERED = 4096;
    private static final System.Logger LOG = Logs.get("javisor.devices");

    private final String busName;
    private final Set<Long> seen = ConcurrentHashMap.newKeySet();
    private final AtomicLong count = new AtomicLong();

    UnclaimedAccessLog(String busName) {
        this.busName = busName;
    }

    void record(long address, int size, boolean write) {
        count.incrementAndGet();
        if (seen.size() < MAX_REMEMBERED && seen.add(address)) {
            LOG.log(Level.WARNING, "{0}: unclaimed {1} of {2} byte(s) at 0x{3} ({4})", busName,
                    write ? "write" : "read", size, Long.toHexString(address),
                    write ? "dropped" : "reads as all ones");
            if (seen.size() == MAX_REMEMBERED) {
                LOG.log(Level.WARNING, "{0}: {1} unclaimed addresses seen; further ones are only counted",
                        busName, MAX_REMEMBERED);
            }
        }
    }

    /** The distinct unclaimed addresses seen (up to {@link #MAX_REMEMBERED}). */
    public Set<Long> addresses() {
        return Set.copyOf(seen);
    }

    /** How many unclaimed accesses there were in all. */
    public long count() {
        return count.get();
    }
}
