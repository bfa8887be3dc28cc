package javisor.vcpu;

import java.util.EnumMap;
import java.util.Map;
import java.util.concurrent.atomic.AtomicLongArray;

/**
 * How many exits of each kind a vCPU has taken. Written by the vCPU thread only, read from anywhere.
 */
public final class ExitCounters {
    /** The exit kinds, one per {@link VCpuExit} record. */
    public enum Kind { IO_IN, IO_OUT, MMIO_READ, MMIO_WRITE, HYPERCALL, HALT, SHUTDOWN, SYSTEM_EVENT,
        EMULATION_FAILURE, INTERNAL_ERROR, FAIL_ENTRY, INTERRUPTED, UNKNOWN }

    private final AtomicLongArray counts = new AtomicLongArray(Kind.values().length);

    ExitCounters() {
    }

    static Kind kindOf(VCpuExit exit) {
        return switch (exit) {
            case VCpuExit.IoIn e -> Kind.IO_IN;
            case VCpuExit.IoOut e -> Kind.IO_OUT;
            case VCpuExit.MmioRead e -> Kind.MMIO_READ;
            case VCpuExit.MmioWrite e -> Kind.MMIO_WRITE;
            case VCpuExit.Hypercall e -> Kind.HYPERCALL;
            case VCpuExit.Halt e -> Kind.HALT;
            case VCpuExit.Shutdown e -> Kind.SHUTDOWN;
            case VCpuExit.SystemEvent e -> Kind.SYSTEM_EVENT;
            case VCpuExit.EmulationFailure e -> Kind.EMULATION_FAILURE;
            case VCpuExit.InternalError e -> Kind.INTERNAL_ERROR;
            case VCpuExit.FailEntry e -> Kind.FAIL_ENTRY;
            case VCpuExit.Interrupted e -> Kind.INTERRUPTED;
            case VCpuExit.Unknown e -> Kind.UNKNOWN;
        };
    }

    void record(VCpuExit exit) {
        int i = kindOf(exit).ordinal();
        counts.lazySet(i, counts.get(i) + 1); // single writer: no read-modify-write race
    }

    public long get(Kind kind) {
        return counts.get(kind.ordinal());
    }

    public long total() {
        long sum = 0;
        for (int i = 0; i < counts.length(); i++) {
            sum += counts.get(i);
        }
        return sum;
    }

    /** The non-zero counts. */
    public Map<Kind, Long> snapshot() {
        Map<Kind, Long> m = new EnumMap<>(Kind.class);
        for (Kind k : Kind.values()) {
            long v = get(k);
            if (v != 0) {
                m.put(k, v);
            }
        }
        return m;
    }
}
