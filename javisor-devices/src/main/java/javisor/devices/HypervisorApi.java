package javisor.devices;

import java.util.function.LongConsumer;

import javisor.memory.GuestMemory;

/**
 * What the hypervisor offers device models, as AxVisor's {@code axvisor_api} does: interrupts into a VM, timer
 * events, and a VM's guest memory, each addressed by VM id. The hypervisor (javisor-vmm) implements it, so a
 * device model depends on this interface and never on the VMM.
 */
public interface HypervisorApi {
    /** Sets the level of interrupt line {@code gsi} of VM {@code vmId}'s in-kernel IOAPIC/PIC. */
    void setIrqLevel(long vmId, int gsi, boolean asserted);

    /**
     * Sends interrupt {@code vector} (32-255) to vCPU {@code vcpuId}'s local APIC; false if the VM or vCPU does
     * not exist or the LAPIC refused it.
     */
    boolean injectInterrupt(long vmId, int vcpuId, int vector);

    /**
     * Runs {@code callback} with the current time once {@link System#nanoTime()} reaches {@code deadlineNanos}
     * (AxVisor's register_timer); callbacks run on the hypervisor's timer thread and must be short.
     */
    TimerToken registerTimer(long deadlineNanos, LongConsumer callback);

    /** Cancels a timer event; false if it already ran or was cancelled. */
    boolean cancelTimer(TimerToken token);

    /** The guest memory of VM {@code vmId}, or throws {@link IllegalArgumentException} if there is no such VM. */
    GuestMemory guestMemory(long vmId);

    /** Identifies a registered timer event. */
    record TimerToken(long id) {
    }
}
