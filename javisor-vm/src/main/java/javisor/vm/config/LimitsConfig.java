package javisor.vm.config;

import java.util.List;
import java.util.Objects;
import java.util.Optional;

import javisor.devices.UnclaimedAccessLog;

/**
 * {@code [limits]}: Javisor's bounds on what one VM may take from the host, whether its config asks for it
 * (memory, vCPUs) or its guest does (IVC memory, console output, unclaimed accesses, exits). A VM config may
 * carry its own; {@code javisor run|shell --limits FILE} gives the process's, and a VM gets the smaller of the two
 * for each ({@link #tightest}), so a config can lower a limit but never raise it past the operator's.
 *
 * @param memoryMib         the most guest RAM, all regions together, in MiB; refused at create when over
 * @param vcpus             the most vCPUs; refused at create when over
 * @param ivcBytes          the most shared memory the VM's channels may hold in all (what it publishes; the host
 *                          allocates it); a publish past it fails with ENOSPC naming the limit
 * @param consoleLogBytes   the size at which a VM's console log file is rotated (one older file is kept, so a
 *                          VM's logs never take more than twice this)
 * @param unclaimedLogLines how many accesses to unclaimed ports or addresses are logged (one line each), per bus;
 *                          later ones are only counted
 * @param exitsPerSecond    a VM taking more exits than this in a second is storming: reported, or stopped with
 *                          {@code on_storm = "stop"}; 0 turns the check off
 * @param onStorm           what a storm does to the VM
 */
public record LimitsConfig(long memoryMib, int vcpus, long ivcBytes, long consoleLogBytes, int unclaimedLogLines,
                           long exitsPerSecond, StormAction onStorm) {
    /** TOML keys, in the order of the record's components. */
    public static final List<String> KEYS = List.of("memory_mib", "vcpus", "ivc_bytes", "console_log_bytes",
            "unclaimed_log_lines", "exits_per_second", "on_storm");
    /** The smallest console log rotation size: below it a log would rotate away a screenful of boot output. */
    public static final long MIN_CONSOLE_LOG_BYTES = 4096;

    /**
     * The limits of a VM whose config and process set none: memory and vCPUs as far as the config model allows
     * (the host's own limits apply at create); 64 MiB of IVC memory; 16 MiB of console log (32 with the rotated
     * file); 32 unclaimed-access lines per bus; a storm at 2,000,000 exits a second (about what one vCPU of a
     * current host takes in a tight loop of port writes; in the KVM box a loop takes far fewer), only reported.
     */
    public static final LimitsConfig DEFAULT = new LimitsConfig(MemoryRegionConfig.MAX_END >> 20, BaseConfig.MAX_CPUS,
            64L << 20, 16L << 20, UnclaimedAccessLog.DEFAULT_LOG_LINES, 2_000_000, StormAction.REPORT);

    /** What exceeding {@code exits_per_second} does. */
    public enum StormAction {
        /** Log a warning naming the VM, its rate and the limit, once a storm (and a line when it ends). */
        REPORT("report"),
        /** As REPORT, then stop the VM with a reason naming the limit. */
        STOP("stop");

        private final String tomlName;

        StormAction(String tomlName) {
            this.tomlName = tomlName;
        }

        public String tomlName() {
            return tomlName;
        }

        public static Optional<StormAction> ofName(String name) {
            for (StormAction a : values()) {
                if (a.tomlName.equals(name)) {
                    return Optional.of(a);
                }
            }
            return Optional.empty();
        }
    }

    public LimitsConfig {
        Objects.requireNonNull(onStorm, "onStorm");
        Checks.require("memory_mib", checkAtLeast(memoryMib, 1));
        Checks.require("vcpus", checkAtLeast(vcpus, 1));
        Checks.require("ivc_bytes", checkAtLeast(ivcBytes, 0));
        Checks.require("console_log_bytes", checkAtLeast(consoleLogBytes, MIN_CONSOLE_LOG_BYTES));
        Checks.require("unclaimed_log_lines", checkAtLeast(unclaimedLogLines, 0));
        Checks.require("exits_per_second", checkAtLeast(exitsPerSecond, 0));
    }

    static Optional<String> checkAtLeast(long value, long min) {
        return value < min ? Optional.of("expected at least " + min + ", got " + value) : Optional.empty();
    }

    /**
     * For each limit the smaller of this one's and {@code other}'s (for {@code exits_per_second}, where 0 means
     * unchecked, the smaller non-zero one); {@code on_storm} is "stop" if either says so.
     */
    public LimitsConfig tightest(LimitsConfig other) {
        long exits = exitsPerSecond == 0 ? other.exitsPerSecond
                : other.exitsPerSecond == 0 ? exitsPerSecond : Math.min(exitsPerSecond, other.exitsPerSecond);
        return new LimitsConfig(Math.min(memoryMib, other.memoryMib), Math.min(vcpus, other.vcpus),
                Math.min(ivcBytes, other.ivcBytes), Math.min(consoleLogBytes, other.consoleLogBytes),
                Math.min(unclaimedLogLines, other.unclaimedLogLines), exits,
                onStorm == StormAction.STOP || other.onStorm == StormAction.STOP ? StormAction.STOP
                        : StormAction.REPORT);
    }

    /**
     * The problem with giving a VM of {@code config}'s size these limits, naming the limit, or empty: more vCPUs
     * than {@code vcpus}, or more RAM than {@code memory_mib}.
     */
    public Optional<String> checkSize(VmConfig config) {
        int cpus = config.base().cpuNum();
        if (cpus > vcpus) {
            return Optional.of(cpus + " vCPUs is over the limit vcpus = " + vcpus);
        }
        long ram = config.kernel().ramBytes();
        if (ram > memoryMib << 20) {
            return Optional.of(mib(ram) + " of memory is over the limit memory_mib = " + memoryMib);
        }
        return Optional.empty();
    }

    private static String mib(long bytes) {
        return (bytes % (1 << 20) == 0 ? Long.toString(bytes >> 20) : String.format("%.2f", bytes / 1048576.0))
                + " MiB";
    }

    /**
     * Reads a limits file: TOML with one {@code [limits]} table (the same keys as a VM config's), for
     * {@code --limits FILE}; keys it leaves out keep {@link #DEFAULT}'s values.
     *
     * @throws ConfigException naming the file, line and key
     */
    public static LimitsConfig load(java.nio.file.Path file) {
        return VmConfigParser.loadLimits(file);
    }
}
