package javisor.sys.kvm;

import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;

import javisor.sys.LibC;

import static java.lang.foreign.ValueLayout.JAVA_INT;
import static java.lang.foreign.ValueLayout.JAVA_LONG;

/** A KVM virtual machine handle: one method per VM ioctl. */
public final class VmFd implements AutoCloseable {
    private final int fd;
    private final int vcpuMmapSize;
    private boolean closed;
    /** KVM_CAP_SYNC_REGS covers the general registers: -1 until asked, then 0 or 1 (asked once, for every vCPU). */
    private volatile int syncsRegisters = -1;

    VmFd(int fd, int vcpuMmapSize) {
        this.fd = fd;
        this.vcpuMmapSize = vcpuMmapSize;
    }

    /** KVM_CHECK_EXTENSION on the VM (some answers differ per VM). */
    public int checkExtension(int cap) {
        return LibC.ioctl(fd, KvmIoctls.KVM_CHECK_EXTENSION, cap, "KVM_CHECK_EXTENSION");
    }

    /**
     * KVM_SET_USER_MEMORY_REGION: maps {@code size} bytes at host address {@code hostAddress} into guest
     * physical memory at {@code guestAddress}; a size of 0 deletes the slot.
     */
    public void setUserMemoryRegion(int slot, int flags, long guestAddress, long size, long hostAddress) {
        try (Arena arena = Arena.ofConfined()) {
            MemorySegment r = arena.allocate(KvmStructs.KVM_USERSPACE_MEMORY_REGION);
            r.set(JAVA_INT, 0, slot);
            r.set(JAVA_INT, 4, flags);
            r.set(JAVA_LONG, 8, guestAddress);
            r.set(JAVA_LONG, 16, size);
            r.set(JAVA_LONG, 24, hostAddress);
            LibC.ioctl(fd, KvmIoctls.KVM_SET_USER_MEMORY_REGION, r.address(), "KVM_SET_USER_MEMORY_REGION");
        }
    }

    /** KVM_SET_TSS_ADDR: three pages of guest-physical space KVM needs on Intel hosts. */
    public void setTssAddr(long address) {
        LibC.ioctl(fd, KvmIoctls.KVM_SET_TSS_ADDR, address, "KVM_SET_TSS_ADDR");
    }

    /** KVM_SET_IDENTITY_MAP_ADDR: one page of guest-physical space for the real-mode identity map. */
    public void setIdentityMapAddr(long address) {
        try (Arena arena = Arena.ofConfined()) {
            MemorySegment a = arena.allocateFrom(JAVA_LONG, address);
            LibC.ioctl(fd, KvmIoctls.KVM_SET_IDENTITY_MAP_ADDR, a.address(), "KVM_SET_IDENTITY_MAP_ADDR");
        }
    }

    /** KVM_CREATE_IRQCHIP: the in-kernel PIC, IOAPIC and LAPICs. */
    public void createIrqchip() {
        LibC.ioctl(fd, KvmIoctls.KVM_CREATE_IRQCHIP, 0, "KVM_CREATE_IRQCHIP");
    }

    /** KVM_CREATE_PIT2 with {@code flags} (1 = KVM_PIT_SPEAKER_DUMMY). */
    public void createPit2(int flags) {
        try (Arena arena = Arena.ofConfined()) {
            MemorySegment c = arena.allocate(KvmStructs.KVM_PIT_CONFIG);
            c.set(JAVA_INT, 0, flags);
            LibC.ioctl(fd, KvmIoctls.KVM_CREATE_PIT2, c.address(), "KVM_CREATE_PIT2");
        }
    }

    /** KVM_IRQ_LINE: raises or lowers an interrupt line (GSI) of the in-kernel irqchip. */
    public void irqLine(int irq, boolean level) {
        try (Arena arena = Arena.ofConfined()) {
            MemorySegment l = arena.allocate(KvmStructs.KVM_IRQ_LEVEL);
            l.set(JAVA_INT, 0, irq);
            l.set(JAVA_INT, 4, level ? 1 : 0);
            LibC.ioctl(fd, KvmIoctls.KVM_IRQ_LINE, l.address(), "KVM_IRQ_LINE");
        }
    }

    /**
     * KVM_SIGNAL_MSI: delivers an MSI to the in-kernel LAPICs. Returns false when KVM reports the message was
     * blocked (the target ignored it, e.g. masked), true when it was delivered.
     */
    public boolean signalMsi(long address, int data) {
        try (Arena arena = Arena.ofConfined()) {
            MemorySegment m = arena.allocate(KvmStructs.KVM_MSI);
            m.set(JAVA_INT, 0, (int) address);
            m.set(JAVA_INT, 4, (int) (address >>> 32));
            m.set(JAVA_INT, 8, data);
            return LibC.ioctl(fd, KvmIoctls.KVM_SIGNAL_MSI, m.address(), "KVM_SIGNAL_MSI") > 0;
        }
    }

    /**
     * KVM_IRQFD: from now on a write to {@code eventFd} pulses interrupt line {@code gsi} (or, with
     * {@code deassign}, no longer does).
     */
    public void irqfd(int eventFd, int gsi, boolean deassign) {
        try (Arena arena = Arena.ofConfined()) {
            MemorySegment m = arena.allocate(KvmStructs.KVM_IRQFD);
            m.set(JAVA_INT, 0, eventFd);
            m.set(JAVA_INT, 4, gsi);
            m.set(JAVA_INT, 8, deassign ? KvmConstants.IRQFD_FLAG_DEASSIGN : 0);
            LibC.ioctl(fd, KvmIoctls.KVM_IRQFD, m.address(), "KVM_IRQFD");
        }
    }

    /**
     * KVM_IOEVENTFD: from now on a guest write of {@code length} bytes (1, 2, 4 or 8) of {@code datamatch} to MMIO
     * address {@code address} signals {@code eventFd} inside KVM instead of exiting to user space; with
     * {@code deassign} the binding goes.
     */
    public void ioeventfd(int eventFd, long address, int length, long datamatch, boolean deassign) {
        try (Arena arena = Arena.ofConfined()) {
            MemorySegment m = arena.allocate(KvmStructs.KVM_IOEVENTFD);
            m.set(JAVA_LONG, 0, datamatch);
            m.set(JAVA_LONG, 8, address);
            m.set(JAVA_INT, 16, length);
            m.set(JAVA_INT, 20, eventFd);
            m.set(JAVA_INT, 24, KvmConstants.IOEVENTFD_FLAG_DATAMATCH
                    | (deassign ? KvmConstants.IOEVENTFD_FLAG_DEASSIGN : 0));
            LibC.ioctl(fd, KvmIoctls.KVM_IOEVENTFD, m.address(), "KVM_IOEVENTFD");
        }
    }

    /** KVM_ENABLE_CAP on the VM with up to four arguments. */
    public void enableCap(int cap, long... args) {
        try (Arena arena = Arena.ofConfined()) {
            MemorySegment c = arena.allocate(KvmStructs.KVM_ENABLE_CAP);
            c.set(JAVA_INT, 0, cap);
            for (int i = 0; i < args.length && i < 4; i++) {
                c.set(JAVA_LONG, 8 + 8L * i, args[i]);
            }
            LibC.ioctl(fd, KvmIoctls.KVM_ENABLE_CAP, c.address(), "KVM_ENABLE_CAP");
        }
    }

    /** KVM_CREATE_VCPU, and maps the new vCPU's kvm_run page. */
    public VcpuFd createVcpu(int id) {
        int vcpuFd = LibC.ioctl(fd, KvmIoctls.KVM_CREATE_VCPU, id, "KVM_CREATE_VCPU");
        try {
            if (syncsRegisters < 0) {
                syncsRegisters = (checkExtension(KvmConstants.CAP_SYNC_REGS) & KvmConstants.SYNC_X86_REGS) != 0 ? 1 : 0;
            }
            return new VcpuFd(vcpuFd, vcpuMmapSize, syncsRegisters == 1);
        } catch (RuntimeException e) {
            LibC.close(vcpuFd);
            throw e;
        }
    }

    @Override
    public void close() {
        if (!closed) {
            closed = true;
            // Destroying a VM with an in-kernel irqchip and PIT waits for SRCU grace periods (5-25 ms on the
            // build host); a worker does that instead of this thread, or of the exit of the process.
            LibC.closeInBackground(fd);
        }
    }
}
