package javisor.api.firecracker;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.OptionalLong;
import java.util.regex.Pattern;

import javisor.api.firecracker.ApiTypes.BootSource;
import javisor.api.firecracker.ApiTypes.Drive;
import javisor.api.firecracker.ApiTypes.EntropyDevice;
import javisor.api.firecracker.ApiTypes.MachineConfiguration;
import javisor.api.firecracker.ApiTypes.NetworkInterface;
import javisor.api.firecracker.ApiTypes.RateLimiter;
import javisor.api.firecracker.ApiTypes.SerialDevice;
import javisor.api.firecracker.ApiTypes.TokenBucket;
import javisor.api.firecracker.ApiTypes.Vsock;
import javisor.sys.net.Tap;
import javisor.vm.config.ConfigException;
import javisor.vm.config.EmulatedDeviceConfig;
import javisor.vm.config.EmulatedDeviceType;
import javisor.vm.config.MacAddress;
import javisor.vm.config.HugePages;
import javisor.vm.config.VmConfig;
import javisor.vm.platform.PlatformLayout;

/**
 * What a Firecracker client configures before InstanceStart (Firecracker's {@code VmResources}): the boot source,
 * the machine, drives, network interfaces, vsock, entropy and serial. Each setter checks its request at once, as
 * Firecracker does, so that a bad one is answered by its own 400 rather than by InstanceStart's; {@link #toVmConfig}
 * makes the Javisor config they describe. Not thread-safe: {@link FirecrackerInstance} serialises the calls.
 */
final class VmResources {
    /** Firecracker's kernel command line when boot_args is not given. */
    static final String DEFAULT_BOOT_ARGS =
            "reboot=k panic=1 nomodule 8250.nr_uarts=0 i8042.noaux i8042.nomux i8042.dumbkbd swiotlb=noforce";
    /** Firecracker's ids: resource names in URLs. */
    private static final Pattern ID = Pattern.compile("[A-Za-z0-9_]{1,64}");
    private static final int VIRTIO_SLOTS = PlatformLayout.IOAPIC_PINS - PlatformLayout.VIRTIO_FIRST_GSI;

    private BootSource bootSource;
    private MachineConfiguration machine = new MachineConfiguration(1, 128, false, false, null, "None");
    private final Map<String, Drive> drives = new LinkedHashMap<>();
    private final Map<String, NetworkInterface> nets = new LinkedHashMap<>();
    private Vsock vsock;
    private EntropyDevice entropy;
    private SerialDevice serial;

    BootSource bootSource() {
        return bootSource;
    }

    MachineConfiguration machine() {
        return machine;
    }

    List<Drive> drives() {
        return List.copyOf(drives.values());
    }

    List<NetworkInterface> networkInterfaces() {
        return List.copyOf(nets.values());
    }

    Vsock vsock() {
        return vsock;
    }

    EntropyDevice entropy() {
        return entropy;
    }

    /** Where the guest's serial output goes: a file, or empty for standard output. */
    Optional<Path> serialOut() {
        return Optional.ofNullable(serial).map(SerialDevice::serialOutPath).map(Path::of);
    }

    void setBootSource(BootSource b) {
        requireFile(b.kernelImagePath(), "kernel_image_path", "the kernel image");
        if (b.initrdPath() != null) {
            requireFile(b.initrdPath(), "initrd_path", "the initrd");
        }
        if (b.bootArgs() != null && b.bootArgs().indexOf('\0') >= 0) {
            throw new BadRequest("Invalid boot source: boot_args holds a NUL character.");
        }
        bootSource = b;
    }

    void setMachine(MachineConfiguration m) {
        MachineConfiguration complete = new MachineConfiguration(m.vcpuCount(), m.memSizeMib(),
                m.smt() == null ? false : m.smt(), m.trackDirtyPages() == null ? false : m.trackDirtyPages(),
                m.cpuTemplate(), m.hugePages() == null ? "None" : m.hugePages());
        if (Boolean.TRUE.equals(complete.smt())) {
            throw cannot("smt = true", "Javisor gives each vCPU a core of its own (no SMT siblings)");
        }
        if (Boolean.TRUE.equals(complete.trackDirtyPages())) {
            throw cannot("track_dirty_pages = true", "Javisor has no snapshots yet, so nothing reads dirty pages");
        }
        if (complete.cpuTemplate() != null && !complete.cpuTemplate().equals("None")) {
            throw cannot("cpu_template " + complete.cpuTemplate(), "Javisor's CPU models are named in its own "
                    + "config ([base] cpu_template), not Firecracker's static templates");
        }
        if (complete.hugePages().equals("2M") && complete.memSizeMib() % 2 != 0) {
            throw new BadRequest("Invalid machine configuration: with huge_pages 2M, mem_size_mib must be a multiple"
                    + " of 2, got " + complete.memSizeMib() + ".");
        }
        if (complete.memSizeMib() < 2) {
            throw new BadRequest("Invalid machine configuration: mem_size_mib must be 2 or more (the kernel loads at "
                    + "1 MiB), got " + complete.memSizeMib() + ".");
        }
        machine = complete;
    }

    void putDrive(String pathId, Drive d) {
        checkId(pathId, d.driveId());
        if (d.socket() != null) {
            throw cannot("drive " + d.driveId() + ": socket", "Javisor has no vhost-user-block backend");
        }
        if (d.pathOnHost() == null) {
            throw new BadRequest("Unable to create the block device: missing field `path_on_host`.");
        }
        if (d.rateLimiter() != null && d.rateLimiter().limits()) {
            throw cannot("drive " + d.driveId() + ": rate_limiter", "Javisor's virtio-blk has no rate limiter");
        }
        if ("Async".equals(d.ioEngine())) {
            throw cannot("drive " + d.driveId() + ": io_engine Async", "Javisor's virtio-blk does synchronous I/O "
                    + "on its own thread");
        }
        requireFile(d.pathOnHost(), "path_on_host", "the drive's backing file");
        if (d.isRootDevice()) {
            drives.values().stream().filter(o -> o.isRootDevice() && !o.driveId().equals(d.driveId())).findFirst()
                    .ifPresent(o -> {
                        throw new BadRequest("A root block device already exists: " + o.driveId() + ".");
                    });
        }
        checkSlotFor(drives.containsKey(d.driveId()));
        drives.put(d.driveId(), d);
    }

    void putNetworkInterface(String pathId, NetworkInterface n) {
        checkId(pathId, n.ifaceId());
        if (!Tap.validName(n.hostDevName())) {
            throw new BadRequest("Invalid network interface: host_dev_name \"" + n.hostDevName() + "\" is not an "
                    + "interface name (1 to 15 printable characters, no '/', ':' or spaces).");
        }
        if (n.guestMac() != null) {
            try {
                MacAddress.parse(n.guestMac());
            } catch (IllegalArgumentException e) {
                throw new BadRequest("Invalid network interface: guest_mac: " + e.getMessage() + ".");
            }
        }
        if (n.mtu() != null) {
            throw cannot("network interface " + n.ifaceId() + ": mtu", "Javisor's virtio-net does not offer "
                    + "VIRTIO_NET_F_MTU");
        }
        if (limits(n.rxRateLimiter()) || limits(n.txRateLimiter())) {
            throw cannot("network interface " + n.ifaceId() + ": rate limiters", "Javisor's virtio-net has none");
        }
        for (NetworkInterface other : nets.values()) {
            if (other.ifaceId().equals(n.ifaceId())) {
                continue;
            }
            if (other.hostDevName().equals(n.hostDevName())) {
                throw new BadRequest("The host device name " + n.hostDevName() + " is already in use by network "
                        + "interface " + other.ifaceId() + ".");
            }
            if (n.guestMac() != null && n.guestMac().equalsIgnoreCase(String.valueOf(other.guestMac()))) {
                throw new BadRequest("The guest MAC address " + n.guestMac() + " is already in use by network "
                        + "interface " + other.ifaceId() + ".");
            }
        }
        checkSlotFor(nets.containsKey(n.ifaceId()));
        nets.put(n.ifaceId(), n);
    }

    void setVsock(Vsock v) {
        if (v.guestCid() < EmulatedDeviceConfig.MIN_GUEST_CID || v.guestCid() > EmulatedDeviceConfig.MAX_GUEST_CID) {
            throw new BadRequest("Invalid vsock: guest_cid must be " + EmulatedDeviceConfig.MIN_GUEST_CID + " to "
                    + EmulatedDeviceConfig.MAX_GUEST_CID + " (0-2 are the hypervisor's and the host's), got "
                    + v.guestCid() + ".");
        }
        if (v.udsPath().isEmpty()) {
            throw new BadRequest("Invalid vsock: uds_path is empty.");
        }
        checkSlotFor(vsock != null);
        vsock = v;
    }

    void setEntropy(EntropyDevice e) {
        RateLimiter r = e.rateLimiter();
        if (r != null && r.ops() != null) {
            throw cannot("entropy: an ops rate limiter", "Javisor's virtio-rng limits bytes a second only");
        }
        checkSlotFor(entropy != null);
        entropy = e;
    }

    void setSerial(SerialDevice s) {
        if (s.rateLimiter() != null) {
            throw cannot("serial: rate_limiter", "Javisor's serial port has no rate limiter");
        }
        if (s.serialOutPath() != null && s.serialOutPath().isEmpty()) {
            throw new BadRequest("Invalid serial device: serial_out_path is empty.");
        }
        serial = s;
    }

    /**
     * The Javisor config of these resources: the kernel with Firecracker's command line (boot_args, or the
     * default, and {@code root=} for the root drive), the root drive first (so it is /dev/vda), then the other
     * drives, the network interfaces, vsock and entropy in the order they were configured.
     */
    VmConfig toVmConfig() {
        if (bootSource == null) {
            throw new BadRequest("Cannot start microvm without kernel configuration.");
        }
        List<Drive> ordered = new ArrayList<>();
        drives.values().stream().filter(Drive::isRootDevice).forEach(ordered::add);
        drives.values().stream().filter(d -> !d.isRootDevice()).forEach(ordered::add);
        String cmdline = bootSource.bootArgs() != null ? bootSource.bootArgs() : DEFAULT_BOOT_ARGS;
        for (Drive d : ordered) {
            if (d.isRootDevice()) {
                String root = d.partuuid() != null ? "PARTUUID=" + d.partuuid() : "/dev/vda";
                cmdline = cmdline + " root=" + root + (d.readOnly() ? " ro" : " rw");
            }
        }
        try {
            VmConfig c = VmConfig.forKernel(Path.of(bootSource.kernelImagePath()),
                    Optional.ofNullable(bootSource.initrdPath()).map(Path::of), Optional.of(cmdline),
                    machine.vcpuCount(), machine.memSizeMib()).withHugePages(switch (machine.hugePages()) {
                        case "2M" -> HugePages.HUGETLB_2M;
                        case "Transparent" -> HugePages.TRANSPARENT;
                        default -> HugePages.NONE;
                    });
            for (Drive d : ordered) {
                c = c.withVirtioDevice("drive " + d.driveId(), d.driveId(), EmulatedDeviceType.VIRTIO_BLK, List.of(),
                        Optional.of(Path.of(d.pathOnHost())), d.readOnly(), Optional.empty(), Optional.empty(),
                        OptionalLong.empty());
            }
            for (NetworkInterface n : nets.values()) {
                c = c.withVirtioDevice("network interface " + n.ifaceId(), n.ifaceId(), EmulatedDeviceType.VIRTIO_NET,
                        List.of(), Optional.empty(), false, Optional.of(n.hostDevName()),
                        Optional.ofNullable(n.guestMac()).map(MacAddress::parse), OptionalLong.empty());
            }
            if (vsock != null) {
                c = c.withVirtioDevice("vsock", "vsock", EmulatedDeviceType.VIRTIO_VSOCK, List.of(),
                        Optional.of(Path.of(vsock.udsPath())), false, Optional.empty(), Optional.empty(),
                        OptionalLong.of(vsock.guestCid()));
            }
            if (entropy != null) {
                List<Long> rate = bytesPerSecond(entropy.rateLimiter()).stream().boxed().toList();
                c = c.withVirtioDevice("entropy", "entropy", EmulatedDeviceType.VIRTIO_RNG, rate, Optional.empty(),
                        false, Optional.empty(), Optional.empty(), OptionalLong.empty());
            }
            return c;
        } catch (ConfigException e) {
            throw new BadRequest("Cannot create the microVM: " + e.getMessage() + ".");
        }
    }

    /** A bandwidth bucket as a steady rate: {@code size} bytes each {@code refill_time} ms. */
    private static OptionalLong bytesPerSecond(RateLimiter r) {
        if (r == null || r.bandwidth() == null) {
            return OptionalLong.empty();
        }
        TokenBucket b = r.bandwidth();
        if (b.size() == 0 || b.refillTime() == 0) {
            return OptionalLong.empty(); // Firecracker: a bucket of size or refill time 0 limits nothing
        }
        long perSecond;
        try {
            perSecond = Math.multiplyExact(b.size(), 1000L) / b.refillTime();
        } catch (ArithmeticException e) {
            perSecond = Long.MAX_VALUE;
        }
        return OptionalLong.of(Math.max(1, perSecond));
    }

    private static boolean limits(RateLimiter r) {
        return r != null && r.limits();
    }

    private void checkSlotFor(boolean replacing) {
        int used = drives.size() + nets.size() + (vsock != null ? 1 : 0) + (entropy != null ? 1 : 0);
        if (!replacing && used >= VIRTIO_SLOTS) {
            throw new BadRequest("Cannot add another device: Javisor's microVM has " + VIRTIO_SLOTS
                    + " virtio-mmio slots and all are taken.");
        }
    }

    private static void checkId(String pathId, String bodyId) {
        if (!ID.matcher(pathId).matches()) {
            throw new BadRequest("Invalid ID \"" + pathId + "\": an ID is 1 to 64 letters, digits or underscores.");
        }
        if (!pathId.equals(bodyId)) {
            throw new BadRequest("The id from the path does not match the id from the body!");
        }
    }

    private static void requireFile(String path, String field, String what) {
        if (path.isEmpty()) {
            throw new BadRequest("Invalid " + field + ": the path is empty.");
        }
        Path p = Path.of(path);
        if (!Files.isRegularFile(p) || !Files.isReadable(p)) {
            throw new BadRequest("Invalid " + field + ": cannot read " + what + " " + path
                    + (Files.exists(p) ? " (not a readable file)" : " (no such file)") + ".");
        }
    }

    private static BadRequest cannot(String what, String why) {
        return new BadRequest("Javisor cannot honour " + what + ": " + why + ".");
    }
}
