package javisor.vm.config;

import java.nio.file.Path;
import java.util.Arrays;
import java.util.List;
import java.util.Optional;
import java.util.OptionalLong;
import java.util.function.Supplier;
import java.util.stream.Collectors;

import javisor.memory.MappingKind;
import javisor.memory.RegionFlags;
import javisor.vm.loader.ImageFormat;
import javisor.vm.toml.TomlValue.TableValue;

/**
 * Maps a parsed TOML tree onto the config model: AxVisor's {@code AxVMCrateConfig} schema plus Javisor's
 * extensions, checking every value where it is read so that errors point at the key and line.
 */
final class VmConfigMapper {
    // Field order matters: it is the order of the positional (array) form, which follows AxVisor's structs.
    static final List<String> TOP_KEYS = List.of("base", "kernel", "devices", "limits");
    static final List<String> BASE_KEYS =
            List.of("id", "name", "vm_type", "cpu_num", "phys_cpu_ids", "phys_cpu_sets", "cpu_template");
    static final List<String> KERNEL_KEYS = List.of("entry_point", "kernel_path", "kernel_load_addr", "bios_path",
            "bios_load_addr", "dtb_path", "dtb_load_addr", "ramdisk_path", "ramdisk_load_addr", "image_location",
            "cmdline", "disk_path", "memory_regions", "kernel_format", "huge_pages");
    static final List<String> REGION_KEYS = List.of("gpa", "size", "flags", "map_type", "backing");
    static final List<String> DEVICES_KEYS = List.of("emu_devices", "passthrough_devices", "interrupt_mode",
            "excluded_devices", "passthrough_addresses", "i8042_reset");
    static final List<String> EMU_DEVICE_KEYS =
            List.of("name", "base_gpa", "length", "irq_id", "emu_type", "cfg_list", "path", "read_only", "tap", "mac",
                    "guest_cid");
    static final List<String> PT_DEVICE_KEYS = List.of("name", "base_gpa", "base_hpa", "length", "irq_id");
    static final List<String> PT_ADDRESS_KEYS = List.of("base_gpa", "length");

    private final String sourceName;
    private final Optional<Path> source;

    VmConfigMapper(String sourceName, Optional<Path> source) {
        this.sourceName = sourceName;
        this.source = source;
    }

    VmConfig vmConfig(TableValue document) {
        ConfigNode root = new ConfigNode(sourceName, "", document);
        StructNode top = root.struct(TOP_KEYS);
        BaseConfig base = base(requireTable(top, "base"));
        KernelConfig kernel = kernel(requireTable(top, "kernel"));
        DevicesConfig devices = top.get("devices").map(this::devices).orElse(DevicesConfig.NONE);
        LimitsConfig limits = top.get("limits").map(VmConfigMapper::limits).orElse(LimitsConfig.DEFAULT);
        return build(root, () -> new VmConfig(source, base, kernel, devices, limits));
    }

    /** A document holding only {@code [limits]}: a {@code --limits} file. */
    LimitsConfig limitsFile(TableValue document) {
        ConfigNode root = new ConfigNode(sourceName, "", document);
        return limits(requireTable(root.struct(List.of("limits")), "limits"));
    }

    // ---- [limits] ----

    private static LimitsConfig limits(ConfigNode node) {
        StructNode s = node.struct(LimitsConfig.KEYS);
        LimitsConfig d = LimitsConfig.DEFAULT;
        long memory = atLeast(s, "memory_mib", 1, d.memoryMib());
        long vcpus = atLeast(s, "vcpus", 1, d.vcpus());
        long ivc = atLeast(s, "ivc_bytes", 0, d.ivcBytes());
        long log = atLeast(s, "console_log_bytes", LimitsConfig.MIN_CONSOLE_LOG_BYTES, d.consoleLogBytes());
        long lines = atLeast(s, "unclaimed_log_lines", 0, d.unclaimedLogLines());
        long exits = atLeast(s, "exits_per_second", 0, d.exitsPerSecond());
        LimitsConfig.StormAction onStorm = s.get("on_storm").map(n -> LimitsConfig.StormAction.ofName(n.string())
                .orElseThrow(() -> n.expected("\"report\" or \"stop\""))).orElse(d.onStorm());
        return build(node, () -> new LimitsConfig(memory, (int) Math.min(vcpus, Integer.MAX_VALUE), ivc, log,
                (int) Math.min(lines, Integer.MAX_VALUE), exits, onStorm));
    }

    /** An optional number of at least {@code min} (and, for the int-valued limits, clamped when used). */
    private static long atLeast(StructNode s, String key, long min, long absent) {
        return s.get(key).map(n -> {
            long v = n.unsigned();
            n.check(LimitsConfig.checkAtLeast(v, min));
            return v;
        }).orElse(absent);
    }

    private static ConfigNode requireTable(StructNode top, String name) {
        return top.get(name).orElseThrow(() -> new ConfigException(top.node().source(), 0, 0, "",
                "missing required table [" + name + "]"));
    }

    // ---- [base] ----

    private BaseConfig base(ConfigNode node) {
        StructNode s = node.struct(BASE_KEYS);
        ConfigNode idNode = s.require("id");
        long id = idNode.unsigned();
        idNode.check(BaseConfig.checkId(id));
        ConfigNode nameNode = s.require("name");
        String name = nameNode.string();
        nameNode.check(Checks.displayName(name));
        ConfigNode typeNode = s.require("vm_type");
        VmType vmType = VmType.ofCode(typeNode.unsigned())
                .orElseThrow(() -> typeNode.expected("0 (host VM), 1 (RTOS) or 2 (Linux)"));
        ConfigNode cpuNode = s.require("cpu_num");
        long cpuNum = cpuNode.unsigned();
        cpuNode.check(BaseConfig.checkCpuNum(cpuNum));
        List<Long> ids = s.get("phys_cpu_ids").map(n -> perCpu(n, (int) cpuNum)).orElse(List.of());
        List<Long> sets = s.get("phys_cpu_sets").map(n -> {
            List<Long> masks = perCpu(n, (int) cpuNum);
            List<ConfigNode> items = n.items();
            for (int i = 0; i < masks.size(); i++) {
                items.get(i).check(BaseConfig.checkCpuSet(masks.get(i)));
            }
            return masks;
        }).orElse(List.of());
        String template = s.get("cpu_template").map(n -> {
            String t = n.string();
            n.check(BaseConfig.checkCpuTemplate(t));
            return t;
        }).orElse(BaseConfig.DEFAULT_CPU_TEMPLATE);
        return build(node, () -> new BaseConfig(id, name, vmType, (int) cpuNum, ids, sets, template));
    }

    private static List<Long> perCpu(ConfigNode n, int cpuNum) {
        List<Long> values = n.unsignedList();
        n.check(BaseConfig.checkPerCpuLength(values.size(), cpuNum));
        return values;
    }

    // ---- [kernel] ----

    private KernelConfig kernel(ConfigNode node) {
        StructNode s = node.struct(KERNEL_KEYS);
        long entryPoint = s.require("entry_point").unsigned();
        Path kernelPath = s.require("kernel_path").filePath();
        long kernelLoadAddr = s.require("kernel_load_addr").unsigned();
        Optional<Path> biosPath = optionalPath(s, "bios_path");
        OptionalLong biosLoadAddr = optionalUnsigned(s, "bios_load_addr");
        Optional<Path> dtbPath = optionalPath(s, "dtb_path");
        OptionalLong dtbLoadAddr = optionalUnsigned(s, "dtb_load_addr");
        Optional<Path> ramdiskPath = optionalPath(s, "ramdisk_path");
        OptionalLong ramdiskLoadAddr = optionalUnsigned(s, "ramdisk_load_addr");
        checkPair(s, "bios_path", "bios_load_addr", true, true);
        checkPair(s, "dtb_path", "dtb_load_addr", true, false);
        checkPair(s, "ramdisk_path", "ramdisk_load_addr", false, true);
        ImageLocation location = s.get("image_location").map(n -> ImageLocation.ofName(n.string())
                .orElseThrow(() -> n.expected("\"memory\" or \"fs\""))).orElse(ImageLocation.FS);
        Optional<String> cmdline = s.get("cmdline").map(n -> {
            String c = n.string();
            n.check(KernelConfig.checkCmdline(c));
            return c;
        });
        Optional<Path> diskPath = optionalPath(s, "disk_path");
        List<MemoryRegionConfig> regions = memoryRegions(s.require("memory_regions"));
        ImageFormat format = s.get("kernel_format").map(n -> ImageFormat.ofConfigName(n.string())
                .orElseThrow(() -> n.expected(quotedNames(Arrays.stream(ImageFormat.values())
                        .map(ImageFormat::configName).toList())))).orElse(ImageFormat.AUTO);
        HugePages hugePages = s.get("huge_pages").map(n -> HugePages.ofName(n.string())
                .orElseThrow(() -> n.expected(quotedNames(Arrays.stream(HugePages.values())
                        .map(HugePages::tomlName).toList())))).orElse(HugePages.NONE);
        return build(node, () -> new KernelConfig(entryPoint, kernelPath, kernelLoadAddr, biosPath, biosLoadAddr,
                dtbPath, dtbLoadAddr, ramdiskPath, ramdiskLoadAddr, location, cmdline, diskPath, regions, format,
                hugePages));
    }

    private static void checkPair(StructNode s, String pathKey, String addrKey, boolean addressNeeded,
                                  boolean pathNeeded) {
        Optional<ConfigNode> path = s.get(pathKey);
        Optional<ConfigNode> addr = s.get(addrKey);
        Optional<String> problem = KernelConfig.checkPair(pathKey, path.map(ConfigNode::filePath), addrKey,
                addr.isPresent() ? OptionalLong.of(0) : OptionalLong.empty(), addressNeeded, pathNeeded);
        if (problem.isPresent()) {
            throw path.or(() -> addr).orElseThrow().error(problem.get());
        }
    }

    private static List<MemoryRegionConfig> memoryRegions(ConfigNode node) {
        List<ConfigNode> items = node.items();
        if (items.isEmpty()) {
            throw node.error(KernelConfig.NO_REGIONS);
        }
        List<MemoryRegionConfig> regions = items.stream().map(VmConfigMapper::memoryRegion).toList();
        KernelConfig.findOverlap(regions).ifPresent(o -> {
            MemoryRegionConfig first = regions.get(o.first());
            MemoryRegionConfig second = regions.get(o.second());
            ConfigNode firstNode = items.get(o.first());
            throw items.get(o.second()).error("region " + second.describeRange() + " overlaps "
                    + firstNode.path() + " " + first.describeRange() + " (line " + firstNode.line() + ")");
        });
        return regions;
    }

    private static MemoryRegionConfig memoryRegion(ConfigNode node) {
        StructNode s = node.struct(REGION_KEYS);
        ConfigNode gpaNode = s.require("gpa");
        long gpa = gpaNode.unsigned();
        gpaNode.check(MemoryRegionConfig.checkGpa(gpa));
        ConfigNode sizeNode = s.require("size");
        long size = sizeNode.unsigned();
        sizeNode.check(MemoryRegionConfig.checkSize(size));
        sizeNode.check(MemoryRegionConfig.checkEnd(gpa, size));
        ConfigNode flagsNode = s.require("flags");
        long flagBits = flagsNode.unsigned();
        if ((flagBits & ~(long) RegionFlags.ALL) != 0) {
            throw flagsNode.expected("flags made of R=0x1 W=0x2 X=0x4 U=0x8 DEVICE=0x10 (unknown bits "
                    + Checks.hex(flagBits & ~(long) RegionFlags.ALL) + ")");
        }
        Optional<ConfigNode> mapTypeNode = s.get("map_type");
        MappingKind mapType = mapTypeNode.map(n -> MappingKind.ofCode(n.unsigned())
                .orElseThrow(() -> n.expected("0 (allocate), 1 (identical) or 2 (reserved)")))
                .orElse(MappingKind.MAP_ALLOC);
        Optional<ConfigNode> backingNode = s.get("backing");
        Optional<Path> backing = backingNode.map(ConfigNode::filePath);
        MemoryRegionConfig.checkBacking(mapType, backing).ifPresent(problem -> {
            throw backingNode.or(() -> mapTypeNode).orElse(node).error(problem);
        });
        return build(node, () -> new MemoryRegionConfig(gpa, size, new RegionFlags((int) flagBits), mapType,
                backing));
    }

    // ---- [devices] ----

    private DevicesConfig devices(ConfigNode node) {
        StructNode s = node.struct(DEVICES_KEYS);
        List<EmulatedDeviceConfig> emu = s.get("emu_devices")
                .map(n -> n.items().stream().map(VmConfigMapper::emulatedDevice).toList()).orElse(List.of());
        List<PassthroughDeviceConfig> passthrough = s.get("passthrough_devices")
                .map(n -> n.items().stream().map(VmConfigMapper::passthroughDevice).toList()).orElse(List.of());
        InterruptMode mode = s.get("interrupt_mode").map(n -> InterruptMode.ofName(n.string())
                .orElseThrow(() -> n.expected(Arrays.stream(InterruptMode.values())
                        .map(m -> "\"" + m.tomlName() + "\"" + (m.aliases().isEmpty() ? ""
                                : " (or " + quotedNames(m.aliases()) + ")"))
                        .collect(Collectors.joining(", ")))))
                .orElse(InterruptMode.NO_IRQ);
        List<List<String>> excluded = s.get("excluded_devices")
                .map(n -> n.items().stream().map(ConfigNode::stringList).toList()).orElse(List.of());
        List<PassthroughAddressConfig> addresses = s.get("passthrough_addresses")
                .map(n -> n.items().stream().map(VmConfigMapper::passthroughAddress).toList()).orElse(List.of());
        I8042Reset reset = s.get("i8042_reset").map(n -> I8042Reset.ofName(n.string())
                .orElseThrow(() -> n.expected(quotedNames(Arrays.stream(I8042Reset.values())
                        .map(I8042Reset::tomlName).toList())))).orElse(I8042Reset.STOP);
        return build(node, () -> new DevicesConfig(emu, passthrough, mode, excluded, addresses, reset));
    }

    private static EmulatedDeviceConfig emulatedDevice(ConfigNode node) {
        StructNode s = node.struct(EMU_DEVICE_KEYS);
        String name = s.require("name").string();
        long baseGpa = s.require("base_gpa").unsigned();
        ConfigNode lengthNode = s.require("length");
        long length = lengthNode.unsigned();
        lengthNode.check(Checks.rangeFits(baseGpa, length));
        long irqId = s.require("irq_id").unsigned();
        ConfigNode typeNode = s.require("emu_type");
        EmulatedDeviceType type = EmulatedDeviceType.ofCode(typeNode.unsigned())
                .orElseThrow(() -> typeNode.expected("an emulated device type (" + Arrays.stream(
                        EmulatedDeviceType.values()).map(t -> Checks.hex(t.code()) + " " + t)
                        .collect(Collectors.joining(", ")) + ")"));
        List<Long> cfgList = s.require("cfg_list").unsignedList();
        Optional<Path> path = s.get("path").map(ConfigNode::filePath);
        boolean readOnly = s.get("read_only").map(ConfigNode::bool).orElse(false);
        Optional<String> tap = s.get("tap").map(n -> {
            String t = n.string();
            Checks.interfaceName(t).ifPresent(p -> {
                throw n.error(p);
            });
            return t;
        });
        Optional<MacAddress> mac = s.get("mac").map(n -> {
            try {
                return MacAddress.parse(n.string());
            } catch (IllegalArgumentException e) {
                throw n.error(e.getMessage());
            }
        });
        OptionalLong guestCid = optionalUnsigned(s, "guest_cid");
        return build(node, () -> new EmulatedDeviceConfig(name, baseGpa, length, irqId, type, cfgList, path,
                readOnly, tap, mac, guestCid));
    }

    private static PassthroughDeviceConfig passthroughDevice(ConfigNode node) {
        StructNode s = node.struct(PT_DEVICE_KEYS);
        String name = s.require("name").string();
        long baseGpa = optionalUnsigned(s, "base_gpa").orElse(0);
        long baseHpa = optionalUnsigned(s, "base_hpa").orElse(0);
        long length = optionalUnsigned(s, "length").orElse(0);
        s.get("length").ifPresent(n -> {
            n.check(Checks.rangeFits(baseGpa, length));
            n.check(Checks.rangeFits(baseHpa, length));
        });
        long irqId = optionalUnsigned(s, "irq_id").orElse(0);
        return build(node, () -> new PassthroughDeviceConfig(name, baseGpa, baseHpa, length, irqId));
    }

    private static PassthroughAddressConfig passthroughAddress(ConfigNode node) {
        StructNode s = node.struct(PT_ADDRESS_KEYS);
        long baseGpa = s.require("base_gpa").unsigned();
        ConfigNode lengthNode = s.require("length");
        long length = lengthNode.unsigned();
        lengthNode.check(Checks.rangeFits(baseGpa, length));
        return build(node, () -> new PassthroughAddressConfig(baseGpa, length));
    }

    // ---- helpers ----

    private static Optional<Path> optionalPath(StructNode s, String key) {
        return s.get(key).map(ConfigNode::filePath);
    }

    private static OptionalLong optionalUnsigned(StructNode s, String key) {
        Optional<ConfigNode> n = s.get(key);
        return n.isPresent() ? OptionalLong.of(n.get().unsigned()) : OptionalLong.empty();
    }

    private static String quotedNames(List<String> names) {
        List<String> quoted = names.stream().map(n -> "\"" + n + "\"").toList();
        return quoted.size() == 1 ? quoted.getFirst()
                : String.join(", ", quoted.subList(0, quoted.size() - 1)) + " or " + quoted.getLast();
    }

    /**
     * Builds a model record. Everything its constructor checks has been checked above with a precise
     * location; should a check be missed, the error still comes out as a ConfigException at this node.
     */
    private static <T> T build(ConfigNode at, Supplier<T> constructor) {
        try {
            return constructor.get();
        } catch (IllegalArgumentException e) {
            throw at.error(e.getMessage());
        }
    }
}
