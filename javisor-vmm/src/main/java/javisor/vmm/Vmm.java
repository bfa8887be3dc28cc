package javisor.vmm;

import java.io.IOException;
import java.io.OutputStream;
import java.lang.foreign.MemorySegment;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Collection;
import java.util.Deque;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.ConcurrentSkipListMap;

import javisor.sys.LibC;
import javisor.sys.Logs;
import javisor.sys.kvm.CpuidEntry;
import javisor.sys.kvm.Kvm;
import javisor.sys.kvm.KvmConstants;
import javisor.sys.kvm.VmFdReserve;
import javisor.sys.seccomp.ThreadSandbox;
import javisor.vcpu.ExitCounters;
import javisor.vcpu.VCpu;
import javisor.vm.ImageResolver;
import javisor.vm.StopReason;
import javisor.vm.Vm;
import javisor.vm.VmBuilder;
import javisor.vm.VmCreateException;
import javisor.vm.VmState;
import javisor.vm.config.BaseConfig;
import javisor.vm.config.I8042Reset;
import javisor.vm.config.LimitsConfig;
import javisor.vm.config.VmConfig;
import javisor.vm.hypercall.HypercallHook;
import javisor.vm.ivc.IvcChannelInfo;
import javisor.vm.ivc.IvcRegistry;

/**
 * The hypervisor: one KVM handle, the registry of VMs by id, their vCPU threads and their lifecycle. AxVisor's
 * {@code vmm} module; {@link Main} drives it as AxVisor's {@code main} does and the shell drives it at run time.
 * Every operation names the VM and, when refused, its current state.
 */
public final class Vmm implements AutoCloseable {
    /** The capabilities every VM needs; checked once at start so the error says which one is missing. */
    static final int[] REQUIRED_CAPS = {KvmConstants.CAP_IRQCHIP, KvmConstants.CAP_USER_MEMORY,
            KvmConstants.CAP_SET_TSS_ADDR, KvmConstants.CAP_EXT_CPUID, KvmConstants.CAP_PIT2,
            KvmConstants.CAP_SET_IDENTITY_MAP_ADDR, KvmConstants.CAP_READONLY_MEM, KvmConstants.CAP_IMMEDIATE_EXIT,
            KvmConstants.CAP_SIGNAL_MSI, KvmConstants.CAP_IRQFD, KvmConstants.CAP_MP_STATE};

    private static final Duration STOP_TIMEOUT = Duration.ofSeconds(5);
    private static final Duration SUSPEND_TIMEOUT = Duration.ofSeconds(1);
    /** How many deleted VMs {@code vm list -a} remembers. */
    private static final int DELETED_KEPT = 64;

    /** A config and where its images come from. */
    public record VmDefinition(VmConfig config, ImageResolver images) {
    }

    /** Where each VM's serial console output goes. */
    @FunctionalInterface
    public interface ConsoleFactory {
        /** The sink for {@code config}'s console, and the log file it writes if any (for {@code vm show}). */
        OutputStream consoleFor(VmConfig config) throws IOException;

        default Optional<Path> logFileFor(VmConfig config) {
            return Optional.empty();
        }
    }

    /** One VM in the registry: its definition, its current incarnation (a restart builds a new one), threads. */
    private static final class Entry {
        final VmDefinition definition;
        final VmConsole console;
        final Optional<Path> log;
        /** Read without the registry's lock (by a console's input, for one); replaced only under it. */
        volatile Vm vm;
        volatile List<Thread> threads = List.of();
        /** A reset reboot is under way: the VM is between incarnations, not stopped for good. */
        volatile boolean rebooting;

        Entry(VmDefinition definition, VmConsole console, Optional<Path> log) {
            this.definition = definition;
            this.console = console;
            this.log = log;
        }
    }

    private final Kvm kvm;
    private final boolean ownsKvm; // false under a SharedKvm, which outlives this hypervisor
    private final VmBuilder builder;
    private final ConsoleFactory consoles;
    private final VmmServices services;
    private final IvcRegistry ivc;
    /** Written under this object's lock; read without it where no decision depends on the whole registry. */
    private final Map<Long, Entry> vms = new ConcurrentSkipListMap<>();
    private final Deque<VmInfo> deleted = new ArrayDeque<>(); // guarded by this

    private final LimitsConfig hostLimits;
    private final StormWatch storms;
    private volatile VmFdReserve vmsAhead; // set by makeVmsAhead

    private Vmm(Kvm kvm, List<CpuidEntry> supportedCpuid, boolean ownsKvm, ConsoleFactory consoles,
                LimitsConfig hostLimits) {
        this.kvm = kvm;
        this.ownsKvm = ownsKvm;
        this.consoles = consoles;
        this.hostLimits = hostLimits;
        this.storms = new StormWatch(this::watched);
        this.services = new VmmServices();
        this.ivc = new IvcRegistry();
        this.builder = new VmBuilder(kvm, supportedCpuid, ivc);
    }

    /**
     * Opens KVM ({@code /dev/kvm}, or the device the system property {@code javisor.kvm.device} names) and checks
     * its API version and capabilities; throws {@link VirtualizationUnavailableException} saying what is missing.
     */
    public static void checkVirtualization() {
        String device = System.getProperty("javisor.kvm.device", Kvm.DEVICE);
        Kvm.unavailabilityCause(device, REQUIRED_CAPS).ifPresent(cause -> {
            throw new VirtualizationUnavailableException(cause);
        });
    }

    /** Creates every VM in {@code definitions}; on the first bad one, releases the others and throws. */
    public static Vmm init(List<VmDefinition> definitions, ConsoleFactory consoles) {
        return init(definitions, consoles, LimitsConfig.DEFAULT);
    }

    /**
     * As {@link #init(List, ConsoleFactory)}, with the process's limits: each VM gets, limit by limit, the smaller
     * of these and its config's {@code [limits]}.
     */
    public static Vmm init(List<VmDefinition> definitions, ConsoleFactory consoles, LimitsConfig hostLimits) {
        Kvm kvm = Kvm.open();
        List<CpuidEntry> cpuid;
        try {
            cpuid = kvm.supportedCpuid();
        } catch (RuntimeException e) {
            kvm.close();
            throw e;
        }
        return populate(new Vmm(kvm, cpuid, true, consoles, hostLimits), definitions);
    }

    /**
     * As {@link #init(List, ConsoleFactory, LimitsConfig)} on KVM opened once for many hypervisors, whose VMs
     * come made ahead; closing this hypervisor leaves {@code shared} open.
     */
    static Vmm init(List<VmDefinition> definitions, ConsoleFactory consoles, LimitsConfig hostLimits,
                    SharedKvm shared) {
        Vmm vmm = new Vmm(shared.kvm(), shared.supportedCpuid(), false, consoles, hostLimits);
        vmm.builder.takeVmsFrom(shared.vmsAhead());
        return populate(vmm, definitions);
    }

    private static Vmm populate(Vmm vmm, List<VmDefinition> definitions) {
        try {
            for (VmDefinition d : definitions) {
                vmm.create(d);
            }
            return vmm;
        } catch (RuntimeException e) {
            vmm.close();
            throw e;
        }
    }

    private synchronized Entry entry(long id) {
        Entry e = vms.get(id);
        if (e == null) {
            throw new VmmException(VmmException.Kind.NOT_FOUND, "no VM with id " + id + (vms.isEmpty() ? " (there are none)"
                    : " (there are " + vms.keySet() + ")"));
        }
        return e;
    }

    /** Builds a VM (LOADED) and registers it; a duplicate id is refused. */
    public Vm create(VmDefinition requested) {
        LimitsConfig limits = requested.config().limits().tightest(hostLimits);
        VmConfig config = requested.config().withLimits(limits);
        VmDefinition definition = new VmDefinition(config, requested.images());
        long id = config.base().id();
        limits.checkSize(config).ifPresent(problem -> {
            throw new VmCreateException("VM " + id + " (" + config.base().name() + "): " + problem);
        });
        synchronized (this) {
            if (vms.containsKey(id)) {
                throw new VmmException("VM id " + id + " is already used by VM '" + vms.get(id).vm.name() + "'");
            }
        }
        HostCpus.checkAffinity(config.base());
        VmConsole console;
        try {
            console = new VmConsole(consoles.consoleFor(config));
        } catch (IOException e) {
            throw new VmCreateException("VM " + id + ": cannot open its console: " + e.getMessage(), e);
        }
        Entry e = new Entry(definition, console, consoles.logFileFor(config));
        e.vm = builder.build(config, definition.images(), console);
        synchronized (this) {
            if (vms.containsKey(id)) { // another create won the race
                e.vm.close();
                throw new VmmException("VM id " + id + " is already used by VM '" + vms.get(id).vm.name() + "'");
            }
            console.connect(() -> currentVmOf(id));
            vms.put(id, e);
        }
        return e.vm;
    }

    /** VM {@code id}'s current incarnation; lock-free, as keyboard input must not wait for a restart. */
    private Vm currentVmOf(long id) {
        Entry e = vms.get(id);
        return e == null ? null : e.vm;
    }

    /** Boots every VM that is LOADED (AxVisor's vmm::start). */
    public synchronized void start() {
        for (Entry e : vms.values()) {
            if (e.vm.state() == VmState.LOADED) {
                startEntry(e);
            }
        }
    }

    /**
     * Starts VM {@code id}: a LOADED VM boots; a STOPPED one is rebuilt from its config first (fresh memory from
     * the images, fresh vCPUs), so a second start is a real boot, not AxVisor's stale resume.
     */
    public synchronized void start(long id) {
        Entry e = entry(id);
        switch (e.vm.state()) {
            case LOADED -> startEntry(e);
            case STOPPED -> {
                rebuild(e);
                startEntry(e);
            }
            default -> throw new VmmException(e.vm.describe() + " is " + e.vm.state()
                    + "; only a LOADED or STOPPED VM can be started");
        }
    }

    private void startEntry(Entry e) {
        Vm vm = e.vm;
        storms.start();
        if (e.definition.config().devices().i8042Reset() == I8042Reset.RESET) {
            vm.runState().onStopped(reason -> {
                if (reason instanceof StopReason.Reset) {
                    e.rebooting = true;
                    // Called on the vCPU thread that stopped: a carrier it made would inherit its filter.
                    ThreadSandbox.start(Thread.ofVirtual().name("reboot VM " + vm.id())
                            .unstarted(() -> reboot(e, vm)));
                }
            });
        }
        vm.runState().start();
        BaseConfig base = e.definition.config().base();
        List<Thread> ts = new ArrayList<>();
        for (int i = 0; i < vm.cpuCount(); i++) {
            ts.add(VCpuTask.start(vm, i, HostCpus.affinity(base, i)));
        }
        e.threads = ts;
    }

    /** The guest reset itself and its config says to boot it again: a fresh VM from the config and images. */
    private void reboot(Entry e, Vm stopped) {
        try {
            synchronized (this) {
                if (e.vm == stopped && vms.get(stopped.id()) == e) {
                    rebuild(e);
                    startEntry(e);
                }
            }
        } catch (RuntimeException ex) {
            Logs.get("javisor.vmm").log(System.Logger.Level.ERROR, stopped.describe()
                    + ": reboot after reset failed", ex);
        } finally {
            e.rebooting = false;
            synchronized (this) {
                notifyAll();
            }
        }
    }

    private void rebuild(Entry e) {
        joinThreads(e);
        Vm old = e.vm;
        ivc.leaveAll(old);
        e.vm = builder.build(e.definition.config(), e.definition.images(), e.console);
        old.close();
    }

    /**
     * Stops VM {@code id} and waits for its vCPU threads. A RUNNING or SUSPENDED VM is stopped; a LOADED one just
     * becomes STOPPED; a STOPPING one is waited for only with {@code force}.
     */
    public void stop(long id, boolean force) {
        Entry e = entry(id);
        Vm vm;
        synchronized (this) {
            vm = e.vm;
            VmState s = vm.state();
            switch (s) {
                case RUNNING, SUSPENDED, LOADED -> vm.requestStop(new StopReason.Stopped("vm stop"));
                case STOPPING -> {
                    if (!force) {
                        throw new VmmException(vm.describe() + " is already STOPPING (use --force to wait for it)");
                    }
                }
                default -> throw new VmmException(vm.describe() + " is " + s + "; it cannot be stopped");
            }
        }
        awaitStop(e, vm);
    }

    /**
     * Asks VM {@code id}'s guest to shut itself down, as the ACPI power button does, and waits up to
     * {@code timeout} for it to power off; then stops it as {@link #stop} does. Returns true when the guest shut
     * down by itself. A VM that is not RUNNING cannot react, so it is stopped at once.
     */
    public boolean stopGracefully(long id, Duration timeout) throws InterruptedException {
        Entry e = entry(id);
        Vm vm = e.vm;
        if (vm.state() == VmState.RUNNING) {
            vm.pressPowerButton();
            if (vm.runState().awaitStopped(timeout)) {
                joinThreads(e);
                return true;
            }
        }
        if (vm.state() != VmState.STOPPED) {
            stop(id, true);
        }
        return false;
    }

    private void awaitStop(Entry e, Vm vm) {
        try {
            if (!vm.runState().awaitStopped(STOP_TIMEOUT)) {
                throw new VmmException(vm.describe() + " did not stop within " + STOP_TIMEOUT.toSeconds() + " s");
            }
        } catch (InterruptedException ie) {
            Thread.currentThread().interrupt();
            throw new VmmException("interrupted while stopping " + vm.describe());
        }
        joinThreads(e);
    }

    private static void joinThreads(Entry e) {
        for (Thread t : e.threads) {
            try {
                t.join(STOP_TIMEOUT.toMillis());
            } catch (InterruptedException ie) {
                Thread.currentThread().interrupt();
                return;
            }
        }
    }

    /** Suspends a RUNNING VM; returns once every vCPU has left the guest. */
    public void suspend(long id) {
        Vm vm = entry(id).vm;
        try {
            if (!vm.suspend(SUSPEND_TIMEOUT)) {
                throw new VmmException(vm.describe() + ": not every vCPU parked within "
                        + SUSPEND_TIMEOUT.toMillis() + " ms");
            }
        } catch (IllegalStateException ex) {
            throw new VmmException(ex.getMessage());
        } catch (InterruptedException ie) {
            Thread.currentThread().interrupt();
            throw new VmmException("interrupted while suspending " + vm.describe());
        }
    }

    /** Resumes a SUSPENDED VM. */
    public void resume(long id) {
        Vm vm = entry(id).vm;
        try {
            vm.resume();
        } catch (IllegalStateException ex) {
            throw new VmmException(ex.getMessage());
        }
    }

    /**
     * Restarts VM {@code id} as a real reset: stops it if it runs, rebuilds it from its config and images, and
     * boots it. A STOPPING VM is waited for only with {@code force}; a LOADING one cannot be restarted.
     */
    public void restart(long id, boolean force) {
        Entry e = entry(id);
        VmState s = e.vm.state();
        switch (s) {
            case RUNNING, SUSPENDED -> stop(id, false);
            case STOPPING -> stop(id, force);
            case LOADED, STOPPED -> {
            }
            case LOADING -> throw new VmmException(e.vm.describe() + " is LOADING; it cannot be restarted");
        }
        synchronized (this) {
            if (e.vm.state() == VmState.LOADED) {
                e.vm.requestStop(new StopReason.Stopped("vm restart"));
            }
            rebuild(e);
            startEntry(e);
        }
    }

    /**
     * Deletes VM {@code id}, releasing its KVM VM, memory and threads. A STOPPED VM goes at once; any other state
     * needs {@code force} (the VM is stopped first). Without {@code keepData} its console log is removed too.
     */
    public void delete(long id, boolean force, boolean keepData) {
        Entry e = entry(id);
        VmState s = e.vm.state();
        if (s != VmState.STOPPED && !force) {
            throw new VmmException(e.vm.describe() + " is " + s + "; delete needs --force unless it is STOPPED");
        }
        if (s == VmState.RUNNING || s == VmState.SUSPENDED || s == VmState.STOPPING || s == VmState.LOADED) {
            stop(id, true);
        }
        synchronized (this) {
            vms.remove(id);
            deleted.addLast(info(e).asDeleted());
            if (deleted.size() > DELETED_KEPT) {
                deleted.removeFirst();
            }
        }
        joinThreads(e);
        ivc.leaveAll(e.vm);
        e.vm.close();
        try {
            e.console.close();
        } catch (IOException ignored) {
            // the log was still written up to here; nothing else to release
        }
        if (!keepData && e.log.isPresent()) {
            try {
                Files.deleteIfExists(e.log.get());
                Files.deleteIfExists(RotatingLogFile.rotated(e.log.get()));
            } catch (IOException ex) {
                throw new VmmException("VM " + id + " deleted, but its log " + e.log.get() + " could not be: " + ex);
            }
        }
    }

    /** The last VMs deleted, oldest first, as they were when they went (for {@code vm list -a}). */
    public synchronized List<VmInfo> deleted() {
        return List.copyOf(deleted);
    }

    /** Every VM with its limits, for the storm watch; without the registry's lock, which a restart holds. */
    private List<StormWatch.Watched> watched() {
        List<StormWatch.Watched> out = new ArrayList<>();
        for (Entry e : vms.values()) {
            out.add(new StormWatch.Watched(e.vm, e.definition.config().limits()));
        }
        return out;
    }

    /** Every VM, by id. */
    public synchronized List<VmInfo> list() {
        List<VmInfo> out = new ArrayList<>();
        for (Entry e : vms.values()) {
            out.add(info(e));
        }
        return out;
    }

    public synchronized VmInfo info(long id) {
        return info(entry(id));
    }

    private static VmInfo info(Entry e) {
        Vm vm = e.vm;
        long memory = e.definition.config().kernel().ramBytes();
        List<Map<ExitCounters.Kind, Long>> perVcpu = new ArrayList<>();
        for (VCpu v : vm.vcpus()) {
            perVcpu.add(v.counters().snapshot());
        }
        StopReason r = vm.stopReason();
        return new VmInfo(vm.id(), vm.name(), vm.state(), vm.cpuCount(), memory, vm.runState().uptimeNanos(),
                r == null ? "" : r.describe(), vm.exitCounts(), perVcpu,
                e.log.map(Path::toString).orElse(""), false);
    }

    /** The config VM {@code id} was created from. */
    public synchronized VmConfig config(long id) {
        return entry(id).definition.config();
    }

    /**
     * From now on each VM's KVM handle is made ahead of its {@code vm create}, in the background (VmFdReserve): for
     * a hypervisor that creates VMs while it runs (the shell, the API, the library), not for {@code javisor run},
     * whose VMs are all made at start.
     */
    public synchronized void makeVmsAhead() {
        if (vmsAhead == null) {
            vmsAhead = new VmFdReserve(kvm);
            builder.takeVmsFrom(vmsAhead);
            vmsAhead.fill();
        }
    }

    /** Sends the embedder's hypercall numbers of every VM to {@code hook} (null: none); javisor.vmm.embed's. */
    public void hypercallHook(HypercallHook hook) {
        builder.hypercallHook(hook);
    }

    /** The inter-VM channels, for {@code ivc list}. */
    public List<IvcChannelInfo> ivcChannels() {
        return ivc.list();
    }

    IvcRegistry ivcRegistry() {
        return ivc;
    }

    /** A channel's memory as the hypervisor sees it (tests and diagnostics). */
    Optional<MemorySegment> ivcMemory(long publisherId, long key) {
        return ivc.memoryOf(publisherId, key);
    }

    /** VM {@code id}'s console, for {@code vm console}. */
    public VmConsole console(long id) {
        return entry(id).console;
    }

    /** The current incarnation of VM {@code id} (a restart replaces it). */
    public Vm vm(long id) {
        return entry(id).vm;
    }

    public synchronized Collection<Vm> vms() {
        return vms.values().stream().map(e -> e.vm).toList();
    }

    /** Stops every VM and waits for their vCPU threads. */
    public void stopAll(String by) {
        List<Entry> all;
        synchronized (this) {
            all = List.copyOf(vms.values());
        }
        for (Entry e : all) {
            e.vm.requestStop(new StopReason.Stopped(by));
        }
        for (Entry e : all) {
            joinThreads(e);
        }
    }

    /** Waits until every VM has stopped and its vCPU threads have ended. */
    public void awaitAll() throws InterruptedException {
        List<Entry> all;
        synchronized (this) {
            all = List.copyOf(vms.values());
        }
        for (Entry e : all) {
            while (true) {
                Vm current = e.vm;
                while (!current.runState().awaitStopped(Duration.ofSeconds(60))) {
                    // keep waiting: a VM runs as long as its guest does
                }
                synchronized (this) {
                    while (e.rebooting) {
                        wait(100);
                    }
                }
                if (e.vm == current) {
                    break; // stopped for good, not rebooted
                }
            }
            joinThreads(e);
        }
    }

    /** Waits until VM {@code id} has stopped; false on timeout. */
    public boolean await(long id, Duration timeout) throws InterruptedException {
        Entry e = entry(id);
        boolean stopped = e.vm.runState().awaitStopped(timeout);
        if (stopped) {
            joinThreads(e);
        }
        return stopped;
    }

    /** The process id, for the shell's banner. */
    public static int pid() {
        return LibC.getpid();
    }

    @Override
    public void close() {
        stopAll("hypervisor exit");
        synchronized (this) {
            for (Entry e : vms.values()) {
                ivc.leaveAll(e.vm);
                e.vm.close();
                try {
                    e.console.close(); // ends a partial last line and closes the VM's log
                } catch (IOException ignored) {
                    // closing anyway
                }
            }
            vms.clear();
        }
        storms.close();
        ivc.closeAll();
        services.shutdown();
        if (vmsAhead != null) {
            vmsAhead.close();
        }
        if (ownsKvm) {
            kvm.close();
        }
    }
}
