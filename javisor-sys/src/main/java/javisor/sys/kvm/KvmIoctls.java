package javisor.sys.kvm;

import java.lang.foreign.MemoryLayout;

import static javisor.sys.kvm.KvmStructs.*;

/**
 * Every KVM ioctl number Javisor uses, computed as {@code <asm-generic/ioctl.h>} does from the
 * direction, KVMIO (0xAE), the command number and the argument struct's size.
 */
public final class KvmIoctls {
    private KvmIoctls() {
    }

    private static final int KVMIO = 0xAE;
    private static final long WRITE = 1;
    private static final long READ = 2;

    private static long io(int nr) {
        return (KVMIO << 8) | nr;
    }

    private static long ioc(long dir, int nr, long size) {
        return (dir << 30) | (size << 16) | (KVMIO << 8) | nr;
    }

    private static long ior(int nr, MemoryLayout arg) {
        return ioc(READ, nr, arg.byteSize());
    }

    private static long iow(int nr, MemoryLayout arg) {
        return ioc(WRITE, nr, arg.byteSize());
    }

    private static long iowr(int nr, MemoryLayout arg) {
        return ioc(READ | WRITE, nr, arg.byteSize());
    }

    // System (on /dev/kvm)
    public static final long KVM_GET_API_VERSION = io(0x00);
    public static final long KVM_CREATE_VM = io(0x01);
    public static final long KVM_CHECK_EXTENSION = io(0x03);
    public static final long KVM_GET_VCPU_MMAP_SIZE = io(0x04);
    public static final long KVM_GET_SUPPORTED_CPUID = iowr(0x05, KVM_CPUID2);

    // VM
    public static final long KVM_CREATE_VCPU = io(0x41);
    public static final long KVM_SET_USER_MEMORY_REGION = iow(0x46, KVM_USERSPACE_MEMORY_REGION);
    public static final long KVM_SET_TSS_ADDR = io(0x47);
    public static final long KVM_SET_IDENTITY_MAP_ADDR = ioc(WRITE, 0x48, 8);
    public static final long KVM_CREATE_IRQCHIP = io(0x60);
    public static final long KVM_IRQ_LINE = iow(0x61, KVM_IRQ_LEVEL);
    public static final long KVM_IRQFD = iow(0x76, KvmStructs.KVM_IRQFD);
    public static final long KVM_CREATE_PIT2 = iow(0x77, KVM_PIT_CONFIG);
    public static final long KVM_IOEVENTFD = iow(0x79, KvmStructs.KVM_IOEVENTFD);
    public static final long KVM_SIGNAL_MSI = iow(0xa5, KvmStructs.KVM_MSI);
    public static final long KVM_ENABLE_CAP = iow(0xa3, KvmStructs.KVM_ENABLE_CAP);

    // vCPU
    public static final long KVM_RUN = io(0x80);
    public static final long KVM_GET_REGS = ior(0x81, KVM_REGS);
    public static final long KVM_SET_REGS = iow(0x82, KVM_REGS);
    public static final long KVM_GET_SREGS = ior(0x83, KVM_SREGS);
    public static final long KVM_SET_SREGS = iow(0x84, KVM_SREGS);
    public static final long KVM_TRANSLATE = iowr(0x85, KVM_TRANSLATION);
    public static final long KVM_GET_MSRS = iowr(0x88, KVM_MSRS);
    public static final long KVM_SET_MSRS = iow(0x89, KVM_MSRS);
    public static final long KVM_GET_FPU = ior(0x8c, KVM_FPU);
    public static final long KVM_SET_FPU = iow(0x8d, KVM_FPU);
    public static final long KVM_GET_LAPIC = ior(0x8e, KVM_LAPIC_STATE);
    public static final long KVM_SET_LAPIC = iow(0x8f, KVM_LAPIC_STATE);
    public static final long KVM_SET_CPUID2 = iow(0x90, KVM_CPUID2);
    public static final long KVM_GET_MP_STATE = ior(0x98, KVM_MP_STATE);
    public static final long KVM_SET_MP_STATE = iow(0x99, KVM_MP_STATE);
}
