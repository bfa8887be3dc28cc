package javisor.vmm;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.BitSet;

import javisor.vm.VmCreateException;
import javisor.vm.config.BaseConfig;

/**
 * The host's CPUs as vCPU pinning sees them: which are online, and the affinity set of a vCPU from its config
 * ({@code phys_cpu_sets} wins over {@code phys_cpu_ids}), as large as the host's CPU numbers need, so a CPU at
 * 64 or above is pinned like any other.
 */
final class HostCpus {
    private static final Path ONLINE = Path.of("/sys/devices/system/cpu/online");
    /** The largest CPU number Linux can have (NR_CPUS is at most 8192). */
    static final int MAX_CPU = 8191;

    private HostCpus() {
    }

    /** The online CPUs ("0-3,8-11" in sysfs); every CPU this JVM may use where sysfs cannot be read. */
    static BitSet online() {
        try {
            return parseList(Files.readString(ONLINE).strip());
        } catch (IOException | IllegalArgumentException e) {
            BitSet all = new BitSet();
            all.set(0, Runtime.getRuntime().availableProcessors());
            return all;
        }
    }

    /** A kernel CPU list: comma-separated numbers and ranges. */
    static BitSet parseList(String list) {
        BitSet cpus = new BitSet();
        if (list.isEmpty()) {
            return cpus;
        }
        for (String part : list.split(",")) {
            int dash = part.indexOf('-');
            int from = Integer.parseInt(part.substring(0, dash < 0 ? part.length() : dash).strip());
            int to = dash < 0 ? from : Integer.parseInt(part.substring(dash + 1).strip());
            if (from < 0 || to < from) {
                throw new IllegalArgumentException("bad CPU range " + part);
            }
            cpus.set(from, to + 1);
        }
        return cpus;
    }

    /** The CPUs vCPU {@code v} is pinned to; empty when it is not pinned. */
    static BitSet affinitySet(BaseConfig base, int v) {
        if (!base.physCpuSets().isEmpty()) {
            return BitSet.valueOf(new long[] {base.physCpuSets().get(v)});
        }
        BitSet set = new BitSet();
        if (!base.physCpuIds().isEmpty()) {
            long cpu = base.physCpuIds().get(v);
            if (cpu < 0 || cpu > MAX_CPU) {
                throw new VmCreateException("VM " + base.id() + ": vCPU " + v + " is pinned to host CPU "
                        + Long.toUnsignedString(cpu) + ", which no Linux host has (at most " + MAX_CPU + ")");
            }
            set.set((int) cpu);
        }
        return set;
    }

    /** {@link #affinitySet} as sched_setaffinity takes it (bit n of word n/64); empty when not pinned. */
    static long[] affinity(BaseConfig base, int v) {
        return affinitySet(base, v).toLongArray();
    }

    /** Every CPU a vCPU is pinned to must be online here, or pinning would fail at start. */
    static void checkAffinity(BaseConfig base) {
        if (base.physCpuSets().isEmpty() && base.physCpuIds().isEmpty()) {
            return; // nothing pinned: no need to read sysfs, a file read that was 8% of a `vm create`
        }
        BitSet online = online();
        for (int v = 0; v < base.cpuNum(); v++) {
            BitSet wanted = affinitySet(base, v);
            BitSet missing = (BitSet) wanted.clone();
            missing.andNot(online);
            if (!missing.isEmpty()) {
                throw new VmCreateException("VM " + base.id() + ": vCPU " + v + " is pinned to host CPUs "
                        + wanted + ", but this host has no CPU " + missing + " online (online: " + online + ")");
            }
        }
    }
}
