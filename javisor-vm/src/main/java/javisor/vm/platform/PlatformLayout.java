package javisor.vm.platform;

import java.util.Set;

/**
 * Where the platform's firmware-visible pieces sit in guest-physical space, as on a PC (the addresses an OS
 * looks at without being told):
 *
 * <pre>
 *   [0x000a0000, 0x000e0000)  legacy hole (VGA memory, option ROMs): never listed as RAM in the e820 map
 *   [0x000e0000, 0x000f0000)  ACPI tables; the RSDP at 0xe0000, where ACPI 6.5, 5.2.5.1 lets an OS search
 *   [0x000f0000, 0x00100000)  MP floating pointer at 0xf0000 and the MP configuration table after it
 *                             (Intel MP spec 1.4, 4.1: the BIOS ROM area 0xf0000-0xfffff is searched)
 *   0xfec00000                the I/O APIC (KVM's in-kernel IOAPIC)
 *   0xfee00000                the local APICs
 * </pre>
 *
 * The range [0xe0000, 0x100000) is reported as reserved in the e820 map, as a PC BIOS reports its ROM area.
 */
public final class PlatformLayout {
    /** Start of the legacy VGA and option-ROM hole; RAM there is hidden from the guest's memory map. */
    public static final long LEGACY_HOLE_START = 0xa_0000;
    /** Start of the system BIOS area, where the tables go; reserved in the e820 map. */
    public static final long BIOS_AREA_START = 0xe_0000;
    /** End of the BIOS area and of the first MiB. */
    public static final long BIOS_AREA_END = 0x10_0000;

    /** The ACPI tables: RSDP first, then XSDT, FADT, MADT and DSDT. */
    public static final long ACPI_START = 0xe_0000;
    public static final long ACPI_END = 0xf_0000;
    /** The MP floating pointer structure, followed by the MP configuration table. */
    public static final long MP_START = 0xf_0000;
    public static final long MP_END = 0x10_0000;

    /** KVM's in-kernel IOAPIC, at the address every PC uses (Intel 82093AA data sheet, 3.0). */
    public static final long IOAPIC_ADDRESS = 0xfec0_0000L;
    /** The local APICs' default base (Intel SDM vol. 3, 11.4.1). */
    public static final long LAPIC_ADDRESS = 0xfee0_0000L;
    /** The IOAPIC's 24 inputs, GSIs 0-23 (KVM_IOAPIC_NUM_PINS). */
    public static final int IOAPIC_PINS = 24;

    /** The legacy devices every VM has: COM1, the i8042 keyboard controller and the CMOS RTC. */
    public static final int COM1_PORT = 0x3f8;
    public static final int COM1_IRQ = 4;
    public static final int I8042_DATA_PORT = 0x60;
    public static final int I8042_COMMAND_PORT = 0x64;
    public static final int I8042_KEYBOARD_IRQ = 1;
    public static final int RTC_PORT = 0x70;
    public static final int RTC_IRQ = 8;
    /**
     * The ACPI sleep control and status registers (the FADT's SLEEP_CONTROL_REG and SLEEP_STATUS_REG), where QEMU's
     * q35 has its PM1 event block: below the PM1a control port 0x604 that QEMU's power-off writes.
     */
    public static final int ACPI_SLEEP_PORT = 0x600;
    /** The Generic Event Device's interrupt (ACPI 6.5, 5.6.9): it raises the power button's notification. */
    public static final int GED_GSI = 9;
    /**
     * Where virtio-mmio devices go when nothing says otherwise ({@code javisor run --drive}): one page each from
     * here, in the hole below the IOAPIC, with GSIs from {@link #VIRTIO_FIRST_GSI} up (the IOAPIC inputs no ISA
     * device uses).
     */
    public static final long VIRTIO_MMIO_BASE = 0xd000_0000L;
    public static final long VIRTIO_MMIO_STRIDE = 0x1000;
    public static final int VIRTIO_FIRST_GSI = 16;
    /** The IRQs the platform devices use; a virtio-mmio device needs a GSI none of them has. */
    public static final Set<Integer> LEGACY_IRQS = Set.of(0, 1, 2, 4, 8, GED_GSI, 12);

    private PlatformLayout() {
    }
}
