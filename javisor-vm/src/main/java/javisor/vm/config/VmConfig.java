package javisor.vm.config;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import java.util.OptionalLong;

import javisor.vm.loader.ImageFormat;
import javisor.vm.platform.PlatformLayout;

/**
 * One VM's configuration: AxVisor's {@code AxVMCrateConfig} ({@code [base]}, {@code [kernel]},
 * {@code [devices]}), read from TOML by {@link #parse}/{@link #load}, or made from command-line options by
 * {@link #forKernel}.
 *
 * @param source the file the config was read from, if any: named in messages and the base of relative paths
 */
public record VmConfig(Optional<Path> source, BaseConfig base, KernelConfig kernel, DevicesConfig devices,
                       LimitsConfig limits) {
    /** {@link #forKernel}: where a raw kernel image is loaded and entered (1 MiB, above the real-mode area). */
    public static final long DEFAULT_KERNEL_ADDRESS = 0x10_0000;
    /** {@link #forKernel}: the VM id. */
    public static final long DEFAULT_ID = 1;
    static final String COMMAND_LINE = "command line";

    public VmConfig {
        Objects.requireNonNull(source, "source");
        Objects.requireNonNull(base, "base");
        Objects.requireNonNull(kernel, "kernel");
        Objects.requireNonNull(devices, "devices");
        Objects.requireNonNull(limits, "limits");
    }

    /** A config with {@link LimitsConfig#DEFAULT} limits. */
    public VmConfig(Optional<Path> source, BaseConfig base, KernelConfig kernel, DevicesConfig devices) {
        this(source, base, kernel, devices, LimitsConfig.DEFAULT);
    }

    /** This config with its RAM backed by {@code pages}; IllegalArgumentException when the regions do not fit them. */
    public VmConfig withHugePages(HugePages pages) {
        KernelConfig k = kernel;
        return new VmConfig(source, base, new KernelConfig(k.entryPoint(), k.kernelPath(), k.kernelLoadAddr(),
                k.biosPath(), k.biosLoadAddr(), k.dtbPath(), k.dtbLoadAddr(), k.ramdiskPath(), k.ramdiskLoadAddr(),
                k.imageLocation(), k.cmdline(), k.diskPath(), k.memoryRegions(), k.kernelFormat(), pages), devices,
                limits);
    }

    /** This config with {@code limits}. */
    public VmConfig withLimits(LimitsConfig limits) {
        return new VmConfig(source, base, kernel, devices, limits);
    }

    /**
     * Parses config text.
     *
     * @param source the file the text came from, if any: named in messages, and the base for relative paths
     * @throws ConfigException if the text is not valid TOML or not a valid config
     */
    public static VmConfig parse(String text, Optional<Path> source) {
        return VmConfigParser.parse(text, source);
    }

    /**
     * Reads a config file (UTF-8, at most 1 MiB).
     *
     * @throws ConfigException if the file cannot be read or is not a valid config
     */
    public static VmConfig load(Path file) {
        return VmConfigParser.load(file);
    }

    /**
     * The config of {@code javisor run --kernel FILE [--initrd FILE] [--cmdline STR] [--cpus N] [--memory MiB]}:
     * VM id 1, named after the kernel file, vm_type RTOS (AxVisor's default), {@code cpus} vCPUs without
     * pinning, one RAM region of {@code memoryMiB} at guest-physical 0 (RWX, allocated), kernel_format auto,
     * image_location fs, entry point and kernel load address {@link #DEFAULT_KERNEL_ADDRESS} (used when the
     * image is raw), the initrd at an address the loader chooses, interrupt_mode passthrough (as in every AxVisor
     * example config) and no devices in the config. File paths are made absolute.
     *
     * @throws ConfigException naming the option, if a value is out of range
     */
    public static VmConfig forKernel(Path kernel, Optional<Path> initrd, Optional<String> cmdline, int cpus,
                                     long memoryMiB) {
        Objects.requireNonNull(kernel, "kernel");
        Objects.requireNonNull(initrd, "initrd");
        Objects.requireNonNull(cmdline, "cmdline");
        Path kernelFile = kernel.toAbsolutePath().normalize();
        Path name = kernelFile.getFileName();
        if (name == null || kernel.toString().isEmpty()) {
            throw optionError("--kernel", "expected a kernel image file, got \"" + kernel + "\"");
        }
        BaseConfig.checkCpuNum(cpus).ifPresent(p -> {
            throw optionError("--cpus", p);
        });
        long minMiB = (DEFAULT_KERNEL_ADDRESS >> 20) + 1;
        long maxMiB = MemoryRegionConfig.MAX_END >> 20;
        if (memoryMiB < minMiB || memoryMiB > maxMiB) {
            throw optionError("--memory", "expected " + minMiB + " to " + maxMiB + " MiB (the kernel loads at "
                    + Checks.hex(DEFAULT_KERNEL_ADDRESS) + "), got " + memoryMiB);
        }
        if (initrd.isPresent() && initrd.get().toString().isEmpty()) {
            throw optionError("--initrd", "expected an initrd file, got \"\"");
        }
        cmdline.flatMap(KernelConfig::checkCmdline).ifPresent(p -> {
            throw optionError("--cmdline", p);
        });
        try {
            BaseConfig base = new BaseConfig(DEFAULT_ID, name.toString(), VmType.RTOS, cpus, List.of(), List.of());
            MemoryRegionConfig ram = MemoryRegionConfig.ram(0, memoryMiB << 20);
            KernelConfig k = new KernelConfig(DEFAULT_KERNEL_ADDRESS, kernelFile, DEFAULT_KERNEL_ADDRESS,
                    Optional.empty(), OptionalLong.empty(), Optional.empty(), OptionalLong.empty(),
                    initrd.map(p -> p.toAbsolutePath().normalize()), OptionalLong.empty(), ImageLocation.FS, cmdline,
                    Optional.empty(), List.of(ram), ImageFormat.AUTO);
            DevicesConfig devices = new DevicesConfig(List.of(), List.of(), InterruptMode.PASSTHROUGH, List.of(),
                    List.of());
            return new VmConfig(Optional.empty(), base, k, devices);
        } catch (IllegalArgumentException e) {
            // e.g. a kernel file name with control characters, which cannot be a VM name
            throw new ConfigException(COMMAND_LINE, 0, 0, "--kernel", e.getMessage(), e);
        }
    }

    /**
     * This config with the virtio devices of {@code javisor run}'s options, each at the next free default
     * virtio-mmio slot ({@link PlatformLayout#VIRTIO_MMIO_BASE} onwards, one page and one GSI from
     * {@link PlatformLayout#VIRTIO_FIRST_GSI} each): a VirtioBlk per {@code --drive PATH[,readonly]} (as QEMU's
     * {@code -drive}; named vda, vdb, ..., their GET_ID), a VirtioNet per {@code --net tap=NAME[,mac=MAC]}
     * (named eth0, eth1, ...) and a VirtioVsock per {@code --vsock cid=N,path=SOCKET} (named vsock0, ...).
     *
     * @throws ConfigException naming the option, for an empty path, a missing or unknown key or a bad value
     */
    public VmConfig withDevices(List<String> drives, List<String> nets, List<String> vsocks) {
        List<EmulatedDeviceConfig> emu = new ArrayList<>(devices.emuDevices());
        for (String drive : drives) {
            String[] parts = drive.split(",");
            if (parts[0].isEmpty()) {
                throw optionError("--drive", "expected PATH[,readonly], got \"" + drive + "\"");
            }
            boolean readOnly = false;
            for (int i = 1; i < parts.length; i++) {
                if (parts[i].equals("readonly") || parts[i].equals("readonly=on")) {
                    readOnly = true;
                } else {
                    throw optionError("--drive", "unknown option \"" + parts[i] + "\" in \"" + drive
                            + "\" (expected PATH[,readonly])");
                }
            }
            int slot = freeSlot(emu, "--drive");
            emu.add(slotDevice(slot, "vd" + (char) ('a' + count(emu, EmulatedDeviceType.VIRTIO_BLK)),
                    EmulatedDeviceType.VIRTIO_BLK, List.of(), Optional.of(Path.of(parts[0]).toAbsolutePath().normalize()),
                    readOnly, Optional.empty(), Optional.empty(), OptionalLong.empty(), "--drive"));
        }
        for (String net : nets) {
            Map<String, String> keys = keyValues("--net", net, List.of("tap", "mac"), "tap=NAME[,mac=MAC]");
            String tap = keys.get("tap");
            if (tap == null) {
                throw optionError("--net", "expected tap=NAME[,mac=MAC], got \"" + net + "\" (no tap)");
            }
            Optional<MacAddress> mac;
            try {
                mac = Optional.ofNullable(keys.get("mac")).map(MacAddress::parse);
            } catch (IllegalArgumentException e) {
                throw optionError("--net", "mac: " + e.getMessage());
            }
            int slot = freeSlot(emu, "--net");
            emu.add(slotDevice(slot, "eth" + count(emu, EmulatedDeviceType.VIRTIO_NET), EmulatedDeviceType.VIRTIO_NET,
                    List.of(), Optional.empty(), false, Optional.of(tap), mac, OptionalLong.empty(), "--net"));
        }
        for (String vsock : vsocks) {
            Map<String, String> keys = keyValues("--vsock", vsock, List.of("cid", "path"), "cid=N,path=SOCKET");
            if (!keys.containsKey("cid") || !keys.containsKey("path") || keys.get("path").isEmpty()) {
                throw optionError("--vsock", "expected cid=N,path=SOCKET, got \"" + vsock + "\"");
            }
            long cid;
            try {
                cid = Long.parseLong(keys.get("cid"));
            } catch (NumberFormatException e) {
                throw optionError("--vsock", "cid: expected a number, got \"" + keys.get("cid") + "\"");
            }
            int slot = freeSlot(emu, "--vsock");
            emu.add(slotDevice(slot, "vsock" + count(emu, EmulatedDeviceType.VIRTIO_VSOCK),
                    EmulatedDeviceType.VIRTIO_VSOCK, List.of(), Optional.of(Path.of(keys.get("path")).toAbsolutePath().normalize()),
                    false, Optional.empty(), Optional.empty(), OptionalLong.of(cid), "--vsock"));
        }
        return withEmuDevices(emu);
    }

    /**
     * This config with one more virtio device at the next free default virtio-mmio slot, as {@link #withDevices}
     * places them (for callers that have the device's fields already, such as Firecracker's API).
     *
     * @param what names the request in messages
     * @throws ConfigException naming {@code what}, when no slot is free or a field is out of range
     */
    public VmConfig withVirtioDevice(String what, String name, EmulatedDeviceType type, List<Long> cfgList,
                                     Optional<Path> path, boolean readOnly, Optional<String> tap,
                                     Optional<MacAddress> mac, OptionalLong cid) {
        List<EmulatedDeviceConfig> emu = new ArrayList<>(devices.emuDevices());
        emu.add(slotDevice(freeSlot(emu, what), name, type, cfgList, path.map(p -> p.toAbsolutePath().normalize()),
                readOnly, tap, mac, cid, what));
        return withEmuDevices(emu);
    }

    private VmConfig withEmuDevices(List<EmulatedDeviceConfig> emu) {
        return new VmConfig(source, base, kernel, new DevicesConfig(emu, devices.passthroughDevices(),
                devices.interruptMode(), devices.excludedDevices(), devices.passthroughAddresses(),
                devices.i8042Reset()), limits);
    }

    private static int count(List<EmulatedDeviceConfig> emu, EmulatedDeviceType type) {
        return (int) emu.stream().filter(d -> d.emuType() == type).count();
    }

    /** The next default virtio-mmio slot: as many are taken as there are virtio devices. */
    private static int freeSlot(List<EmulatedDeviceConfig> emu, String option) {
        int slot = (int) emu.stream().filter(d -> d.emuType().isVirtio()).count();
        if (slot >= PlatformLayout.IOAPIC_PINS - PlatformLayout.VIRTIO_FIRST_GSI) {
            throw optionError(option, "more virtio devices than free interrupt lines ("
                    + (PlatformLayout.IOAPIC_PINS - PlatformLayout.VIRTIO_FIRST_GSI) + ")");
        }
        return slot;
    }

    /** A virtio device in default slot {@code slot}: its window and its GSI follow from the slot. */
    private static EmulatedDeviceConfig slotDevice(int slot, String name, EmulatedDeviceType type, List<Long> cfgList,
                                                   Optional<Path> path, boolean readOnly, Optional<String> tap,
                                                   Optional<MacAddress> mac, OptionalLong cid, String option) {
        try {
            return new EmulatedDeviceConfig(name, PlatformLayout.VIRTIO_MMIO_BASE
                    + slot * PlatformLayout.VIRTIO_MMIO_STRIDE, PlatformLayout.VIRTIO_MMIO_STRIDE,
                    PlatformLayout.VIRTIO_FIRST_GSI + slot, type, cfgList, path, readOnly, tap, mac, cid);
        } catch (IllegalArgumentException e) {
            throw optionError(option, e.getMessage());
        }
    }

    /** {@code key=value,key=value} with only {@code known} keys, each at most once. */
    private static Map<String, String> keyValues(String option, String text, List<String> known, String form) {
        Map<String, String> out = new LinkedHashMap<>();
        for (String part : text.split(",")) {
            int eq = part.indexOf('=');
            String key = eq < 0 ? part : part.substring(0, eq);
            if (eq < 0 || !known.contains(key)) {
                throw optionError(option, "unknown option \"" + part + "\" in \"" + text + "\" (expected " + form
                        + ")");
            }
            if (out.put(key, part.substring(eq + 1)) != null) {
                throw optionError(option, key + " given twice in \"" + text + "\"");
            }
        }
        return out;
    }

    private static ConfigException optionError(String option, String detail) {
        return new ConfigException(COMMAND_LINE, 0, 0, option, detail);
    }

    /** This config as TOML; {@code parse(toToml(), source())} gives an equal config. */
    public String toToml() {
        return VmConfigWriter.write(this);
    }

    /** The file name for messages, or {@code "<string>"}. */
    public String sourceName() {
        return VmConfigParser.sourceName(source);
    }

    /**
     * A path from the config, made usable: a relative path is taken relative to the config file's
     * directory (as AxVisor does for bundled images), or to the working directory when there is no file.
     */
    public Path resolve(Path path) {
        if (path.isAbsolute()) {
            return path;
        }
        return source.map(s -> s.toAbsolutePath().getParent()).map(dir -> dir.resolve(path)).orElse(path);
    }
}
