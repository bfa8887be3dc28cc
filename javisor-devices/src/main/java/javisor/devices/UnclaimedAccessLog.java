package javisor.devices;

import java.lang.System.Logger.Level;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;

import javisor.sys.Logs;

/**
 * Remembers accesses to addresses no device claims and logs each address once, up to a number of lines (the VM's
 * {@code unclaimed_log_lines} limit); after that it only counts, so a guest that scans the whole space can neither
 * fill the log nor grow this without bound (past {@link #MAX_REMEMBERED} addresses nothing more is remembered).
 */
public final class UnclaimedAccessLog {
    public static final int MAX_REMEMBERED = 4096;
    /** Lines logged when nobody set a limit: the default {@code unclaimed_log_lines}. */
    public static final int DEFAULT_LOG_LINES = 32;
    private static final System.Logger LOG = Logs.get("javisor.devices");

    private final String busName;
    private final Set<Long> seen = ConcurrentHashMap.newKeySet();
    private final AtomicLong count = new AtomicLong();
    private final AtomicInteger lines = new AtomicInteger();
    private volatile int maxLines = DEFAULT_LOG_LINES;
    private volatile String owner = "";
    /**
     * The address last found in {@link #seen} (or met once {@link #seen} was full): a guest that touches one
     * unclaimed address over and over (a probe loop, a benchmark's MMIO exits) then costs a compare, not a boxed
     * key and a hash lookup per access. {@code -1}, which no bus address reaches, until there is one.
     */
    private volatile long lastRecorded = -1;

    UnclaimedAccessLog(String busName) {
        this.busName = busName;
    }

    /** Logs at most {@code maxLines} lines, each starting with {@code owner} (the VM, for a multi-VM log). */
    void limit(int maxLines, String owner) {
        this.maxLines = maxLines;
        this.owner = owner.isEmpty() ? "" : owner + ": ";
    }

    void record(long address, int size, boolean write) {
        count.incrementAndGet();
        if (address == lastRecorded) {
            return;
        }
        boolean first = seen.size() < MAX_REMEMBERED && seen.add(address);
        lastRecorded = address;
        if (first) {
            int line = lines.incrementAndGet();
            int max = maxLines;
            if (line <= max) {
                LOG.log(Level.WARNING, "{0}{1}: unclaimed {2} of {3} byte(s) at 0x{4} ({5})", owner, busName,
                        write ? "write" : "read", size, Long.toHexString(address),
                        write ? "dropped" : "reads as all ones");
            }
            if (line == max) {
                LOG.log(Level.WARNING, "{0}{1}: {2} unclaimed addresses logged, the limit unclaimed_log_lines; "
                        + "further ones are only counted", owner, busName, max);
            }
        }
    }

    /** The distinct unclaimed addresses seen (up to {@link #MAX_REMEMBERED}). */
    public Set<Long> addresses() {
        return Set.copyOf(seen);
    }

    /** How many unclaimed-address lines were logged (at most the limit). */
    public int linesLogged() {
        return Math.min(lines.get(), maxLines);
    }

    /** How many unclaimed accesses there were in all. */
    public long count() {
        return count.get();
    }
}
