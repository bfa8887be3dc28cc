package javisor.vmm;

import java.util.List;

import javisor.sys.LibC;
import javisor.sys.kvm.CpuidEntry;
import javisor.sys.kvm.Kvm;
import javisor.sys.kvm.VmFdReserve;

/**
 * KVM opened once for the hypervisors of many runs (the resident Javisor's): the handle, the CPUID it supports,
 * and a KVM VM made ahead of each run. Each run then pays for its VMs only, not for opening and probing
 * {@code /dev/kvm} and waiting for KVM_CREATE_VM (in the KVM box, about a third of a small run).
 */
final class SharedKvm implements AutoCloseable {
    private final Kvm kvm;
    private final List<CpuidEntry> supportedCpuid;
    private final VmFdReserve vmsAhead;

    private SharedKvm(Kvm kvm, List<CpuidEntry> supportedCpuid) {
        this.kvm = kvm;
        this.supportedCpuid = List.copyOf(supportedCpuid);
        this.vmsAhead = new VmFdReserve(kvm);
    }

    /** Opens KVM after {@link Vmm#checkVirtualization()} and starts making the first VM. */
    static SharedKvm open() {
        Vmm.checkVirtualization();
        Kvm kvm = Kvm.open();
        try {
            LibC.linkWithoutErrno(); // KVM_RUN without errno capture: the resident lives long enough to gain by it
            SharedKvm shared = new SharedKvm(kvm, kvm.supportedCpuid());
            shared.vmsAhead.fill();
            return shared;
        } catch (RuntimeException e) {
            kvm.close();
            throw e;
        }
    }

    Kvm kvm() {
        return kvm;
    }

    List<CpuidEntry> supportedCpuid() {
        return supportedCpuid;
    }

    VmFdReserve vmsAhead() {
        return vmsAhead;
    }

    /** After every hypervisor on it has closed. */
    @Override
    public void close() {
        vmsAhead.close();
        kvm.close();
    }
}
