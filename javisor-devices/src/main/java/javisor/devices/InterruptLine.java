package javisor.devices;

/** A device's interrupt output, level-triggered: the VM wires it to an irqchip input. */
@FunctionalInterface
public interface InterruptLine {
    InterruptLine NONE = asserted -> { };

    void set(boolean asserted);
}
