package javisor.devices;

/**
 * QEMU's {@code isa-debug-exit}: a guest write of {@code v} stops the VM with exit code {@code v}. Test guests
 * written for QEMU use it unchanged; {@code javisor run} exits with {@code (v << 1) | 1} as QEMU does.
 */
public final class DebugExitPort implements BusDevice {
    public static final int DEFAULT_PORT = 0xf4;
    public static final int SIZE = 4;

    private final VmControl vm;

    public DebugExitPort(VmControl vm) {
        this.vm = vm;
    }

    @Override
    public long read(long offset, int size) {
        return 0;
    }

    @Override
    public void write(long offset, int size, long value) {
        long code = size >= 8 ? value : value & ((1L << (8 * size)) - 1);
        vm.requestStop(new StopRequest.DebugExit(code));
    }
}
