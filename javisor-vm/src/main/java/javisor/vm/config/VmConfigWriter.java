package javisor.vm.config;

import java.nio.file.Path;
import java.util.List;
import java.util.Optional;
import java.util.OptionalLong;
import java.util.stream.Collectors;

import javisor.memory.MappingKind;
import javisor.vm.toml.TomlStrings;

/**
 * Writes a {@link VmConfig} as TOML in AxVisor's layout (positional arrays for regions and devices), with
 * every default spelled out, so that the text reads back to an equal config.
 */
final class VmConfigWriter {
    private final StringBuilder out = new StringBuilder();

    private VmConfigWriter() {
    }

    static String write(VmConfig config) {
        VmConfigWriter w = new VmConfigWriter();
        w.base(config.base());
        w.kernel(config.kernel());
        w.devices(config.devices());
        if (!config.limits().equals(LimitsConfig.DEFAULT)) {
            w.limits(config.limits());
        }
        return w.out.toString();
    }

    private void base(BaseConfig b) {
        out.append("[base]\n");
        entry("id", Long.toString(b.id()));
        entry("name", TomlStrings.quote(b.name()));
        entry("vm_type", Integer.toString(b.vmType().code()));
        entry("cpu_num", Integer.toString(b.cpuNum()));
        if (!b.physCpuIds().isEmpty()) {
            entry("phys_cpu_ids", numbers(b.physCpuIds(), false));
        }
        if (!b.physCpuSets().isEmpty()) {
            entry("phys_cpu_sets", numbers(b.physCpuSets(), true));
        }
        if (!b.cpuTemplate().equals(BaseConfig.DEFAULT_CPU_TEMPLATE)) {
            entry("cpu_template", TomlStrings.quote(b.cpuTemplate()));
        }
    }

    private void kernel(KernelConfig k) {
        out.append("\n[kernel]\n");
        entry("entry_point", Checks.hex(k.entryPoint()));
        entry("kernel_path", path(k.kernelPath()));
        entry("kernel_load_addr", Checks.hex(k.kernelLoadAddr()));
        optional("bios_path", k.biosPath());
        optional("bios_load_addr", k.biosLoadAddr());
        optional("dtb_path", k.dtbPath());
        optional("dtb_load_addr", k.dtbLoadAddr());
        optional("ramdisk_path", k.ramdiskPath());
        optional("ramdisk_load_addr", k.ramdiskLoadAddr());
        entry("image_location", TomlStrings.quote(k.imageLocation().tomlName()));
        k.cmdline().ifPresent(c -> entry("cmdline", TomlStrings.quote(c)));
        optional("disk_path", k.diskPath());
        entry("kernel_format", TomlStrings.quote(k.kernelFormat().configName()));
        if (k.hugePages() != HugePages.NONE) {
            entry("huge_pages", TomlStrings.quote(k.hugePages().tomlName()));
        }
        out.append("memory_regions = [\n");
        for (MemoryRegionConfig r : k.memoryRegions()) {
            out.append("    [").append(Checks.hex(r.gpa())).append(", ").append(Checks.hex(r.size())).append(", ")
                    .append(Checks.hex(r.flags().bits())).append(", ").append(r.mapType().code());
            r.backing().ifPresent(p -> out.append(", ").append(path(p)));
            out.append("],");
            if (r.mapType() == MappingKind.MAP_RESERVED) {
                out.append(" # gpa, size, flags, map_type, backing");
            }
            out.append('\n');
        }
        out.append("]\n");
    }

    /** An entry with Javisor's keys as an inline table; the path as given (relative to the config's folder). */
    private void emulatedDeviceTable(EmulatedDeviceConfig e) {
        out.append("    { name = ").append(TomlStrings.quote(e.name())).append(", base_gpa = ")
                .append(Checks.hex(e.baseGpa())).append(", length = ").append(Checks.hex(e.length()))
                .append(", irq_id = ").append(number(e.irqId())).append(", emu_type = ")
                .append(Checks.hex(e.emuType().code())).append(", cfg_list = ").append(numbers(e.cfgList(), false));
        e.path().ifPresent(p -> out.append(", path = ").append(TomlStrings.quote(p.toString())));
        if (e.readOnly()) {
            out.append(", read_only = true");
        }
        e.tap().ifPresent(t -> out.append(", tap = ").append(TomlStrings.quote(t)));
        e.mac().ifPresent(m -> out.append(", mac = ").append(TomlStrings.quote(m.toString())));
        e.guestCid().ifPresent(c -> out.append(", guest_cid = ").append(c));
        out.append(" },\n");
    }

    private void devices(DevicesConfig d) {
        out.append("\n[devices]\n");
        entry("interrupt_mode", TomlStrings.quote(d.interruptMode().tomlName()));
        if (d.i8042Reset() != I8042Reset.STOP) {
            entry("i8042_reset", TomlStrings.quote(d.i8042Reset().tomlName()));
        }
        out.append("emu_devices = [\n");
        for (EmulatedDeviceConfig e : d.emuDevices()) {
            if (e.hasExtensions()) {
                emulatedDeviceTable(e); // Javisor's keys by name: no placeholders for those left out
                continue;
            }
            out.append("    [").append(TomlStrings.quote(e.name())).append(", ").append(Checks.hex(e.baseGpa()))
                    .append(", ").append(Checks.hex(e.length())).append(", ").append(number(e.irqId()))
                    .append(", ").append(Checks.hex(e.emuType().code())).append(", ")
                    .append(numbers(e.cfgList(), false)).append("],\n");
        }
        out.append("]\n");
        out.append("passthrough_devices = [\n");
        for (PassthroughDeviceConfig p : d.passthroughDevices()) {
            out.append("    [").append(TomlStrings.quote(p.name())).append(", ").append(Checks.hex(p.baseGpa()))
                    .append(", ").append(Checks.hex(p.baseHpa())).append(", ").append(Checks.hex(p.length()))
                    .append(", ").append(number(p.irqId())).append("],\n");
        }
        out.append("]\n");
        if (!d.excludedDevices().isEmpty()) {
            entry("excluded_devices", d.excludedDevices().stream()
                    .map(paths -> paths.stream().map(TomlStrings::quote).collect(Collectors.joining(", ", "[", "]")))
                    .collect(Collectors.joining(", ", "[", "]")));
        }
        if (!d.passthroughAddresses().isEmpty()) {
            entry("passthrough_addresses", d.passthroughAddresses().stream()
                    .map(a -> "{ base_gpa = " + Checks.hex(a.baseGpa()) + ", length = " + Checks.hex(a.length()) + " }")
                    .collect(Collectors.joining(", ", "[", "]")));
        }
    }

    private void limits(LimitsConfig l) {
        out.append("\n[limits]\n");
        entry("memory_mib", Long.toString(l.memoryMib()));
        entry("vcpus", Integer.toString(l.vcpus()));
        entry("ivc_bytes", Long.toString(l.ivcBytes()));
        entry("console_log_bytes", Long.toString(l.consoleLogBytes()));
        entry("unclaimed_log_lines", Integer.toString(l.unclaimedLogLines()));
        entry("exits_per_second", Long.toString(l.exitsPerSecond()));
        entry("on_storm", TomlStrings.quote(l.onStorm().tomlName()));
    }

    private void entry(String key, String value) {
        out.append(key).append(" = ").append(value).append('\n');
    }

    private void optional(String key, Optional<Path> p) {
        p.ifPresent(path -> entry(key, path(path)));
    }

    private void optional(String key, OptionalLong v) {
        v.ifPresent(value -> entry(key, Checks.hex(value)));
    }

    private static String path(Path p) {
        return TomlStrings.quote(p.toString());
    }

    /** A list of numbers, in hex or as {@link #number(long)} writes them. */
    private static String numbers(List<Long> values, boolean hex) {
        return values.stream().map(v -> hex ? Checks.hex(v) : number(v))
                .collect(Collectors.joining(", ", "[", "]"));
    }

    /** Decimal, except for values of 2^63 and above, which a TOML decimal cannot hold but a hex literal can. */
    private static String number(long v) {
        return v >= 0 ? Long.toString(v) : Checks.hex(v);
    }
}
