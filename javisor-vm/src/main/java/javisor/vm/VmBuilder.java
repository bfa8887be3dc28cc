package javisor.vm;

import java.io.IOException;
import java.io.OutputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Clock;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.OptionalLong;
import java.util.function.Supplier;

import javisor.devices.AcpiSleepControl;
import javisor.devices.BusRange;
import javisor.devices.CmosRtc;
import javisor.devices.DebugExitPort;
import javisor.devices.I8042;
import javisor.devices.IoPortBus;
import javisor.devices.MmioBus;
import javisor.devices.PowerOffPort;
import javisor.devices.ResetAction;
import javisor.devices.Serial16550;
import javisor.devices.SystemControlPortA;
import javisor.devices.VmControl;
import javisor.memory.GuestAddress;
import javisor.memory.GuestMemory;
import javisor.memory.GuestRegion;
import javisor.memory.MappingKind;
import javisor.sys.HostMapping;
import javisor.sys.LibC;
import javisor.sys.Logs;
import javisor.sys.NativeException;
import javisor.sys.kvm.CpuidEntry;
import javisor.sys.kvm.Kvm;
import javisor.sys.kvm.KvmConstants;
import javisor.sys.kvm.VmFd;
import javisor.sys.kvm.VmFdReserve;
import javisor.vcpu.CpuTemplate;
import javisor.vm.config.I8042Reset;
import javisor.vm.config.KernelConfig;
import javisor.vm.config.MemoryRegionConfig;
import javisor.vm.config.VmConfig;
import javisor.vm.hypercall.HypercallDispatcher;
import javisor.vm.hypercall.HypercallHook;
import javisor.vm.ivc.IvcService;
import javisor.vm.ivc.IvcWindow;
import javisor.vm.loader.BootSpec;
import javisor.vm.loader.ImageException;
import javisor.vm.loader.ImageFormat;
import javisor.vm.loader.ImageLoader;
import javisor.vm.loader.LoadRequest;
import javisor.vm.linux.LinuxBoot;
import javisor.vm.linux.LinuxBootRequest;
import javisor.vm.linux.LinuxEntry;
import javisor.vm.linux.LinuxLoader;
import javisor.vm.platform.E820Map;
import javisor.vm.platform.PlatformLayout;
import javisor.vm.platform.PlatformSpec;
import javisor.vm.platform.VirtioMmioDevice;
import javisor.vm.platform.PlatformTables;

/**
 * Assembles a VM from its config, read top to bottom as a boot script: KVM VM, platform, memory, devices,
 * images. Each step fails with a {@link VmCreateException} that says what was wrong; whatever was built
 * before the failure is released.
 */
public final class VmBuilder {
    private static final System.Logger LOG = Logs.get("javisor.vm");
    /** KVM_SET_TSS_ADDR needs three pages and KVM_SET_IDENTITY_MAP_ADDR one, in guest-physical space that is not RAM. */
    private static final long TSS_AREA_SIZE = 0x4000;
    private static final long PREFERRED_TSS_AREA = 0xfffb_c000L;
    private static final int PIT_SPEAKER_DUMMY = 1;

    private final Kvm kvm;
    private final List<CpuidEntry> supportedCpuid;
    private final HypercallDispatcher hypercalls;
    /** Where each VM's KVM handle comes from: KVM_CREATE_VM when it is built, or a reserve that made it ahead. */
    private volatile Supplier<VmFd> vmFds;

    public VmBuilder(Kvm kvm, List<CpuidEntry> supportedCpuid, IvcService ivc) {
        this.kvm = kvm;
        this.supportedCpuid = List.copyOf(supportedCpuid);
        this.hypercalls = new HypercallDispatcher(ivc);
        this.vmFds = kvm::createVm;
    }

    /** Takes every later VM's KVM handle from {@code reserve}, which makes them ahead of need. */
    public void takeVmsFrom(VmFdReserve reserve) {
        vmFds = reserve::take;
    }

    /** Sends the embedder's hypercall numbers of every VM this builder builds to {@code hook} (null: none). */
    public void hypercallHook(HypercallHook hook) {
        hypercalls.hook(hook);
    }

    /**
     * Builds the VM described by {@code config}, with images from {@code images} and the serial console
     * written to {@code console}. The VM is LOADED on return.
     */
    public Vm build(VmConfig config, ImageResolver images, OutputStream console) {
        String who = "VM " + config.base().id() + " (" + config.base().name() + ")";
        List<AutoCloseable> owned = new ArrayList<>();
        VmFd vmFd = null;
        GuestMemory memory = null;
        try {
            int maxVcpus = kvm.checkExtension(KvmConstants.CAP_MAX_VCPUS);
            if (config.base().cpuNum() > maxVcpus) {
                throw new VmCreateException(who + ": cpu_num " + config.base().cpuNum() + " is more than this host's"
                        + " KVM allows (KVM_CAP_MAX_VCPUS = " + maxVcpus + ")");
            }
            vmFd = vmFds.get();
            GuestMemory mem = memory = createMemory(config, who);
            // Slots before the irqchip: after KVM_CREATE_IRQCHIP each KVM_SET_USER_MEMORY_REGION waits for an
            // SRCU grace period (6-10 ms on this host), before it the same call takes 0.1 ms.
            registerMemorySlots(vmFd, mem);
            MemorySlots slots = new MemorySlots(mem.regions().size(), kvm.checkExtension(KvmConstants.CAP_NR_MEMSLOTS));
            attachPlatform(vmFd, mem, who);
            VmInterrupts interrupts = new VmInterrupts(vmFd, config.base().cpuNum(), enableX2apicIds(vmFd, config));
            owned.add(interrupts);
            IoPortBus ioPorts = new IoPortBus();
            MmioBus mmio = new MmioBus();
            ioPorts.limitUnclaimedLog(config.limits().unclaimedLogLines(), who);
            mmio.limitUnclaimedLog(config.limits().unclaimedLogLines(), who);
            Vm[] self = new Vm[1];
            VmControl control = request -> self[0].onDeviceStop(request);
            attachReadOnlyRegions(mmio, mem);
            Serial16550 com1 = new Serial16550(console, interrupts.line(Serial16550.COM1_IRQ));
            attachLegacyDevices(ioPorts, com1, control);
            attachPcDevices(ioPorts, control, config.devices().i8042Reset(), interrupts, mem);
            List<VirtioAttachment.Attached> virtio = VirtioAttachment.attach(config, who, vmFd, mem, mmio,
                    interrupts, console);
            virtio.forEach(v -> owned.add(v.transport()));
            BootSpec boot = loadImages(config, images, mem, who,
                    virtio.stream().map(VirtioAttachment.Attached::platform).toList());
            Optional<IvcWindow> window = IvcWindow.of(config);
            window.ifPresent(w -> checkIvcWindow(w, mem, who));
            Vm vm = new Vm(new Vm.Parts(config.base().id(), config.base().name(), config.base().cpuNum(), vmFd, mem,
                    ioPorts, mmio, boot, cpuModel(config), com1, interrupts, hypercalls, window, slots,
                    virtio.stream().map(VirtioAttachment.Attached::transport).toList(),
                    VirtioAttachment.consolePorts(virtio), owned));
            self[0] = vm;
            vm.runState().moveTo(VmState.LOADED);
            return vm;
        } catch (RuntimeException e) {
            if (memory != null) {
                memory.close();
            }
            if (vmFd != null) {
                vmFd.close();
            }
            for (AutoCloseable r : owned) {
                closeQuietly(r);
            }
            if (e instanceof VmCreateException) {
                throw e;
            }
            throw new VmCreateException(who + ": " + e.getMessage(), e);
        }
    }

    private static GuestMemory createMemory(VmConfig config, String who) {
        List<GuestRegion> regions = new ArrayList<>();
        try {
            for (MemoryRegionConfig r : config.kernel().memoryRegions()) {
                if (r.flags().device()) {
                    continue; // a DEVICE region gets no RAM: its accesses go to the MMIO bus
                }
                regions.add(new GuestRegion(GuestAddress.of(r.gpa()), r.flags(), r.mapType(),
                        backing(r, config, who)));
            }
            return GuestMemory.of(regions);
        } catch (RuntimeException e) {
            regions.forEach(GuestRegion::close);
            throw e;
        }
    }

    private static HostMapping backing(MemoryRegionConfig r, VmConfig config, String who) {
        if (r.mapType() != MappingKind.MAP_RESERVED) {
            return HostMapping.anonymous(r.size(), switch (config.kernel().hugePages()) {
                case NONE -> HostMapping.PageSize.SMALL;
                case TRANSPARENT -> HostMapping.PageSize.TRANSPARENT;
                case HUGETLB_2M -> HostMapping.PageSize.HUGETLB_2M;
            });
        }
        Path file = config.resolve(r.backing().orElseThrow(() -> new VmCreateException(who
                + ": memory region at 0x" + Long.toHexString(r.gpa()) + " is MapReserved but names no backing")));
        try {
            long size = Files.size(file);
            if (size < r.size()) {
                throw new VmCreateException(who + ": backing " + file + " of the memory region at 0x"
                        + Long.toHexString(r.gpa()) + " has " + size + " bytes, the region needs " + r.size());
            }
        } catch (IOException e) {
            throw new VmCreateException(who + ": cannot use backing " + file + ": " + e, e);
        }
        boolean writable = r.flags().writable();
        int fd = LibC.open(file.toString(), (writable ? LibC.O_RDWR : LibC.O_RDONLY) | LibC.O_CLOEXEC);
        try {
            return HostMapping.sharedFile(fd, 0, r.size(), writable);
        } finally {
            LibC.close(fd); // the mapping keeps the file alive
        }
    }

    private static void attachPlatform(VmFd vmFd, GuestMemory memory, String who) {
        long tssArea = tssArea(memory, who);
        vmFd.setIdentityMapAddr(tssArea);
        vmFd.setTssAddr(tssArea + 0x1000);
        vmFd.createIrqchip();
        vmFd.createPit2(PIT_SPEAKER_DUMMY);
    }

    /** A 16 KiB hole below 4 GiB that is not RAM, preferably the one just under the BIOS area. */
    private static long tssArea(GuestMemory memory, String who) {
        for (long a = PREFERRED_TSS_AREA; a >= 0x10_0000; a -= TSS_AREA_SIZE) {
            if (isHole(memory, a)) {
                return a;
            }
        }
        throw new VmCreateException(who + ": guest RAM leaves no 16 KiB hole below 4 GiB for KVM's TSS");
    }

    private static boolean isHole(GuestMemory memory, long start) {
        for (long p = start; p < start + TSS_AREA_SIZE; p += 0x1000) {
            if (memory.regionAt(GuestAddress.of(p)).isPresent()) {
                return false;
            }
        }
        return true;
    }

    /** The IVC window must be page-aligned and clear of RAM: channels are mapped there as memory slots. */
    private static void checkIvcWindow(IvcWindow w, GuestMemory memory, String who) {
        if (w.base() % IvcWindow.PAGE != 0 || w.length() % IvcWindow.PAGE != 0 || w.length() == 0) {
            throw new VmCreateException(who + ": the IVC window [0x" + Long.toHexString(w.base()) + ", +0x"
                    + Long.toHexString(w.length()) + ") must be a non-empty multiple of 4 KiB at a 4 KiB boundary");
        }
        for (GuestRegion r : memory.regions()) {
            if (Long.compareUnsigned(r.start().value(), w.base() + w.length() - 1) <= 0
                    && Long.compareUnsigned(w.base(), r.last().value()) <= 0) {
                throw new VmCreateException(who + ": the IVC window overlaps memory region " + r);
            }
        }
    }

    private static void registerMemorySlots(VmFd vmFd, GuestMemory memory) {
        int slot = 0;
        for (GuestRegion r : memory.regions()) {
            int flags = r.readOnly() ? KvmConstants.MEM_READONLY : 0;
            try {
                vmFd.setUserMemoryRegion(slot++, flags, r.start().value(), r.size(), r.hostAddress());
            } catch (NativeException e) {
                throw new VmCreateException("KVM refused memory region " + r + ": " + e.getMessage(), e);
            }
        }
    }

    private static void attachReadOnlyRegions(MmioBus mmio, GuestMemory memory) {
        for (GuestRegion r : memory.regions()) {
            if (r.readOnly()) {
                mmio.register(new BusRange(r.start().value(), r.size()), "read-only memory " + r,
                        new ReadOnlyMemoryWrites(r.toString()));
            }
        }
    }

    private static void attachLegacyDevices(IoPortBus ioPorts, Serial16550 com1, VmControl control) {
        ioPorts.register(new BusRange(PlatformLayout.ACPI_SLEEP_PORT, AcpiSleepControl.SIZE),
                "ACPI sleep control and status", new AcpiSleepControl(control));
        ioPorts.register(new BusRange(Serial16550.COM1_PORT, Serial16550.SIZE), "COM1 16550 UART", com1);
        ioPorts.register(new BusRange(DebugExitPort.DEFAULT_PORT, DebugExitPort.SIZE), "debug exit",
                new DebugExitPort(control));
        ioPorts.register(new BusRange(PowerOffPort.DEFAULT_PORT, PowerOffPort.SIZE), "ACPI power off",
                new PowerOffPort(control));
    }

    /**
     * The CPUID the VM's vCPUs start from: KVM's supported set with the config's CPU template applied. A template
     * only clears feature bits, which the per-vCPU normalizer and topology steps neither set nor read, so applying
     * it once here equals applying it after them.
     */
    private List<CpuidEntry> cpuModel(VmConfig config) {
        return CpuTemplate.named(config.base().cpuTemplate()).orElseThrow().apply(supportedCpuid);
    }

    /**
     * With more vCPUs than xAPIC ids reach (0..255), KVM takes 32-bit destination ids in MSIs once asked to
     * (KVM_CAP_X2APIC_API with KVM_X2APIC_API_USE_32BIT_IDS), so that the hypervisor's MSIs reach every vCPU;
     * returns whether it is on.
     */
    private static boolean enableX2apicIds(VmFd vmFd, VmConfig config) {
        if (config.base().cpuNum() <= VmInterrupts.XAPIC_MAX_ID + 1
                || (vmFd.checkExtension(KvmConstants.CAP_X2APIC_API) & KvmConstants.X2APIC_API_USE_32BIT_IDS) == 0) {
            return false;
        }
        vmFd.enableCap(KvmConstants.CAP_X2APIC_API, KvmConstants.X2APIC_API_USE_32BIT_IDS);
        return true;
    }

    /**
     * The keyboard controller (its reset line), System Control Port A (fast A20 and fast reset) and the CMOS RTC,
     * which PC guests and Linux expect. Both reset paths do what the config's {@code i8042_reset} says: a guest
     * resets the machine through either, and should not find the two behaving differently.
     */
    private static void attachPcDevices(IoPortBus ioPorts, VmControl control, I8042Reset reset,
                                        VmInterrupts interrupts, GuestMemory memory) {
        ResetAction onReset = reset == I8042Reset.RESET ? ResetAction.RESET : ResetAction.STOP;
        I8042 i8042 = new I8042(control, onReset, interrupts.line(I8042.KEYBOARD_IRQ),
                interrupts.line(I8042.AUX_IRQ));
        // Two one-byte ranges: the system control port 0x61 between them belongs to someone else.
        ioPorts.register(new BusRange(I8042.DATA_PORT, 1), "i8042 data", i8042.dataPort());
        ioPorts.register(new BusRange(I8042.COMMAND_PORT, 1), "i8042 status/command", i8042.commandPort());
        ioPorts.register(new BusRange(SystemControlPortA.PORT, SystemControlPortA.SIZE), "System Control Port A",
                new SystemControlPortA(control, onReset));
        long below4g = 0;
        long above4g = 0;
        for (GuestRegion r : memory.regions()) {
            if (Long.compareUnsigned(r.start().value(), 1L << 32) < 0) {
                below4g += r.size();
            } else {
                above4g += r.size();
            }
        }
        ioPorts.register(new BusRange(CmosRtc.PORT, CmosRtc.SIZE), "CMOS RTC",
                new CmosRtc(Clock.systemUTC(), below4g, above4g));
    }

    private static BootSpec loadImages(VmConfig config, ImageResolver images, GuestMemory memory, String who,
                                       List<VirtioMmioDevice> virtio) {
        KernelConfig kernel = config.kernel();
        byte[] kernelImage = readImage(images, kernel.kernelPath(), "kernel_path", who);
        if (kernel.biosPath().isPresent()) {
            loadRaw(memory, readImage(images, kernel.biosPath().get(), "bios_path", who),
                    kernel.biosLoadAddr().orElseThrow(), "bios_path", who);
        }
        LoadRequest request = new LoadRequest(ImageFormat.valueOf(kernel.kernelFormat().name()),
                GuestAddress.of(kernel.kernelLoadAddr()),
                GuestAddress.of(kernel.entryPoint()), kernel.cmdline().orElse(""), Optional.empty(),
                Optional.empty());
        if (kernel.ramdiskPath().isPresent()) {
            byte[] ramdisk = readImage(images, kernel.ramdiskPath().get(), "ramdisk_path", who);
            OptionalLong at = kernel.ramdiskLoadAddr();
            request = request.withRamdisk(ramdisk,
                    at.isPresent() ? Optional.of(GuestAddress.of(at.getAsLong())) : Optional.empty());
        }
        try {
            if (isLinux(request.format(), kernelImage)) {
                return loadLinux(new PlatformSpec(config.base().cpuNum(), virtio), request, kernelImage, memory, who);
            }
            return ImageLoader.load(memory, kernelImage, request);
        } catch (ImageException e) {
            throw new VmCreateException(who + ": " + images.describe(kernel.kernelPath()) + ": " + e.getMessage(), e);
        }
    }

    private static boolean isLinux(ImageFormat format, byte[] image) {
        return switch (format) {
            case LINUX, PVH, LINUX64 -> true;
            case AUTO -> !ImageLoader.isMultiboot(image) && LinuxLoader.isLinuxKernel(image);
            case RAW, ELF, MULTIBOOT -> false;
        };
    }

    /**
     * A Linux kernel, with no firmware: the ACPI and MP tables go where a BIOS leaves them (when RAM is there),
     * then the kernel, initrd, command line and zero page or PVH start info, which point at them.
     */
    private static BootSpec loadLinux(PlatformSpec platform, LoadRequest request, byte[] image, GuestMemory memory,
                                      String who) {
        Optional<GuestAddress> rsdp = PlatformTables.fits(memory)
                ? Optional.of(PlatformTables.write(memory, platform).rsdp())
                : Optional.empty();
        LinuxEntry entry = switch (request.format()) {
            case PVH -> LinuxEntry.PVH;
            case LINUX64 -> LinuxEntry.BOOT_PROTOCOL_64;
            default -> LinuxEntry.AUTO;
        };
        LinuxBoot boot = LinuxLoader.load(memory, image, new LinuxBootRequest(request.cmdline(), request.ramdisk(),
                request.ramdiskAddress(), E820Map.forGuest(memory.regions()), rsdp, entry));
        LOG.log(System.Logger.Level.DEBUG, "{0}: {1}", who, boot.describe());
        return boot.bootSpec(request.format() == ImageFormat.AUTO ? ImageFormat.LINUX : request.format());
    }

    /** A raw copy, as AxVisor loads its x86 BIOS. */
    private static void loadRaw(GuestMemory memory, byte[] image, long address, String key, String who) {
        if (!memory.contains(GuestAddress.of(address), image.length)) {
            throw new VmCreateException(who + ": " + key + " (" + image.length + " bytes at 0x"
                    + Long.toHexString(address) + ") does not fit in guest RAM");
        }
        memory.write(GuestAddress.of(address), image);
    }

    private static byte[] readImage(ImageResolver images, Path path, String key, String who) {
        try {
            return images.read(path);
        } catch (IOException e) {
            throw new VmCreateException(who + ": cannot read " + key + " " + images.describe(path) + ": "
                    + e.getMessage(), e);
        }
    }

    private static void closeQuietly(AutoCloseable r) {
        try {
            r.close();
        } catch (Exception ignored) {
            // already failing; the first error is the one reported
        }
    }
}
