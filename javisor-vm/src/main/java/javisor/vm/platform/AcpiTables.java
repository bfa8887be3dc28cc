package javisor.vm.platform;

import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;

import javisor.devices.AcpiSleepControl;
import javisor.vm.platform.Aml.Resource;

/**
 * The ACPI tables of a hardware-reduced ACPI platform (ACPI 6.5, 4.1 "Hardware-Reduced ACPI"), as
 * Firecracker and Cloud Hypervisor give Linux: RSDP, XSDT, FADT, MADT and DSDT, laid out from one base
 * address with the RSDP first.
 *
 * <p>Hardware-reduced: there is no PM timer, GPE or SCI to emulate, so the FADT needs no fixed hardware; KVM's
 * in-kernel LAPICs, IOAPIC and PIC do the interrupt work; reset goes through the FADT reset register, which
 * points at the i8042's command port with value 0xFE; power-off through the sleep control register and the
 * DSDT's {@code \_S5}; the power button is a control-method device that a Generic Event Device notifies.
 */
final class AcpiTables {
    static final String OEM_ID = "JAVISR";
    static final String OEM_TABLE_ID = "JAVISOR";
    static final int OEM_REVISION = 1;
    static final String CREATOR_ID = "JVSR";
    static final int CREATOR_REVISION = 1;

    static final int RSDP_SIZE = 36;
    static final int HEADER_SIZE = 36;
    static final int FADT_SIZE = 276;
    static final int FADT_REVISION = 6;
    static final int FADT_MINOR_REVISION = 5;
    static final int MADT_REVISION = 5;
    /** Revision 2: AML integers are 64 bits wide (ACPI 6.5, 5.2.11.1). */
    static final int DSDT_REVISION = 2;
    static final int XSDT_REVISION = 1;

    // FADT (ACPI 6.5, 5.2.9, Table 5.9) offsets and flags.
    static final int FADT_DSDT = 40;
    static final int FADT_CENTURY = 108;
    static final int FADT_IAPC_BOOT_ARCH = 109;
    static final int FADT_FLAGS = 112;
    static final int FADT_RESET_REG = 116;
    static final int FADT_RESET_VALUE = 128;
    static final int FADT_MINOR_VERSION = 131;
    static final int FADT_X_DSDT = 140;
    static final int FADT_SLEEP_CONTROL_REG = 244;
    /** Notify value for a power button press (4.8.2.2.1.2, "Control Method Power Button"). */
    static final int POWER_BUTTON_PRESSED = 0x80;
    static final int FADT_SLEEP_STATUS_REG = 256;
    static final int FADT_HYPERVISOR_VENDOR = 268;
    /** IA-PC boot architecture flags (Table 5.10): legacy devices, an 8042, no VGA. */
    static final int IAPC_LEGACY_DEVICES = 1;
    static final int IAPC_8042 = 1 << 1;
    static final int IAPC_VGA_NOT_PRESENT = 1 << 2;
    /** Fixed feature flags (Table 5.11). */
    static final int FLAG_PWR_BUTTON = 1 << 4;
    static final int FLAG_SLP_BUTTON = 1 << 5;
    static final int FLAG_RESET_REG_SUP = 1 << 10;
    static final int FLAG_HW_REDUCED_ACPI = 1 << 20;
    /** Generic Address Structure address space id for system I/O (Table 5.1). */
    static final int GAS_SYSTEM_IO = 1;
    static final int GAS_ACCESS_BYTE = 1;
    static final int I8042_RESET_COMMAND = 0xfe;
    /** The CMOS RAM byte holding the century, as on the IBM PC/AT (javisor.devices.CmosRtc.CENTURY). */
    static final int RTC_CENTURY_INDEX = 0x32;

    // MADT (5.2.12) interrupt controller structure types and flags.
    static final int MADT_PCAT_COMPAT = 1;
    static final int MADT_LOCAL_APIC = 0;
    static final int MADT_IO_APIC = 1;
    static final int MADT_LOCAL_APIC_NMI = 4;
    static final int MADT_LOCAL_X2APIC = 9;
    static final int MADT_LOCAL_X2APIC_NMI = 0xa;
    static final int LAPIC_ENABLED = 1;
    static final int ALL_PROCESSORS_UID = 0xff;
    static final long ALL_PROCESSORS_X2APIC_UID = 0xffff_ffffL;
    /** xAPIC ids are 8-bit and 0xff is the broadcast id; higher ids need x2APIC structures (5.2.12.12). */
    static final int MAX_XAPIC_ID = 0xfe;

    private AcpiTables() {
    }

    /** Where each table went, relative to the base; for tests and messages. */
    record Layout(long rsdp, long xsdt, long fadt, long madt, long dsdt, int size) {
    }

    /** The tables for {@code spec}, to be placed at guest-physical {@code base}, which must be 16-byte aligned. */
    static byte[] build(PlatformSpec spec, long base) {
        byte[] madt = madt(spec);
        byte[] dsdt = dsdt(spec);
        Layout at = layout(base, madt.length, dsdt.length);
        byte[] fadt = fadt(at.dsdt());
        byte[] xsdt = xsdt(List.of(at.fadt(), at.madt()));
        byte[] rsdp = rsdp(at.xsdt());
        byte[] out = new byte[at.size()];
        put(out, rsdp, at.rsdp() - base);
        put(out, xsdt, at.xsdt() - base);
        put(out, fadt, at.fadt() - base);
        put(out, madt, at.madt() - base);
        put(out, dsdt, at.dsdt() - base);
        return out;
    }

    static Layout layout(long base, int madtSize, int dsdtSize) {
        if ((base & 0xf) != 0) {
            throw new IllegalArgumentException("the RSDP must be 16-byte aligned (ACPI 6.5, 5.2.5.1)");
        }
        long xsdt = align16(base + RSDP_SIZE);
        long fadt = align16(xsdt + HEADER_SIZE + 2 * 8);
        long madt = align16(fadt + FADT_SIZE);
        long dsdt = align16(madt + madtSize);
        return new Layout(base, xsdt, fadt, madt, dsdt, (int) (dsdt + dsdtSize - base));
    }

    private static long align16(long v) {
        return (v + 15) & ~15L;
    }

    private static void put(byte[] out, byte[] table, long offset) {
        System.arraycopy(table, 0, out, (int) offset, table.length);
    }

    /** Root System Description Pointer, ACPI 2.0+ form (5.2.5.3, Table 5.3). */
    static byte[] rsdp(long xsdtAddress) {
        LeWriter w = new LeWriter();
        w.ascii("RSD PTR ", 8, ' ').u8(0).ascii(OEM_ID, 6, ' ').u8(2);
        w.u32(0);            // RsdtAddress: no RSDT, the XSDT serves every ACPI 2.0+ OS
        w.u32(RSDP_SIZE).u64(xsdtAddress).u8(0).zeros(3);
        w.patchChecksum(8, 0, 20);          // the ACPI 1.0 checksum covers the first 20 bytes
        w.patchChecksum(32, 0, RSDP_SIZE);  // the extended checksum covers all of it
        return w.toArray();
    }

    /** Extended System Description Table (5.2.8): 64-bit pointers to the other tables but the DSDT. */
    static byte[] xsdt(List<Long> tables) {
        LeWriter w = header("XSDT", XSDT_REVISION);
        tables.forEach(w::u64);
        return finish(w);
    }

    /** A Generic Address Structure (5.2.3.2) at {@code offset}: one byte of system I/O space at {@code port}. */
    private static void systemIoByte(LeWriter f, int offset, int port) {
        f.patchU8(offset, GAS_SYSTEM_IO);
        f.patchU8(offset + 1, 8);  // register bit width
        f.patchU8(offset + 2, 0);  // bit offset
        f.patchU8(offset + 3, GAS_ACCESS_BYTE);
        f.patchU32(offset + 4, port);
    }

    /** Fixed ACPI Description Table (5.2.9) for a hardware-reduced platform. */
    static byte[] fadt(long dsdtAddress) {
        LeWriter f = header("FACP", FADT_REVISION);
        f.zeros(FADT_SIZE - HEADER_SIZE);
        // The 32-bit DSDT field too: both name the same table, as ACPI 6.5 5.2.9 allows when it is below 4 GiB.
        f.patchU32(FADT_DSDT, dsdtAddress);
        f.patchU8(FADT_CENTURY, RTC_CENTURY_INDEX);
        f.patchU16(FADT_IAPC_BOOT_ARCH, IAPC_LEGACY_DEVICES | IAPC_8042 | IAPC_VGA_NOT_PRESENT);
        f.patchU32(FADT_FLAGS, FLAG_PWR_BUTTON | FLAG_SLP_BUTTON | FLAG_RESET_REG_SUP | FLAG_HW_REDUCED_ACPI);
        // RESET_REG: one byte of system I/O at the i8042 command port (GAS, 5.2.3.2).
        systemIoByte(f, FADT_RESET_REG, PlatformLayout.I8042_COMMAND_PORT);
        f.patchU8(FADT_RESET_VALUE, I8042_RESET_COMMAND);
        f.patchU8(FADT_MINOR_VERSION, FADT_MINOR_REVISION);
        f.patchU32(FADT_X_DSDT, dsdtAddress);
        // Hardware-reduced ACPI sleeps (and so powers off) through these two byte-wide registers (4.8.3.7).
        systemIoByte(f, FADT_SLEEP_CONTROL_REG, PlatformLayout.ACPI_SLEEP_PORT);
        systemIoByte(f, FADT_SLEEP_STATUS_REG, PlatformLayout.ACPI_SLEEP_PORT + 1);
        f.patchU32(FADT_X_DSDT + 4, dsdtAddress >>> 32);
        byte[] vendor = "JAVISOR\0".getBytes(StandardCharsets.US_ASCII);
        for (int i = 0; i < vendor.length; i++) {
            f.patchU8(FADT_HYPERVISOR_VENDOR + i, vendor[i]);
        }
        return finish(f);
    }

    /**
     * Multiple APIC Description Table (5.2.12): one processor structure per vCPU (APIC id and processor
     * UID = vCPU id), KVM's IOAPIC with GSIs 0-23, and LINT1 as NMI on every processor. No interrupt source
     * override: KVM routes ISA IRQ n to IOAPIC input n, which is ACPI's default (5.2.12.5).
     */
    static byte[] madt(PlatformSpec spec) {
        LeWriter w = header("APIC", MADT_REVISION);
        w.u32(PlatformLayout.LAPIC_ADDRESS).u32(MADT_PCAT_COMPAT); // KVM's in-kernel PIC is there too
        boolean anyX2apic = false;
        for (int id = 0; id < spec.cpuCount(); id++) {
            if (id <= MAX_XAPIC_ID) { // 5.2.12.2, Table 5.22
                w.u8(MADT_LOCAL_APIC).u8(8).u8(id).u8(id).u32(LAPIC_ENABLED);
            } else { // 5.2.12.12, Table 5.41
                w.u8(MADT_LOCAL_X2APIC).u8(16).u16(0).u32(id).u32(LAPIC_ENABLED).u32(id);
                anyX2apic = true;
            }
        }
        // 5.2.12.3, Table 5.24: I/O APIC id, address, first GSI. The MP table uses the same id.
        w.u8(MADT_IO_APIC).u8(12).u8(ioapicId(spec)).u8(0).u32(PlatformLayout.IOAPIC_ADDRESS).u32(0);
        // 5.2.12.7, Table 5.30: NMI on LINT1 of all processors, polarity and trigger as the bus says.
        w.u8(MADT_LOCAL_APIC_NMI).u8(6).u8(ALL_PROCESSORS_UID).u16(0).u8(1);
        if (anyX2apic) { // 5.2.12.13, Table 5.42: the same for the x2APIC processors
            w.u8(MADT_LOCAL_X2APIC_NMI).u8(12).u16(0).u32(ALL_PROCESSORS_X2APIC_UID).u8(1).zeros(3);
        }
        return finish(w);
    }

    /** The IOAPIC's id: the MP table's choice where it has one (the id after the last vCPU's), else 0. */
    static int ioapicId(PlatformSpec spec) {
        return spec.cpuCount() <= MpTable.MAX_CPUS ? MpTable.ioapicId(spec.cpuCount()) : 0;
    }

    /** Differentiated System Description Table (5.2.11.1): the devices in {@link #devices}. */
    static byte[] dsdt(PlatformSpec spec) {
        LeWriter w = header("DSDT", DSDT_REVISION);
        // \_S5: the sleep type that the sleep control register's S5 (soft off) takes; with it an OS can power
        // off (7.4.2.6). The other three values are unused on a hardware-reduced platform.
        w.bytes(new Aml.Name("\\_S5_", new Aml.Package(List.of(new Aml.Int(AcpiSleepControl.S5_SLEEP_TYPE),
                new Aml.Int(0), new Aml.Int(0), new Aml.Int(0)))).bytes());
        w.bytes(new Aml.Scope("\\_SB", devices(spec)).bytes());
        return finish(w);
    }

    /**
     * The devices under \_SB: COM1 (PNP0501), the keyboard controller (PNP0303, without a PS/2 mouse, so Linux
     * leaves the AUX port alone), the CMOS RTC (PNP0B00) and each virtio-mmio transport as LNRO0005, the id
     * Linux's virtio_mmio driver matches (drivers/virtio/virtio_mmio.c).
     */
    static List<Aml> devices(PlatformSpec spec) {
        List<Aml> devices = new ArrayList<>();
        devices.add(new Aml.Device("COM1", List.of(
                new Aml.Name("_HID", new Aml.EisaId("PNP0501")),
                new Aml.Name("_UID", new Aml.Int(1)),
                new Aml.Name("_CRS", new Aml.ResourceTemplate(List.of(
                        new Resource.IoPort(PlatformLayout.COM1_PORT, 8),
                        new Resource.IrqNoFlags(PlatformLayout.COM1_IRQ)))))));
        devices.add(new Aml.Device("PS2K", List.of(
                new Aml.Name("_HID", new Aml.EisaId("PNP0303")),
                new Aml.Name("_CRS", new Aml.ResourceTemplate(List.of(
                        new Resource.IoPort(PlatformLayout.I8042_DATA_PORT, 1),
                        new Resource.IoPort(PlatformLayout.I8042_COMMAND_PORT, 1),
                        new Resource.IrqNoFlags(PlatformLayout.I8042_KEYBOARD_IRQ)))))));
        devices.add(new Aml.Device("RTC", List.of(
                new Aml.Name("_HID", new Aml.EisaId("PNP0B00")),
                new Aml.Name("_CRS", new Aml.ResourceTemplate(List.of(
                        new Resource.IoPort(PlatformLayout.RTC_PORT, 2),
                        new Resource.IrqNoFlags(PlatformLayout.RTC_IRQ)))))));
        // The power button as a control-method device (the FADT says there is no fixed one), and the Generic Event
        // Device whose interrupt runs _EVT, which notifies it: a press (0x80, 4.8.2.2.1.2), as "vm stop -g" sends.
        devices.add(new Aml.Device("PWRB", List.of(
                new Aml.Name("_HID", new Aml.EisaId("PNP0C0C")),
                new Aml.Name("_UID", new Aml.Int(0)))));
        devices.add(new Aml.Device("GED0", List.of(
                new Aml.Name("_HID", new Aml.Str("ACPI0013")),
                new Aml.Name("_UID", new Aml.Int(0)),
                new Aml.Name("_CRS", new Aml.ResourceTemplate(List.of(
                        new Resource.ExtendedInterrupt(true, false, PlatformLayout.GED_GSI)))),
                new Aml.Method("_EVT", 1, List.of(new Aml.Notify("\\_SB.PWRB", POWER_BUTTON_PRESSED))))));
        List<VirtioMmioDevice> virtio = spec.virtioMmio();
        for (int i = 0; i < virtio.size(); i++) {
            VirtioMmioDevice d = virtio.get(i);
            devices.add(new Aml.Device(String.format("V%03X", i), List.of(
                    new Aml.Name("_HID", new Aml.Str("LNRO0005")),
                    new Aml.Name("_UID", new Aml.Int(i)),
                    new Aml.Name("_CCA", new Aml.Int(1)), // cache-coherent DMA (6.2.17)
                    new Aml.Name("_CRS", new Aml.ResourceTemplate(List.of(
                            new Resource.Memory32Fixed(d.base(), d.size(), true),
                            new Resource.ExtendedInterrupt(true, false, d.gsi())))))));
        }
        return devices;
    }

    /** A system description table header (5.2.6, Table 5.4) with length and checksum left for {@link #finish}. */
    private static LeWriter header(String signature, int revision) {
        LeWriter w = new LeWriter();
        w.ascii(signature, 4, ' ').u32(0).u8(revision).u8(0).ascii(OEM_ID, 6, ' ').ascii(OEM_TABLE_ID, 8, ' ')
                .u32(OEM_REVISION).ascii(CREATOR_ID, 4, ' ').u32(CREATOR_REVISION);
        return w;
    }

    private static byte[] finish(LeWriter w) {
        int length = w.position();
        w.patchU32(4, length);
        w.patchChecksum(9, 0, length);
        return w.toArray();
    }
}
