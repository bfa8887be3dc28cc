package javisor.vm;

import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.atomic.AtomicIntegerArray;

import javisor.devices.InterruptLine;
import javisor.sys.LibC;
import javisor.sys.kvm.VmFd;

/**
 * A VM's interrupt inputs: the lines of its in-kernel IOAPIC and PIC, MSIs to a vCPU's local APIC, and irqfds
 * (an eventfd whose write pulses a line inside KVM, with no thread of the VM involved). Devices get their
 * {@link InterruptLine} from here when the VM is built, so an interrupt goes straight to its own VM: no lookup,
 * no lock shared with other VMs or with the hypervisor's registry.
 */
public final class VmInterrupts implements AutoCloseable {
    /** The in-kernel IOAPIC's 24 inputs (the PIC's 16 share the first ones). */
    public static final int LINES = 24;
    private static final long MSI_ADDRESS_BASE = 0xfee0_0000L;
    /** Above this APIC id an MSI needs the upper destination bits of x2APIC format (KVM_CAP_X2APIC_API). */
    static final int XAPIC_MAX_ID = 0xff;

    private final VmFd vmFd;
    private final int cpuCount;
    private final boolean x2apicIds;
    /** 1 where a line is asserted; changed under {@link #lock}, read without it. */
    private final AtomicIntegerArray levels = new AtomicIntegerArray(LINES);
    private final Object lock = new Object();
    private final List<Integer> irqfds = new ArrayList<>(); // guarded by lock

    /**
     * @param x2apicIds KVM takes 32-bit destination ids in MSIs (KVM_X2APIC_API_USE_32BIT_IDS is enabled on
     *                  the VM), so vCPUs above {@value #XAPIC_MAX_ID} can be reached
     */
    VmInterrupts(VmFd vmFd, int cpuCount, boolean x2apicIds) {
        this.vmFd = vmFd;
        this.cpuCount = cpuCount;
        this.x2apicIds = x2apicIds;
    }

    /** Interrupt line {@code gsi} as a device's output; only level changes reach KVM. */
    public InterruptLine line(int gsi) {
        checkLine(gsi);
        return asserted -> setLevel(gsi, asserted);
    }

    /** Sets the level of interrupt line {@code gsi}; only changes reach KVM. */
    public void setLevel(int gsi, boolean asserted) {
        checkLine(gsi);
        int level = asserted ? 1 : 0;
        if (levels.get(gsi) == level) {
            return; // a device re-stating its level (every UART access does): no lock on the vCPU's path
        }
        synchronized (lock) {
            if (levels.get(gsi) != level) {
                levels.set(gsi, level);
                vmFd.irqLine(gsi, asserted);
            }
        }
    }

    private static void checkLine(int gsi) {
        if (gsi < 0 || gsi >= LINES) {
            throw new IllegalArgumentException("interrupt line " + gsi + " does not exist (0.." + (LINES - 1) + ")");
        }
    }

    /**
     * Sends {@code vector} to vCPU {@code vcpuId}'s local APIC as a fixed-delivery, physical-destination MSI (the
     * APIC id is the vCPU id); false if there is no such vCPU, the vector is not 32..255, or the LAPIC did not take
     * it. A vCPU above {@value #XAPIC_MAX_ID} has an x2APIC id, which fits an MSI only in x2APIC format.
     */
    public boolean sendMsi(int vcpuId, int vector) {
        if (vcpuId < 0 || vcpuId >= cpuCount || vector < 32 || vector > 255) {
            return false;
        }
        if (vcpuId > XAPIC_MAX_ID && !x2apicIds) {
            return false;
        }
        return vmFd.signalMsi(msiAddress(vcpuId), vector);
    }

    /**
     * The MSI address for APIC id {@code apicId}: bits 19:12 hold the low byte of the destination; in x2APIC
     * format the upper address word's bits 31:8 hold the rest (KVM's api.rst, KVM_SIGNAL_MSI).
     */
    static long msiAddress(int apicId) {
        long low = MSI_ADDRESS_BASE | ((long) (apicId & 0xff) << 12);
        long high = apicId & ~0xffL;
        return high << 32 | low;
    }

    /**
     * A new eventfd that pulses line {@code gsi} inside KVM when written (KVM_IRQFD); owned by this object and
     * closed with it.
     */
    public int irqfd(int gsi) {
        checkLine(gsi);
        int efd = LibC.eventfd(0, LibC.EFD_CLOEXEC);
        try {
            vmFd.irqfd(efd, gsi, false);
        } catch (RuntimeException e) {
            LibC.close(efd);
            throw e;
        }
        synchronized (lock) {
            irqfds.add(efd);
        }
        return efd;
    }

    @Override
    public void close() {
        synchronized (lock) {
            for (int fd : irqfds) {
                LibC.close(fd);
            }
            irqfds.clear();
        }
    }
}
