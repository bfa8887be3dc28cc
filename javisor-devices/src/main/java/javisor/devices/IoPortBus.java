package javisor.devices;

/** The x86 I/O port space: 64 Ki one-byte ports. */
public final class IoPortBus extends Bus {
    public IoPortBus() {
        super("port I/O");
    }

    @Override
    public void register(BusRange range, String name, BusDevice device) {
        if (range.last() > 0xffff || range.base() < 0) {
            throw new IllegalArgumentException("port range " + range + " of " + name + " is outside 0..0xffff");
        }
        super.register(range, name, device);
    }
}
