package javisor.devices;

/** Guest-physical addresses that are not RAM: MMIO devices, and writes to read-only memory. */
public final class MmioBus extends Bus {
    public MmioBus() {
        super("MMIO");
    }
}
