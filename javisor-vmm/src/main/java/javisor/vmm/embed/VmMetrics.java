package javisor.vmm.embed;

import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Optional;

import javisor.vcpu.ExitCounters;
import javisor.vm.StopReason;
import javisor.vm.VmState;

/**
 * One VM's numbers at one moment, as {@code vm stats} shows them.
 *
 * @param state       the lifecycle state
 * @param uptime      how long the current boot has run (zero before the first start; it stops growing at a stop)
 * @param exitsTotal  the VM exits of every vCPU since the current boot, of every kind
 * @param exits       the VM exits by kind, summed over the vCPUs
 * @param vcpuExits   the VM exits by kind, one map per vCPU (the vCPU's id is the index)
 * @param memoryBytes the guest RAM the config gives the VM
 * @param stopReason  why the VM last stopped; empty if it has not
 */
public record VmMetrics(VmState state, Duration uptime, long exitsTotal, Map<ExitCounters.Kind, Long> exits,
                        List<Map<ExitCounters.Kind, Long>> vcpuExits, long memoryBytes,
                        Optional<StopReason> stopReason) {
    /** Copies the maps, so a snapshot never changes. */
    public VmMetrics {
        exits = Map.copyOf(exits);
        vcpuExits = vcpuExits.stream().map(Map::copyOf).toList();
    }

    /**
     * The exits of one kind, summed over the vCPUs.
     *
     * @param kind the kind of exit
     * @return how many, 0 if there were none
     */
    public long exits(ExitCounters.Kind kind) {
        return exits.getOrDefault(kind, 0L);
    }
}
