package javisor.vmm.embed;

import java.io.OutputStream;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.ConcurrentHashMap;

import javisor.vcpu.hypercall.HypercallError;
import javisor.vm.VmCreateException;
import javisor.vm.config.ConfigException;
import javisor.vm.config.VmConfig;
import javisor.vm.hypercall.HypercallHook;
import javisor.vm.ivc.IvcChannelInfo;
import javisor.vmm.VirtualizationUnavailableException;
import javisor.vmm.VmInfo;
import javisor.vmm.Vmm;
import javisor.vmm.VmmException;

/**
 * A hypervisor inside a Java program: one KVM handle and the VMs made through it, each a {@link VirtualMachine}.
 * The same {@link Vmm} that {@code javisor run} and {@code javisor shell} drive, without their command line.
 *
 * <pre>{@code
 * try (Javisor javisor = Javisor.start();
 *      VirtualMachine vm = javisor.boot(VmSpec.kernel(Path.of("hello.elf")).withCmdline("exit=3"))) {
 *     vm.await(Duration.ofSeconds(10));
 *     System.out.print(vm.consoleText());         // what the guest wrote to its serial port
 *     System.out.println(vm.stopReason());       // Optional[DebugExit[code=3]]
 * }
 * }</pre>
 *
 * <p>The JVM needs {@code --enable-native-access=javisor.sys} (on the module path) or
 * {@code --enable-native-access=ALL-UNNAMED} (on the class path), and the process needs read and write access to
 * {@code /dev/kvm}. Closing the hypervisor stops and releases every VM it made. Its methods may be called from any
 * thread.
 */
public final class Javisor implements AutoCloseable {
    private final Vmm vmm;
    /** The console a VM being created gets; written and read under this object's lock only. */
    private ConsoleBuffer pendingConsole;
    private final Map<Long, VirtualMachine> vms = new ConcurrentHashMap<>();
    /** Each VM's own hook, by VM id: the one hook the dispatcher has routes to these. */
    private final Map<Long, HypercallHook> hooks = new ConcurrentHashMap<>();

    private Javisor() {
        this.vmm = Vmm.init(List.of(), this::consoleFor);
        vmm.hypercallHook((vmId, vcpuId, nr, args) -> {
            HypercallHook h = hooks.get(vmId);
            return h == null ? HypercallError.ENOSYS : h.handle(vmId, vcpuId, nr, args);
        });
        vmm.makeVmsAhead();
    }

    /**
     * Why KVM cannot be used here (no {@code /dev/kvm}, no permission, a missing capability), or empty when
     * {@link #start()} can succeed. Asks the device the system property {@code javisor.kvm.device} names, else
     * {@code /dev/kvm}.
     *
     * @return the reason, or empty
     */
    public static Optional<String> unavailabilityCause() {
        try {
            Vmm.checkVirtualization();
            return Optional.empty();
        } catch (VirtualizationUnavailableException e) {
            return Optional.of(e.getMessage());
        }
    }

    /**
     * Opens KVM and starts a hypervisor with no VMs.
     *
     * @return the hypervisor; close it to release KVM and every VM
     * @throws VirtualizationUnavailableException if KVM cannot be used, saying why and what to fix
     */
    public static Javisor start() {
        Vmm.checkVirtualization();
        return new Javisor();
    }

    /**
     * Builds the VM {@code spec} describes, LOADED (not running): its memory, vCPUs and devices exist and its
     * images are loaded, so every error of the config or the images shows here, before anything runs.
     *
     * @param spec what to build
     * @return the VM, LOADED
     * @throws ConfigException    if a value of the spec is out of range
     * @throws VmCreateException  if the VM cannot be built (an image is missing or does not fit, KVM refused)
     * @throws VmmException       if the spec's VM id is already used by a VM of this hypervisor
     */
    public synchronized VirtualMachine create(VmSpec spec) {
        long id = spec.fixedId().orElseGet(this::freeId);
        VmConfig config = spec.configWith(id);
        ConsoleBuffer console = new ConsoleBuffer();
        pendingConsole = console;
        try {
            vmm.create(new Vmm.VmDefinition(config, spec.images()));
        } finally {
            pendingConsole = null;
        }
        VirtualMachine vm = new VirtualMachine(this, vmm, id, vmm.info(id).name(), console);
        vms.put(id, vm);
        return vm;
    }

    /**
     * {@link #create} and {@link VirtualMachine#start()} in one; if the start fails the VM is released.
     *
     * @param spec what to build
     * @return the VM, RUNNING (or already stopped, for a guest that ends at once)
     * @throws ConfigException    if a value of the spec is out of range
     * @throws VmCreateException  if the VM cannot be built
     * @throws VmmException       if the VM id is taken
     */
    public VirtualMachine boot(VmSpec spec) {
        VirtualMachine vm = create(spec);
        try {
            vm.start();
            return vm;
        } catch (RuntimeException e) {
            vm.close();
            throw e;
        }
    }

    /**
     * The VMs made here and not yet closed.
     *
     * @return them, by id
     */
    public List<VirtualMachine> vms() {
        List<VirtualMachine> out = new ArrayList<>(vms.values());
        out.sort((a, b) -> Long.compare(a.id(), b.id()));
        return out;
    }

    /**
     * The inter-VM channels of every VM, as {@code ivc list} shows them: publisher, key, size, where each
     * participant maps it, and how many notifications went through it.
     *
     * @return a snapshot of each channel
     */
    public List<IvcChannelInfo> ivcChannels() {
        return vmm.ivcChannels();
    }

    /** Stops and releases every VM, then KVM. */
    @Override
    public void close() {
        for (VirtualMachine vm : vms()) {
            vm.close();
        }
        vmm.close();
    }

    private OutputStream consoleFor(VmConfig config) {
        ConsoleBuffer c;
        synchronized (this) {
            c = pendingConsole;
        }
        if (c == null) {
            throw new VmmException("VM " + config.base().id() + " was not created through javisor.vmm.embed");
        }
        return c;
    }

    private long freeId() {
        long id = 1;
        for (VmInfo i : vmm.list()) { // sorted by id
            if (i.id() == id) {
                id++;
            }
        }
        return id;
    }

    void hook(long id, HypercallHook hook) {
        if (hook == null) {
            hooks.remove(id);
        } else {
            hooks.put(id, hook);
        }
    }

    void forget(long id) {
        hooks.remove(id);
        vms.remove(id);
    }
}
