package javisor.vm.config;

import java.util.List;
import java.util.Objects;
import java.util.Optional;

import javisor.vcpu.CpuTemplate;

/**
 * {@code [base]}: AxVisor's VMBaseConfig, plus Javisor's {@code cpu_template}.
 *
 * @param id          the VM id, 0 or more (AxVisor keys bundled images by it)
 * @param name        the display name
 * @param vmType      AxVisor's VM type; informational
 * @param cpuNum      the number of vCPUs, 1 to {@link #MAX_CPUS}
 * @param physCpuIds  empty, or one host CPU number per vCPU: the CPU the vCPU thread is pinned to
 * @param physCpuSets empty, or one non-zero host CPU bitmask per vCPU: the vCPU thread's affinity
 * @param cpuTemplate the CPU model's name ({@link javisor.vcpu.CpuTemplate#names()}); "host" by default
 */
public record BaseConfig(long id, String name, VmType vmType, int cpuNum, List<Long> physCpuIds,
                         List<Long> physCpuSets, String cpuTemplate) {
    public static final int MAX_CPUS = 1024; // KVM_CAP_MAX_VCPUS on the project's hosts; VmBuilder checks the host's own
    public static final String DEFAULT_CPU_TEMPLATE = CpuTemplate.HOST.name();

    /** A {@code [base]} with the default CPU template. */
    public BaseConfig(long id, String name, VmType vmType, int cpuNum, List<Long> physCpuIds,
                      List<Long> physCpuSets) {
        this(id, name, vmType, cpuNum, physCpuIds, physCpuSets, DEFAULT_CPU_TEMPLATE);
    }

    public BaseConfig {
        Objects.requireNonNull(name, "name");
        Objects.requireNonNull(vmType, "vmType");
        physCpuIds = List.copyOf(physCpuIds);
        physCpuSets = List.copyOf(physCpuSets);
        Checks.require("id", checkId(id));
        Checks.require("name", Checks.displayName(name));
        Checks.require("cpu_num", checkCpuNum(cpuNum));
        if (!physCpuIds.isEmpty()) {
            Checks.require("phys_cpu_ids", checkPerCpuLength(physCpuIds.size(), cpuNum));
        }
        if (!physCpuSets.isEmpty()) {
            Checks.require("phys_cpu_sets", checkPerCpuLength(physCpuSets.size(), cpuNum));
            physCpuSets.forEach(mask -> Checks.require("phys_cpu_sets", checkCpuSet(mask)));
        }
        Objects.requireNonNull(cpuTemplate, "cpuTemplate");
        Checks.require("cpu_template", checkCpuTemplate(cpuTemplate));
    }

    static Optional<String> checkCpuTemplate(String name) {
        return CpuTemplate.named(name).isPresent() ? Optional.empty()
                : Optional.of("expected one of " + CpuTemplate.names() + ", got \"" + name + "\"");
    }

    static Optional<String> checkId(long id) {
        // ids above 2^63-1 would print as negative numbers wherever a signed long is shown
        return id < 0 ? Optional.of("expected a VM id from 0 to " + Long.MAX_VALUE + ", got "
                + Long.toUnsignedString(id)) : Optional.empty();
    }

    static Optional<String> checkCpuNum(long cpuNum) {
        return cpuNum < 1 || cpuNum > MAX_CPUS
                ? Optional.of("expected 1 to " + MAX_CPUS + " vCPUs, got " + Long.toUnsignedString(cpuNum))
                : Optional.empty();
    }

    static Optional<String> checkPerCpuLength(int length, int cpuNum) {
        return length != cpuNum
                ? Optional.of("expected one entry per vCPU (cpu_num = " + cpuNum + "), got " + length)
                : Optional.empty();
    }

    static Optional<String> checkCpuSet(long mask) {
        return mask == 0 ? Optional.of("expected a non-zero CPU bitmask, got 0") : Optional.empty();
    }
}
