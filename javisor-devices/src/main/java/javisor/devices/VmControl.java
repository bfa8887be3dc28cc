package javisor.devices;

/** What a device may ask of the VM it belongs to. Implemented by the VM, so devices need no VM types. */
@FunctionalInterface
public interface VmControl {
    void requestStop(StopRequest request);
}
