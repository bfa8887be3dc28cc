package javisor.devices;

/**
 * System Control Port A at port 0x92, from the IBM PS/2 (IBM Personal System/2 Hardware Interface Technical
 * Reference, "System Control Port A (Hex 0092)"), which PC chipsets have kept ever since as the "fast A20 gate":
 *
 * <pre>
 *   bit 0  alternate hot reset: writing 1 where it was 0 resets the processor ("fast reset")
 *   bit 1  alternate gate A20: 1 lets address line 20 through
 *   bit 3  security lock latch; bits 6-7 fixed-disk activity light (the other bits are reserved or read-only)
 * </pre>
 *
 * Reads return the last value written, as on QEMU's PC machines. KVM never masks A20, so the gate is always on:
 * bit 1 starts set, as a PC's firmware leaves it, and clearing it changes only what reads back. Bit 0 starts clear,
 * so a guest's read-modify-write of the gate (Linux's enable_a20_fast: read, set bit 1, clear bit 0, write) does
 * not reset; before this device, the unclaimed port read back as 0xff. (Port B, 0x61, belongs to KVM's in-kernel PIT.)
 *
 * <p>A reset asks the VM for what {@link ResetAction} says, as the i8042's reset line does: one request per VM
 * run. Registered one byte wide; a wider access reads all ones above the first byte, as unclaimed ports do.
 * Thread-safe: several vCPUs may reach it.
 */
public final class SystemControlPortA implements BusDevice {
    public static final int PORT = 0x92;
    public static final int SIZE = 1;

    static final int FAST_RESET = 0x01;
    static final int A20_GATE = 0x02;

    private final VmControl vm;
    private final ResetAction onReset;
    private int value = A20_GATE;
    private boolean resetRequested;

    public SystemControlPortA(VmControl vm, ResetAction onReset) {
        this.vm = vm;
        this.onReset = onReset;
    }

    @Override
    public synchronized long read(long offset, int size) {
        long allOnes = size >= 8 ? -1L : (1L << (8 * size)) - 1;
        return offset == 0 ? (allOnes & ~0xffL) | value : allOnes;
    }

    @Override
    public synchronized void write(long offset, int size, long written) {
        if (offset != 0) {
            return;
        }
        int old = value;
        value = (int) (written & 0xff);
        if ((value & FAST_RESET) != 0 && (old & FAST_RESET) == 0 && !resetRequested) {
            resetRequested = true; // the guest may write again while the VM stops
            vm.requestStop(onReset.request());
        }
    }
}
