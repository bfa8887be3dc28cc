package javisor.vm;

import java.time.Duration;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;

import javisor.devices.IoPortBus;
import javisor.devices.MmioBus;
import javisor.devices.Serial16550;
import javisor.devices.StopRequest;
import javisor.memory.GuestMemory;
import javisor.sys.Logs;
import javisor.sys.kvm.CpuidEntry;
import javisor.sys.kvm.KvmConstants;
import javisor.sys.kvm.VmFd;
import javisor.vcpu.ExitCounters;
import javisor.vcpu.VCpu;
import javisor.vcpu.VCpuExit;
import javisor.vm.hypercall.HypercallDispatcher;
import javisor.vm.loader.BootSpec;

/**
 * One virtual machine: its KVM handle, guest memory, buses and vCPUs, and its lifecycle. Built by
 * {@link VmBuilder}; the hypervisor runs each vCPU on its own thread with {@link #createVcpu} and a loop over
 * {@link VCpu#run()} and {@link #handleExit}.
 */
public final class Vm implements AutoCloseable {
    private static final System.Logger LOG = Logs.get("javisor.vm");
    /** The in-kernel IOAPIC's 24 inputs (the PIC's 16 share the first ones). */
    public static final int IRQ_LINES = 24;
    private static final long MSI_ADDRESS_BASE = 0xfee0_0000L;

    private final long id;
    private final String name;
    private final int cpuCount;
    private final VmFd vmFd;
    private final GuestMemory memory;
    private final IoPortBus ioPorts;
    private final MmioBus mmio;
    private final BootSpec boot;
    private final List<CpuidEntry> supportedCpuid;
    private final List<VCpu> vcpus = new CopyOnWriteArrayList<>();
    private final List<AutoCloseable> resources;

    private final Serial16550 console;
    private final boolean[] irqLevels = new boolean[IRQ_LINES];
    private final HypercallDispatcher hypercalls;
    private final VcpuControl vcpuControl;
    private final java.util.Optional<IvcWindow> ivcWindow;
    private final java.util.BitSet usedSlots = new java.util.BitSet();
    private int notifyEventFd = -1; // guarded by irqLevels

    private VmState state = VmState.LOADING;
    private volatile StopReason stopReason;
    private volatile boolean suspendRequested;
    private int runningVcpus;
    private int parkedVcpus;
    private long startedNanos;
    private long stoppedNanos;
    private java.util.concurrent.CountDownLatch vcpusCreated = new java.util.concurrent.CountDownLatch(0);
    private java.util.function.Consumer<Vm> onStopped = vm -> { };

    Vm(long id, String name, int cpuCount, VmFd vmFd, GuestMemory memory, IoPortBus ioPorts, MmioBus mmio,
       BootSpec boot, List<CpuidEntry> supportedCpuid, Serial16550 console, HypercallDispatcher hypercalls,
       java.util.Optional<IvcWindow> ivcWindow, List<AutoCloseable> resources) {
        this.id = id;
        this.name = name;
        this.cpuCount = cpuCount;
        this.vmFd = vmFd;
        this.memory = memory;
        this.ioPorts = ioPorts;
        this.mmio = mmio;
        this.boot = boot;
        this.supportedCpuid = supportedCpuid;
        this.console = console;
        this.hypercalls = hypercalls;
        this.ivcWindow = ivcWindow;
        this.vcpuControl = new VcpuControl(this, cpuCount);
        this.resources = resources;
        usedSlots.set(0, memory.regions().size());
    }

    public long id() {
        return id;
    }

    public String name() {
        return name;
    }

    public int cpuCount() {
        return cpuCount;
    }

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

    /** Nanoseconds the VM ran: from {@link #start()} to now, or to its stop; 0 before it started. */
    public synchronized long uptimeNanos() {
        if (startedNanos == 0) {
            return 0;
        }
        return (state == VmState.STOPPED && stoppedNanos != 0 ? stoppedNanos : System.nanoTime()) - startedNanos;
    }

    /** Exits by kind, summed over the vCPUs. */
    public java.util.Map<ExitCounters.Kind, Long> exitCounts() {
        java.util.Map<ExitCounters.Kind, Long> sum = new java.util.EnumMap<>(ExitCounters.Kind.class);
        for (VCpu v : vcpus) {
            v.counters().snapshot().forEach((k, n) -> sum.merge(k, n, Long::sum));
        }
        return sum;
    }

    public List<VCpu> vcpus() {
        return List.copyOf(vcpus);
    }

    public synchronized VmState state() {
        return state;
    }

    /** Why the VM stopped, or null while it has not. */
    public synchronized StopReason stopReason() {
        return stopReason;
    }

    /** Moves to {@code target}; throws {@link IllegalStateException} naming the current state if illegal. */
    public synchronized void transition(VmState target) {
        if (!state.canMoveTo(target)) {
            throw new IllegalStateException(describe() + " is " + state + " and cannot become " + target);
        }
        state = target;
        notifyAll();
    }

    /**
     * Marks the VM RUNNING before its vCPU threads start; each of them must call {@link #vcpuExited} when its
     * loop ends, whether or not its vCPU could be created.
     */
    public synchronized void start() {
        transition(VmState.RUNNING);
        runningVcpus = cpuCount;
        startedNanos = System.nanoTime();
        vcpusCreated = new java.util.concurrent.CountDownLatch(cpuCount);
    }

    /** Each vCPU thread reports here once its vCPU exists in KVM (or could not be created). */
    public void vcpuCreated() {
        vcpusCreatedLatch().countDown();
    }

    /**
     * Waits until every vCPU of the VM exists in KVM. The boot vCPU calls it before its first instruction: an
     * INIT/SIPI sent to a vCPU KVM does not have yet would be lost, and the AP would never start.
     */
    public void awaitAllVcpusCreated() throws InterruptedException {
        vcpusCreatedLatch().await(10, java.util.concurrent.TimeUnit.SECONDS);
    }

    private synchronized java.util.concurrent.CountDownLatch vcpusCreatedLatch() {
        return vcpusCreated;
    }

    /** Sets the level of interrupt line {@code gsi}; only changes reach KVM. */
    public void setIrqLevel(int gsi, boolean asserted) {
        if (gsi < 0 || gsi >= IRQ_LINES) {
            throw new IllegalArgumentException("interrupt line " + gsi + " does not exist (0.." + (IRQ_LINES - 1) + ")");
        }
        synchronized (irqLevels) {
            if (irqLevels[gsi] != asserted) {
                irqLevels[gsi] = asserted;
                vmFd.irqLine(gsi, asserted);
            }
        }
    }

    /**
     * Sends {@code vector} to vCPU {@code vcpuId}'s local APIC as a fixed-delivery MSI (the APIC id is the vCPU
     * id); false if there is no such vCPU or the LAPIC did not take it.
     */
    public boolean injectInterrupt(int vcpuId, int vector) {
        if (vcpuId < 0 || vcpuId >= cpuCount || vector < 32 || vector > 255) {
            return false;
        }
        return vmFd.signalMsi(MSI_ADDRESS_BASE | ((long) vcpuId << 12), vector);
    }

    /**
     * Suspends a RUNNING VM: every vCPU is kicked out of the guest and parks until {@link #resume()}. Returns once
     * every running vCPU has parked, or after {@code timeout}; false on timeout.
     */
    public boolean suspend(Duration timeout) throws InterruptedException {
        List<VCpu> toKick;
        synchronized (this) {
            if (state != VmState.RUNNING) {
                throw new IllegalStateException(describe() + " is " + state + "; only a RUNNING VM can be suspended");
            }
            state = VmState.SUSPENDED;
            suspendRequested = true;
            toKick = List.copyOf(vcpus);
        }
        for (VCpu v : toKick) {
            v.kick();
        }
        synchronized (this) {
            long deadline = System.nanoTime() + timeout.toNanos();
            while (suspendRequested && parkedVcpus < runningVcpus) {
                long left = deadline - System.nanoTime();
                if (left <= 0) {
                    return false;
                }
                wait(Math.max(1, left / 1_000_000));
            }
            return true;
        }
    }

    /** Resumes a SUSPENDED VM. */
    public synchronized void resume() {
        if (state != VmState.SUSPENDED) {
            throw new IllegalStateException(describe() + " is " + state + "; only a SUSPENDED VM can be resumed");
        }
        state = VmState.RUNNING;
        suspendRequested = false;
        notifyAll();
    }

    /** True while a suspend is in force: the vCPU loop checks it after every exit (a volatile read). */
    public boolean suspendRequested() {
        return suspendRequested;
    }

    /** Called by a vCPU thread that saw {@link #suspendRequested()}: waits until resumed or stopped. */
    public synchronized void parkWhileSuspended() throws InterruptedException {
        parkedVcpus++;
        notifyAll();
        try {
            while (suspendRequested && stopReason == null) {
                wait();
            }
        } finally {
            parkedVcpus--;
        }
    }

    /** The caller's side of the CpuUp hypercall; returns its result or throws a hypercall failure. */
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

    void kickVcpu(int id) {
        for (VCpu v : vcpus) {
            if (v.id() == id) {
                v.kick();
            }
        }
    }

    /** This VM's IVC window, if its config has one. */
    public java.util.Optional<IvcWindow> ivcWindow() {
        return ivcWindow;
    }

    /**
     * Maps {@code backing} into guest-physical space at {@code address} as a new KVM memory slot (an IVC channel);
     * returns the slot for {@link #unmapShared}.
     */
    public int mapShared(long address, javisor.sys.HostMapping backing) {
        synchronized (usedSlots) {
            int slot = usedSlots.nextClearBit(0);
            vmFd.setUserMemoryRegion(slot, 0, address, backing.size(), backing.hostAddress());
            usedSlots.set(slot);
            return slot;
        }
    }

    /** Removes a slot {@link #mapShared} added. */
    public void unmapShared(int slot, long address) {
        synchronized (usedSlots) {
            if (usedSlots.get(slot)) {
                vmFd.setUserMemoryRegion(slot, 0, address, 0, 0);
                usedSlots.clear(slot);
            }
        }
    }

    /**
     * Raises this VM's IVC notification interrupt through an irqfd (created on first use); false if the VM's
     * config gives no interrupt line for it.
     */
    public boolean notifyIvc() {
        if (ivcWindow.isEmpty() || ivcWindow.get().irq() < 0 || ivcWindow.get().irq() >= IRQ_LINES) {
            return false;
        }
        int fd;
        synchronized (irqLevels) {
            if (notifyEventFd < 0) {
                int efd = javisor.sys.LibC.eventfd(0, javisor.sys.LibC.EFD_CLOEXEC);
                vmFd.irqfd(efd, ivcWindow.get().irq(), false);
                notifyEventFd = efd;
            }
            fd = notifyEventFd;
        }
        javisor.sys.LibC.eventfdWrite(fd, 1);
        return true;
    }

    /** "VM id (name)", for messages. */
    public String describe() {
        return "VM " + id + " (" + name + ")";
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
                vcpu.boot(boot.mode(), boot.entry(), boot.registers());
            }
            vcpu.attachToCurrentThread();
        } catch (RuntimeException e) {
            vcpu.close();
            throw e;
        }
        synchronized (this) {
            vcpus.add(vcpu);
        }
        return vcpu;
    }

    /** Handles one exit of {@code vcpu}: device accesses go to the buses; failures stop the VM. */
    public ExitAction handleExit(VCpu vcpu, VCpuExit exit) {
        return switch (exit) {
            case VCpuExit.IoIn(int port, int size, int count) -> {
                long[] values = new long[count];
                for (int i = 0; i < count; i++) {
                    values[i] = ioPorts.read(port, size);
                }
                vcpu.completeIoIn(values);
                yield ExitAction.CONTINUE;
            }
            case VCpuExit.IoOut(int port, int size, long[] values) -> {
                for (long v : values) {
                    ioPorts.write(port, size, v);
                }
                yield ExitAction.CONTINUE;
            }
            case VCpuExit.MmioRead(long address, int size) -> {
                vcpu.completeMmioRead(mmio.read(address, size));
                yield ExitAction.CONTINUE;
            }
            case VCpuExit.MmioWrite(long address, int size, long value) -> {
                mmio.write(address, size, value);
                yield ExitAction.CONTINUE;
            }
            case VCpuExit.Hypercall(long nr, long[] args) -> switch (hypercalls.dispatch(this, vcpu.id(), nr, args)) {
                case HypercallDispatcher.Outcome.Result(long value) -> {
                    vcpu.completeHypercall(value);
                    yield ExitAction.CONTINUE;
                }
                case HypercallDispatcher.Outcome.Stop(StopReason reason) -> new ExitAction.Stop(reason);
                case HypercallDispatcher.Outcome.CpuDown d -> {
                    vcpuControl.markDown(vcpu.id());
                    yield new ExitAction.ParkVcpu();
                }
            };
            // HLT is handled by the in-kernel LAPIC; an exit here only means "re-enter".
            case VCpuExit.Halt h -> ExitAction.CONTINUE;
            case VCpuExit.Interrupted i -> ExitAction.CONTINUE;
            case VCpuExit.SystemEvent(int type) -> new ExitAction.Stop(switch (type) {
                case KvmConstants.SYSTEM_EVENT_SHUTDOWN -> new StopReason.PowerOff();
                case KvmConstants.SYSTEM_EVENT_RESET -> new StopReason.Reset();
                default -> new StopReason.GuestFailure("vCPU " + vcpu.id() + ": system event " + type
                        + " (crash)", "KVM system event " + type);
            });
            case VCpuExit.Unknown(int reason) -> new ExitAction.Stop(new StopReason.GuestFailure(
                    "vCPU " + vcpu.id() + ": unhandled KVM exit reason " + reason, "exit reason " + reason));
            case VCpuExit.Shutdown s -> new ExitAction.Stop(GuestFailureReport.of(vcpu.id(), exit));
            case VCpuExit.EmulationFailure f -> new ExitAction.Stop(GuestFailureReport.of(vcpu.id(), exit));
            case VCpuExit.InternalError f -> new ExitAction.Stop(GuestFailureReport.of(vcpu.id(), exit));
            case VCpuExit.FailEntry f -> new ExitAction.Stop(GuestFailureReport.of(vcpu.id(), exit));
        };
    }

    /** A device's stop request, as the VM's {@link javisor.devices.VmControl}. */
    void onDeviceStop(StopRequest request) {
        requestStop(switch (request) {
            case StopRequest.DebugExit(long code) -> new StopReason.DebugExit(code);
            case StopRequest.PowerOff p -> new StopReason.PowerOff();
            case StopRequest.Reset r -> new StopReason.Reset();
        });
    }

    /**
     * Asks the VM to stop for {@code reason}: the first reason is kept, the state becomes STOPPING and every
     * vCPU is kicked out of the guest. Idempotent; a VM that never ran stops at once.
     */
    public void requestStop(StopReason reason) {
        List<VCpu> toKick;
        synchronized (this) {
            if (stopReason == null) {
                stopReason = reason;
                LOG.log(System.Logger.Level.DEBUG, "VM {0} stopping: {1}", id, reason.describe());
            }
            suspendRequested = false;
            switch (state) {
                case RUNNING, SUSPENDED -> state = runningVcpus == 0 ? VmState.STOPPED : VmState.STOPPING;
                case LOADING, LOADED -> state = VmState.STOPPED;
                default -> {
                }
            }
            notifyAll();
            toKick = List.copyOf(vcpus);
        }
        vcpuControl.wakeAll();
        for (VCpu v : toKick) {
            v.kick();
        }
    }

    /** True once a stop was requested: the vCPU loop checks it after every exit (a volatile read). */
    public boolean stopRequested() {
        return stopReason != null;
    }

    /** Called by each vCPU thread as it leaves its loop; the last one completes the stop. */
    public synchronized void vcpuExited() {
        runningVcpus--;
        if (runningVcpus <= 0 && (state == VmState.STOPPING || stopReason != null)) {
            state = VmState.STOPPED;
            stoppedNanos = System.nanoTime();
            onStopped.accept(this); // before anyone waiting for STOPPED wakes up
        }
        notifyAll();
    }

    /**
     * Runs {@code listener} once the VM has stopped, on the last vCPU thread and under the VM's lock, before
     * waiters see STOPPED (the hypervisor reboots on reset); it must be quick and hand longer work to a thread.
     */
    public synchronized void onStopped(java.util.function.Consumer<Vm> listener) {
        this.onStopped = listener;
    }

    /** Waits until the VM is STOPPED; returns false on timeout. */
    public synchronized boolean awaitStopped(Duration timeout) throws InterruptedException {
        long deadline = System.nanoTime() + timeout.toNanos();
        while (state != VmState.STOPPED) {
            long left = deadline - System.nanoTime();
            if (left <= 0) {
                return false;
            }
            wait(Math.max(1, left / 1_000_000));
        }
        return true;
    }

    @Override
    public void close() {
        for (VCpu v : vcpus) {
            v.close();
        }
        vcpus.clear();
        synchronized (irqLevels) {
            if (notifyEventFd >= 0) {
                javisor.sys.LibC.close(notifyEventFd);
                notifyEventFd = -1;
            }
        }
        for (AutoCloseable r : resources.reversed()) {
            try {
                r.close();
            } catch (Exception e) {
                LOG.log(System.Logger.Level.WARNING, "VM " + id + ": closing " + r + " failed", e);
            }
        }
        memory.close();
        vmFd.close();
    }
}
