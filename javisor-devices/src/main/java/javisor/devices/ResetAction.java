package javisor.devices;

/**
 * What a guest's request to reset the machine does: the i8042's reset line ({@link I8042}) and the fast reset of
 * System Control Port A ({@link SystemControlPortA}) both ask for it, and a VM answers both the same way.
 */
public enum ResetAction {
    /** Ask the VM to reset: {@link StopRequest.Reset}, which the hypervisor may turn into a reboot. */
    RESET,
    /** Stop the VM, as Firecracker does: {@link StopRequest.PowerOff}, so {@code reboot} ends the guest. */
    STOP;

    /** The request a device sends for this action. */
    StopRequest request() {
        return this == RESET ? new StopRequest.Reset() : new StopRequest.PowerOff();
    }
}
