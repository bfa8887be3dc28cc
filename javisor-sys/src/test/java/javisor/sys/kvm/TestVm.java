package javisor.sys.kvm;

import java.nio.file.Files;
import java.nio.file.Path;

import javisor.sys.HostMapping;

import static java.lang.foreign.ValueLayout.JAVA_BYTE;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * A minimal VM for tests: /dev/kvm opened, one VM, {@link #MEMORY_SIZE} bytes of guest RAM at guest-physical
 * 0 (memory slot 0), and helpers to load code and start a vCPU in real mode at it.
 */
final class TestVm implements AutoCloseable {
    static final long MEMORY_SIZE = 0x8000;
    /** Where tests put their guest code. */
    static final long ENTRY = 0x1000;
    /** Three pages above RAM for KVM's real-mode TSS (needed on Intel hosts without unrestricted guest). */
    static final long TSS_ADDRESS = 0xfffb_d000L;

    final Kvm kvm;
    final VmFd vm;
    final HostMapping memory;

    /** Fails the calling test (tagged "kvm", so run where there is a /dev/kvm), with the reason, without one. */
    static void requireKvm() {
        assertTrue(Files.exists(Path.of(Kvm.DEVICE)), Kvm.DEVICE + " does not exist here (tests tagged \"kvm\" run "
                + "where it does: ./run-tests takes them into the KVM box)");
    }

    private TestVm(Kvm kvm, VmFd vm, HostMapping memory) {
        this.kvm = kvm;
        this.vm = vm;
        this.memory = memory;
    }

    static TestVm create() {
        Kvm kvm = Kvm.open();
        VmFd vm = null;
        HostMapping memory = null;
        try {
            vm = kvm.createVm();
            vm.setTssAddr(TSS_ADDRESS);
            memory = HostMapping.anonymous(MEMORY_SIZE);
            vm.setUserMemoryRegion(0, 0, 0, MEMORY_SIZE, memory.hostAddress());
            return new TestVm(kvm, vm, memory);
        } catch (RuntimeException e) {
            if (vm != null) {
                vm.close();
            }
            if (memory != null) {
                memory.close();
            }
            kvm.close();
            throw e;
        }
    }

    /** Writes {@code code} into guest memory at {@code guestAddress}, byte by byte. */
    void load(long guestAddress, int... code) {
        for (int i = 0; i < code.length; i++) {
            memory.segment().set(JAVA_BYTE, guestAddress + i, (byte) code[i]);
        }
    }

    /** Points {@code vcpu} at {@code entry} in real mode with CS base and selector 0. */
    static void startInRealMode(VcpuFd vcpu, long entry) {
        SpecialRegs sregs = vcpu.getSregs();
        vcpu.setSregs(sregs.withSegments(flatRealModeSegment(sregs.cs()), sregs.ds()));
        vcpu.setRegs(Regs.initial().with(Regs.Reg.RIP, entry));
    }

    /** {@code like} with base 0 and selector 0 (the reset CS has base 0xffff0000, selector 0xf000). */
    static Segment flatRealModeSegment(Segment like) {
        return new Segment(0, 0xffff, 0, like.type(), like.present(), like.dpl(), like.db(), like.s(), like.l(),
                like.g(), like.avl(), like.unusable());
    }

    @Override
    public void close() {
        try {
            vm.close();
        } finally {
            try {
                memory.close();
            } finally {
                kvm.close();
            }
        }
    }
}
