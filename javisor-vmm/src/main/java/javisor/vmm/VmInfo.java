package javisor.vmm;

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
 */
public record VmInfo(long id, String name, VmState state, int vcpus, long memoryBytes, long uptimeNanos,
                     String stopReason, Map<ExitCounters.Kind, Long> exits,
                     java.util.List<Map<ExitCounters.Kind, Long>> vcpuExits, String consoleLog) {
}
