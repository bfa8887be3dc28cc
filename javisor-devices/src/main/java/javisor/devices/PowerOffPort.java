package javisor.devices;

/**
 * The ACPI PM1a control port QEMU's machines use (0x604): writing SLP_EN with sleep type 0 (0x2000) powers
 * the machine off. AxVisor's x86 vCPU treats the same write as SystemDown.
 */
public final class PowerOffPort implements BusDevice {
    public static final int DEFAULT_PORT = 0x604;
    public static final int SIZE = 2;
    private static final long SLP_EN = 1 << 13;

    private final VmControl vm;

    public PowerOffPort(VmControl vm) {
        this.vm = vm;
    }

    @Override
    public long read(long offset, int size) {
        return 0;
    }

    @Override
    public void write(long offset, int size, long value) {
        if (offset == 0 && size >= 2 && (value & SLP_EN) != 0) {
            vm.requestStop(new StopRequest.PowerOff());
        }
    }
}
