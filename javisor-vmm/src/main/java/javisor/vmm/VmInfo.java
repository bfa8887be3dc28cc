package javisor.vmm;

import java.util.List;
import java.util.Map;

import javisor.vcpu.ExitCounters;
import javisor.vm.VmState;

/**
 * What {@code vm list}, {@code vm show} and {@code vm stats} report about one VM, at one moment.
 *
 * @param memoryBytes   guest RAM configured, in bytes
 * @param stopReason    why the VM last stopped, or empty
 * @param exits         exits by kind, summed over the vCPUs
 * @param vcpuExits     exits by kind, one map per vCPU (vCPU id = index)
 * @param consoleLog    where the VM's console output is written, or empty when it goes to standard output
 * @param deleted       the VM was deleted (this is what it was when it went); {@code vm list -a} shows such VMs
 */
public record VmInfo(long id, String name, VmState state, int vcpus, long memoryBytes, long uptimeNanos,
                     String stopReason, Map<ExitCounters.Kind, Long> exits,
                     List<Map<ExitCounters.Kind, Long>> vcpuExits, String consoleLog, boolean deleted) {
    /** This snapshot, marked as the last one of a VM that was deleted. */
    VmInfo asDeleted() {
        return new VmInfo(id, name, state, vcpus, memoryBytes, uptimeNanos, stopReason, exits, vcpuExits, consoleLog,
                true);
    }
}
