package javisor.vm;

import java.lang.System.Logger.Level;
import java.time.Duration;
import java.util.EnumMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.CopyOnWriteArrayList;

import javisor.devices.IoPortBus;
import javisor.devices.MmioBus;
import javisor.devices.Serial16550;
import javisor.devices.StopRequest;
import javisor.memory.GuestMemory;
import javisor.sys.HostMapping;
import javisor.sys.LibC;
import javisor.sys.Logs;
import javisor.sys.kvm.CpuidEntry;
import javisor.sys.kvm.VmFd;
import javisor.vcpu.ExitCounters;
import javisor.vcpu.VCpu;
import javisor.vcpu.hypercall.HypercallError;
import javisor.virtio.console.VirtioConsole;
import javisor.virtio.mmio.VirtioMmioTransport;
import javisor.vm.hypercall.HypercallCaller;
import javisor.vm.hypercall.HypercallDispatcher;
import javisor.vm.ivc.IvcWindow;
import javisor.vm.loader.BootSpec;
import javisor.vm.platform.PlatformLayout;

/**
 * One virtual machine: its KVM handle, guest memory, buses and vCPUs, and the parts that each do one job: its
 * run state ({@link VmRunState}), its interrupts ({@link VmInterrupts}), its exit handling ({@link ExitHandler})
 * and its paravirtual CPU bring-up. Built by {@link VmBuilder}; the hypervisor runs each vCPU on its own thread
 * with {@link #createVcpu} and a loop over {@link VCpu#run()} and {@link #exits()}.
 */
public final class Vm implements HypercallCaller, AutoCloseable {
    private static final System.Logger LOG = Logs.get("javisor.vm");

    private final long id;
    private final String name;
    private final int cpuCount;
    private final VmFd vmFd;
    private final GuestMemory memory;
    private final IoPortBus ioPorts;
    private final MmioBus mmio;
    private final BootSpec boot;
    private final List<CpuidEntry> supportedCpuid;
    private final Serial16550 console;
    private final VmInterrupts interrupts;
    private final Optional<IvcWindow> ivcWindow;
    private final MemorySlots slots;
    private final List<VirtioMmioTransport> virtio;
    private final List<VirtioConsole> consolePorts;
    private final List<AutoCloseable> resources;
    private final VmRunState runState;
    private final VcpuControl vcpuControl;
    private final ExitHandler exits;
    private final List<VCpu> vcpus = new CopyOnWriteArrayList<>();
    private int notifyEventFd = -1; // guarded by slots

    /** The parts a VM is made of; {@link VmBuilder} makes them. */
    record Parts(long id, String name, int cpuCount, VmFd vmFd, GuestMemory memory, IoPortBus ioPorts, MmioBus mmio,
                 BootSpec boot, List<CpuidEntry> supportedCpuid, Serial16550 console, VmInterrupts interrupts,
                 HypercallDispatcher hypercalls, Optional<IvcWindow> ivcWindow, MemorySlots slots,
                 List<VirtioMmioTransport> virtio, List<VirtioConsole> consolePorts, List<AutoCloseable> resources) {
    }

    Vm(Parts p) {
        this.id = p.id();
        this.name = p.name();
        this.cpuCount = p.cpuCount();
        this.vmFd = p.vmFd();
        this.memory = p.memory();
        this.ioPorts = p.ioPorts();
        this.mmio = p.mmio();
        this.boot = p.boot();
        this.supportedCpuid = p.supportedCpuid();
        this.console = p.console();
        this.interrupts = p.interrupts();
        this.ivcWindow = p.ivcWindow();
        this.slots = p.slots();
        this.virtio = List.copyOf(p.virtio());
        this.consolePorts = List.copyOf(p.consolePorts());
        this.resources = p.resources();
        this.runState = new VmRunState(describe(), cpuCount);
        this.vcpuControl = new VcpuControl(describe(), cpuCount, boot, runState, this::kickVcpu);
        this.exits = new ExitHandler(ioPorts, mmio, p.hypercalls(), this, vcpuControl::markDown);
    }

    @Override
    public long id() {
        return id;
    }

    public String name() {
        return name;
    }

    public int cpuCount() {
        return cpuCount;
    }

    @Override
    public GuestMemory memory() {
        return memory;
    }

    public IoPortBus ioPorts() {
        return ioPorts;
    }

    public MmioBus mmio() {
        return mmio;
    }

    public BootSpec boot() {
        return boot;
    }

    /** The serial console (COM1): its output goes where the VM's console goes, its input comes from here. */
    public Serial16550 console() {
        return console;
    }

    /** The VM's place in its lifecycle, why it stopped, and its vCPU threads' coming and going. */
    public VmRunState runState() {
        return runState;
    }

    public VmState state() {
        return runState.state();
    }

    /** Why the VM stopped, or null while it has not. */
    public StopReason stopReason() {
        return runState.stopReason();
    }

    public VmInterrupts interrupts() {
        return interrupts;
    }

    /**
     * The virtio console ports whose output is the VM's console (no file of their own): keyboard input to the VM
     * console reaches them as it reaches COM1, so a guest may run its shell on either.
     */
    public List<VirtioConsole> consolePorts() {
        return consolePorts;
    }

    /** The virtio devices, each behind its transport (for {@code vm show}: state and counters). */
    public List<VirtioMmioTransport> virtioDevices() {
        return virtio;
    }

    /** What the vCPU loop hands each exit to. */
    public ExitHandler exits() {
        return exits;
    }

    /** Exits by kind, summed over the vCPUs. */
    public Map<ExitCounters.Kind, Long> exitCounts() {
        Map<ExitCounters.Kind, Long> sum = new EnumMap<>(ExitCounters.Kind.class);
        for (VCpu v : vcpus) {
            v.counters().snapshot().forEach((k, n) -> sum.merge(k, n, Long::sum));
        }
        return sum;
    }

    /** Exits of every kind and vCPU, in all: read without stopping anything, for rates. */
    public long exitTotal() {
        long total = 0;
        for (VCpu v : vcpus) {
            total += v.counters().total();
        }
        return total;
    }

    public List<VCpu> vcpus() {
        return List.copyOf(vcpus);
    }

    /** "VM id (name)", for messages. */
    @Override
    public String describe() {
        return "VM " + id + " (" + name + ")";
    }

    /**
     * Asks the VM to stop for {@code reason} (the first reason is kept) and kicks every vCPU out of the guest.
     * Idempotent; a VM that never ran stops at once.
     */
    public void requestStop(StopReason reason) {
        boolean first = runState.stopReason() == null;
        if (runState.requestStop(reason)) {
            if (first) {
                LOG.log(Level.DEBUG, "{0} stopping: {1}", describe(), reason.describe());
            }
            vcpuControl.wakeAll();
            vcpus.forEach(VCpu::kick);
        }
    }

    /**
     * Suspends a RUNNING VM: every vCPU is kicked out of the guest and parks until {@link #resume()}. Returns once
     * every running vCPU is out of the guest, or after {@code timeout}; false on timeout.
     */
    public boolean suspend(Duration timeout) throws InterruptedException {
        runState.suspend();
        vcpus.forEach(VCpu::kick);
        return runState.awaitParked(timeout);
    }

    /** Resumes a SUSPENDED VM. */
    public void resume() {
        runState.resume();
    }

    /**
     * Presses the ACPI power button: an edge on the Generic Event Device's line, whose method notifies the power
     * button device. A guest OS that handles it (Linux with acpid or systemd-logind) shuts itself down; one that
     * does not never notices.
     */
    public void pressPowerButton() {
        interrupts.setLevel(PlatformLayout.GED_GSI, true);
        interrupts.setLevel(PlatformLayout.GED_GSI, false);
    }

    /** A device's stop request, as the VM's {@link javisor.devices.VmControl}. */
    void onDeviceStop(StopRequest request) {
        requestStop(switch (request) {
            case StopRequest.DebugExit(long code) -> new StopReason.DebugExit(code);
            case StopRequest.PowerOff p -> new StopReason.PowerOff();
            case StopRequest.Reset r -> new StopReason.Reset();
        });
    }

    @Override
    public long cpuUp(int caller, long target, long entry, long arg) {
        return vcpuControl.cpuUp(caller, target, entry, arg);
    }

    /** True when vCPU {@code id}'s thread must call {@link #serveVcpuControl} before running the guest. */
    public boolean vcpuNeedsAttention(int id) {
        return vcpuControl.needsAttention(id);
    }

    /** On vCPU {@code vcpu}'s thread: answers a CpuUp for it, or waits for one while it is down. */
    public void serveVcpuControl(VCpu vcpu) throws InterruptedException {
        vcpuControl.serve(vcpu);
    }

    private void kickVcpu(int vcpuId) {
        for (VCpu v : vcpus) {
            if (v.id() == vcpuId) {
                v.kick();
            }
        }
    }

    @Override
    public Optional<IvcWindow> ivcWindow() {
        return ivcWindow;
    }

    /** Maps {@code backing} at {@code address} as a new KVM memory slot (an IVC channel); ENOSPC without a slot. */
    @Override
    public int mapShared(long address, HostMapping backing) {
        int slot = slots.allocate().orElseThrow(() -> HypercallError.fail(HypercallError.ENOSPC, describe()
                + " has no KVM memory slot left (" + slots.limit() + " in all)"));
        try {
            vmFd.setUserMemoryRegion(slot, 0, address, backing.size(), backing.hostAddress());
        } catch (RuntimeException e) {
            slots.release(slot);
            throw e;
        }
        return slot;
    }

    @Override
    public void unmapShared(int slot, long address) {
        if (slots.isUsed(slot)) {
            vmFd.setUserMemoryRegion(slot, 0, address, 0, 0);
            slots.release(slot);
        }
    }

    /** Raises this VM's IVC notification interrupt through an irqfd (made on first use); false if it has none. */
    @Override
    public boolean notifyIvc() {
        if (ivcWindow.isEmpty() || ivcWindow.get().irq() < 0 || ivcWindow.get().irq() >= VmInterrupts.LINES) {
            return false;
        }
        int fd;
        synchronized (slots) {
            if (notifyEventFd < 0) {
                notifyEventFd = interrupts.irqfd(ivcWindow.get().irq());
            }
            fd = notifyEventFd;
        }
        LibC.eventfdWrite(fd, 1);
        return true;
    }

    /**
     * Creates vCPU {@code vcpuId} on the calling thread, which then owns it and runs it: sets its CPU model and,
     * for the boot vCPU, its entry state. The others wait in KVM for INIT/SIPI from the in-kernel LAPIC.
     */
    public VCpu createVcpu(int vcpuId) {
        VCpu vcpu = new VCpu(vcpuId, vmFd.createVcpu(vcpuId), memory);
        try {
            vcpu.configure(supportedCpuid, cpuCount);
            if (vcpuId == 0) {
                vcpu.boot(boot.mode(), boot.entry(), boot.registers(), boot.tables());
            }
            vcpu.attachToCurrentThread();
        } catch (RuntimeException e) {
            vcpu.close();
            throw e;
        }
        vcpus.add(vcpu);
        return vcpu;
    }

    @Override
    public void close() {
        for (VCpu v : vcpus) {
            v.close();
        }
        vcpus.clear();
        for (AutoCloseable r : resources.reversed()) {
            try {
                r.close();
            } catch (Exception e) {
                LOG.log(Level.WARNING, describe() + ": closing " + r + " failed", e);
            }
        }
        memory.close();
        vmFd.close();
    }
}
