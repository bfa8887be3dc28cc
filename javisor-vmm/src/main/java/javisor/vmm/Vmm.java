package javisor.vmm;

import java.io.OutputStream;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collection;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;

import javisor.sys.kvm.CpuidEntry;
import javisor.sys.kvm.Kvm;
import javisor.sys.kvm.KvmConstants;
import javisor.vm.ImageResolver;
import javisor.vm.StopReason;
import javisor.vm.Vm;
import javisor.vm.VmBuilder;
import javisor.vm.VmCreateException;
import javisor.vm.config.VmConfig;

/**
 * The hypervisor: one KVM handle, the registry of VMs by id, and their vCPU threads. AxVisor's {@code vmm}
 * module; {@link Main} drives it as AxVisor's {@code main} does.
 */
public final class Vmm implements AutoCloseable {
    /** The capabilities every VM needs; checked once at start so the error says which one is missing. */
    static final int[] REQUIRED_CAPS = {KvmConstants.CAP_IRQCHIP, KvmConstants.CAP_USER_MEMORY,
            KvmConstants.CAP_SET_TSS_ADDR, KvmConstants.CAP_EXT_CPUID, KvmConstants.CAP_PIT2,
            KvmConstants.CAP_SET_IDENTITY_MAP_ADDR, KvmConstants.CAP_READONLY_MEM, KvmConstants.CAP_IMMEDIATE_EXIT};

    /** A config and where its images come from. */
    public record VmDefinition(VmConfig config, ImageResolver images) {
    }

    /** Where each VM's serial console goes. */
    @FunctionalInterface
    public interface ConsoleFactory {
        OutputStream consoleFor(VmConfig config);
    }

    private final Kvm kvm;
    private final VmBuilder builder;
    private final ConsoleFactory consoles;
    private final Map<Long, Vm> vms = new TreeMap<>();
    private final Map<Long, List<Thread>> threads = new TreeMap<>();

    private Vmm(Kvm kvm, ConsoleFactory consoles) {
        this.kvm = kvm;
        this.builder = new VmBuilder(kvm, kvm.supportedCpuid());
        this.consoles = consoles;
    }

    /** Opens KVM; throws {@link VirtualizationUnavailableException} saying what is missing. */
    public static void checkVirtualization() {
        Kvm.unavailabilityCause(REQUIRED_CAPS).ifPresent(cause -> {
            throw new VirtualizationUnavailableException(cause);
        });
    }

    /** Creates every VM in {@code definitions}; on the first bad one, releases the others and throws. */
    public static Vmm init(List<VmDefinition> definitions, ConsoleFactory consoles) {
        Vmm vmm = new Vmm(Kvm.open(), consoles);
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

    /** Builds one VM and registers it; a duplicate id is refused. */
    public synchronized Vm create(VmDefinition definition) {
        long id = definition.config().base().id();
        if (vms.containsKey(id)) {
            throw new VmCreateException("VM id " + id + " is already used by VM '" + vms.get(id).name() + "'");
        }
        Vm vm = builder.build(definition.config(), definition.images(), consoles.consoleFor(definition.config()));
        vms.put(id, vm);
        return vm;
    }

    /** Boots every VM that is LOADED. */
    public synchronized void start() {
        for (Vm vm : vms.values()) {
            start(vm);
        }
    }

    private void start(Vm vm) {
        vm.start();
        List<Thread> ts = new ArrayList<>();
        for (int i = 0; i < vm.cpuCount(); i++) {
            ts.add(VCpuTask.start(vm, i, 0));
        }
        threads.put(vm.id(), ts);
    }

    public synchronized Collection<Vm> vms() {
        return List.copyOf(vms.values());
    }

    /** Stops every VM and waits for their vCPU threads. */
    public void stopAll(String by) {
        for (Vm vm : vms()) {
            vm.requestStop(new StopReason.Stopped(by));
        }
        joinAll(Duration.ofSeconds(10));
    }

    /** Waits until every VM has stopped and its vCPU threads have ended. */
    public void awaitAll() throws InterruptedException {
        for (Vm vm : vms()) {
            while (!vm.awaitStopped(Duration.ofSeconds(60))) {
                // keep waiting: a VM runs as long as its guest does
            }
        }
        joinAll(Duration.ofSeconds(10));
    }

    private void joinAll(Duration each) {
        List<Thread> all;
        synchronized (this) {
            all = threads.values().stream().flatMap(List::stream).toList();
        }
        for (Thread t : all) {
            try {
                t.join(each);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                return;
            }
        }
    }

    @Override
    public synchronized void close() {
        for (Vm vm : vms.values()) {
            vm.close();
        }
        vms.clear();
        kvm.close();
    }
}
