package javisor.devices;

import java.util.function.LongConsumer;

/**
 * What the hypervisor offers device models beyond what their VM hands them, as AxVisor's {@code axvisor_api}
 * does: timer events. A device's interrupt lines and its VM's guest memory are given to it when the VM is built,
 * so a device reaches only its own VM and never goes through the hypervisor's registry. The hypervisor
 * (javisor-vmm) implements this, so a device model depends on the interface and never on the VMM.
 */
public interface HypervisorApi {
    /**
     * Runs {@code callback} with the current time once {@link System#nanoTime()} reaches {@code deadlineNanos}
     * (AxVisor's register_timer); callbacks run on the hypervisor's timer thread and must be short.
     */
    TimerToken registerTimer(long deadlineNanos, LongConsumer callback);

    /** Cancels a timer event; false if it already ran or was cancelled. */
    boolean cancelTimer(TimerToken token);

    /** Identifies a registered timer event. */
    record TimerToken(long id) {
    }
}
