package javisor.devices;

/**
 * The sleep control and status registers of a hardware-reduced ACPI platform (ACPI 6.5, 4.8.3.7 and 4.8.3.8,
 * named by the FADT's SLEEP_CONTROL_REG and SLEEP_STATUS_REG): one byte each, side by side. A write of SLP_EN
 * with the sleep type the DSDT's {@code \_S5} package gives is how the guest's OS powers the machine off (Linux's
 * {@code poweroff}); other sleep states are not offered, so other writes change nothing.
 */
public final class AcpiSleepControl implements BusDevice {
    /** The two registers: control at the port, status at the next. */
    public static final int SIZE = 2;
    /** The sleep type value {@code \_S5} names (any of 0-7 would do; a fixed one keeps DSDT and device in step). */
    public static final int S5_SLEEP_TYPE = 5;
    /** Sleep control register: SLP_TYPx in bits 4:2, SLP_EN in bit 5 (Table 4.21). */
    private static final int SLP_TYP_SHIFT = 2;
    private static final int SLP_TYP_MASK = 0x7;
    private static final int SLP_EN = 1 << 5;

    private final VmControl vm;

    public AcpiSleepControl(VmControl vm) {
        this.vm = vm;
    }

    @Override
    public long read(long offset, int size) {
        return 0; // neither register has anything to report: no wake events (WAK_STS) on the way down
    }

    @Override
    public void write(long offset, int size, long value) {
        if (offset == 0 && (value & SLP_EN) != 0 && ((value >> SLP_TYP_SHIFT) & SLP_TYP_MASK) == S5_SLEEP_TYPE) {
            vm.requestStop(new StopRequest.PowerOff());
        }
    }
}
