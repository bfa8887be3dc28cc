package javisor.vmm.control;

import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.OptionalInt;
import java.util.OptionalLong;
import java.util.function.Supplier;

import javisor.vm.config.BaseConfig;
import javisor.vm.config.KernelConfig;
import javisor.vm.config.MemoryRegionConfig;
import javisor.vm.config.VmConfig;
import javisor.vmm.VmmException;

/**
 * {@code vm create}'s {@code -n/--name}, {@code -c/--cpu} and {@code -m/--memory}, which AxVisor parses and
 * ignores: each replaces one value of the config read from the file. The records are rebuilt through their
 * canonical constructors, so every check a config file gets applies to the new values too.
 *
 * @param memoryMiB the new size of the config's first memory region (the first listed, where guests load)
 */
public record ConfigOverrides(Optional<String> name, OptionalInt cpus, OptionalLong memoryMiB) {
    public static final ConfigOverrides NONE = new ConfigOverrides(Optional.empty(), OptionalInt.empty(),
            OptionalLong.empty());

    public VmConfig applyTo(VmConfig c) {
        BaseConfig b = c.base();
        if (cpus.isPresent()) {
            int n = cpus.getAsInt();
            if (!b.physCpuIds().isEmpty() && b.physCpuIds().size() != n) {
                throw pinned(c, n, "phys_cpu_ids", b.physCpuIds().size());
            }
            if (!b.physCpuSets().isEmpty() && b.physCpuSets().size() != n) {
                throw pinned(c, n, "phys_cpu_sets", b.physCpuSets().size());
            }
        }
        BaseConfig base = b;
        if (name.isPresent()) {
            BaseConfig from = base;
            base = checked(c, "--name", () -> new BaseConfig(from.id(), name.get(), from.vmType(), from.cpuNum(),
                    from.physCpuIds(), from.physCpuSets()));
        }
        if (cpus.isPresent()) {
            BaseConfig from = base;
            base = checked(c, "--cpu " + cpus.getAsInt(), () -> new BaseConfig(from.id(), from.name(),
                    from.vmType(), cpus.getAsInt(), from.physCpuIds(), from.physCpuSets()));
        }
        KernelConfig k = c.kernel();
        if (memoryMiB.isPresent()) {
            k = withFirstRegionSize(c, memoryMiB.getAsLong());
        }
        return new VmConfig(c.source(), base, k, c.devices(), c.limits());
    }

    /** A record constructor's complaint ({@code cpu_num: expected ...}) as the option's. */
    private static <T> T checked(VmConfig c, String option, Supplier<T> build) {
        try {
            return build.get();
        } catch (IllegalArgumentException e) {
            String m = e.getMessage();
            throw new VmmException(VmmException.Kind.INVALID, c.sourceName() + ": " + option + ": " + m.substring(m.indexOf(": ") + 2));
        }
    }

    private static VmmException pinned(VmConfig c, int cpus, String key, int size) {
        return new VmmException(VmmException.Kind.INVALID, c.sourceName() + ": --cpu " + cpus + " does not match base." + key
                + ", which pins " + size + (size == 1 ? " vCPU" : " vCPUs") + "; change the config instead");
    }

    private static KernelConfig withFirstRegionSize(VmConfig c, long mib) {
        long max = MemoryRegionConfig.MAX_END >> 20;
        if (mib < 1 || mib > max) {
            throw new VmmException(VmmException.Kind.INVALID, "--memory expects 1 to " + max + " MiB, got " + mib);
        }
        KernelConfig k = c.kernel();
        List<MemoryRegionConfig> regions = new ArrayList<>(k.memoryRegions());
        MemoryRegionConfig first = regions.getFirst();
        return checked(c, "--memory " + mib, () -> {
            regions.set(0, new MemoryRegionConfig(first.gpa(), mib << 20, first.flags(), first.mapType(),
                    first.backing()));
            return new KernelConfig(k.entryPoint(), k.kernelPath(), k.kernelLoadAddr(), k.biosPath(),
                    k.biosLoadAddr(), k.dtbPath(), k.dtbLoadAddr(), k.ramdiskPath(), k.ramdiskLoadAddr(),
                    k.imageLocation(), k.cmdline(), k.diskPath(), regions, k.kernelFormat(), k.hugePages());
        });
    }
}
