package javisor.vm.platform;

/**
 * The Intel MultiProcessor Specification 1.4 tables (chapter 4): the MP floating pointer structure followed
 * by the MP configuration table, which lets an OS without ACPI (Linux with {@code acpi=off}) find the vCPUs,
 * the IOAPIC and how the ISA interrupts reach it. The layout is the one KVM's in-kernel irqchip implements:
 * virtual wire mode through LINT0 of the boot processor, ISA IRQ n on IOAPIC input n (KVM's default
 * routing), NMI on every LINT1.
 */
final class MpTable {
    /** Processor entries carry an 8-bit APIC id and the IOAPIC takes the id after the last vCPU's. */
    static final int MAX_CPUS = 254;

    static final int SPEC_REV_1_4 = 4;
    static final int FLOATING_POINTER_SIZE = 16;
    static final int HEADER_SIZE = 44;

    static final int ENTRY_PROCESSOR = 0;
    static final int ENTRY_BUS = 1;
    static final int ENTRY_IOAPIC = 2;
    static final int ENTRY_IO_INTERRUPT = 3;
    static final int ENTRY_LOCAL_INTERRUPT = 4;

    static final int INT_TYPE_INT = 0;
    static final int INT_TYPE_NMI = 1;
    static final int INT_TYPE_EXTINT = 3;

    static final int CPU_ENABLED = 1;
    static final int CPU_BOOT_PROCESSOR = 2;
    /** KVM's local APIC reports version 0x14 (arch/x86/kvm/lapic.c, APIC_VERSION). */
    static final int LAPIC_VERSION = 0x14;
    /** KVM's IOAPIC reports version 0x11 (arch/x86/kvm/ioapic.h, IOAPIC_VERSION_ID). */
    static final int IOAPIC_VERSION = 0x11;
    /** Family 6, as CPUID leaf 1 EAX encodes it (MP spec Table 4-5); informational only. */
    static final int CPU_SIGNATURE = 0x600;
    /** CPUID leaf 1 EDX with FPU (bit 0) and APIC (bit 9), the bits the spec says to copy. */
    static final int CPU_FEATURES = 0x201;
    static final int ISA_BUS_ID = 0;
    /** "Conforms to the specification of the bus" for polarity and trigger (MP spec Table 4-10). */
    static final int FLAGS_CONFORM = 0;
    static final int ALL_LOCAL_APICS = 0xff;
    /** ISA IRQs with a source on a PC: all but 2, which is the PIC cascade and not a device. */
    static final int[] ISA_IRQS = {0, 1, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15};

    private MpTable() {
    }

    /** The IOAPIC's id: the first after the processors', as the spec's default configurations do. */
    static int ioapicId(int cpuCount) {
        return cpuCount;
    }

    /** The floating pointer at {@code address}, then the configuration table right after it. */
    static byte[] build(PlatformSpec spec, long address) {
        int cpus = spec.cpuCount();
        if (cpus > MAX_CPUS) {
            throw new IllegalArgumentException("an MP table describes at most " + MAX_CPUS + " CPUs, not " + cpus);
        }
        long tableAddress = address + FLOATING_POINTER_SIZE;
        LeWriter w = new LeWriter();

        // MP floating pointer structure (MP spec 4.1, Table 4-1).
        w.ascii("_MP_", 4, ' ').u32(tableAddress).u8(1).u8(SPEC_REV_1_4).u8(0);
        w.u8(0);  // feature byte 1: 0 = a configuration table is present
        w.u8(0);  // feature byte 2: IMCRP clear = virtual wire mode, no IMCR to program
        w.zeros(3);
        w.patchChecksum(10, 0, FLOATING_POINTER_SIZE);

        // MP configuration table header (4.2, Table 4-2); lengths, count and checksum are patched in below.
        int base = w.position();
        w.ascii("PCMP", 4, ' ').u16(0).u8(SPEC_REV_1_4).u8(0);
        w.ascii("JAVISOR", 8, ' ').ascii("KVM PC", 12, ' ');
        w.u32(0).u16(0);                 // no OEM table
        w.u16(0);                        // entry count
        w.u32(PlatformLayout.LAPIC_ADDRESS);
        w.u16(0).u8(0).u8(0);            // no extended entries

        int entries = 0;
        for (int apicId = 0; apicId < cpus; apicId++) { // Table 4-4
            w.u8(ENTRY_PROCESSOR).u8(apicId).u8(LAPIC_VERSION)
                    .u8(CPU_ENABLED | (apicId == 0 ? CPU_BOOT_PROCESSOR : 0))
                    .u32(CPU_SIGNATURE).u32(CPU_FEATURES).zeros(8);
            entries++;
        }
        w.u8(ENTRY_BUS).u8(ISA_BUS_ID).ascii("ISA", 6, ' '); // Table 4-6, bus type string of Table 4-8
        entries++;
        int ioapic = ioapicId(cpus);
        w.u8(ENTRY_IOAPIC).u8(ioapic).u8(IOAPIC_VERSION).u8(1).u32(PlatformLayout.IOAPIC_ADDRESS); // Table 4-7
        entries++;
        for (int irq : ISA_IRQS) { // Table 4-9: ISA IRQ n -> IOAPIC INTIN n
            w.u8(ENTRY_IO_INTERRUPT).u8(INT_TYPE_INT).u16(FLAGS_CONFORM).u8(ISA_BUS_ID).u8(irq).u8(ioapic).u8(irq);
            entries++;
        }
        for (VirtioMmioDevice d : spec.virtioMmio()) {
            if (d.gsi() >= 16) { // GSIs below 16 are ISA IRQs and already listed
                w.u8(ENTRY_IO_INTERRUPT).u8(INT_TYPE_INT).u16(FLAGS_CONFORM).u8(ISA_BUS_ID).u8(d.gsi()).u8(ioapic)
                        .u8(d.gsi());
                entries++;
            }
        }
        // Table 4-11: the PIC's output on every LINT0 (virtual wire), NMI on every LINT1 (the spec's defaults).
        w.u8(ENTRY_LOCAL_INTERRUPT).u8(INT_TYPE_EXTINT).u16(FLAGS_CONFORM).u8(ISA_BUS_ID).u8(0).u8(ALL_LOCAL_APICS)
                .u8(0);
        w.u8(ENTRY_LOCAL_INTERRUPT).u8(INT_TYPE_NMI).u16(FLAGS_CONFORM).u8(ISA_BUS_ID).u8(0).u8(ALL_LOCAL_APICS)
                .u8(1);
        entries += 2;

        int length = w.position() - base;
        w.patchU16(base + 4, length);
        w.patchU16(base + 34, entries);
        w.patchChecksum(base + 7, base, base + length);
        return w.toArray();
    }
}
