package javisor.vm.platform;

import java.nio.charset.StandardCharsets;
import java.util.HexFormat;
import java.util.Arrays;
import java.util.List;
import java.util.Map;

import javisor.memory.GuestAddress;
import javisor.memory.GuestMemory;
import javisor.memory.GuestRegion;
import javisor.memory.RegionFlags;
import javisor.vm.platform.AmlReader.Node;
import javisor.vm.platform.AmlReader.Resource;
import javisor.vm.platform.FirmwareReader.MadtEntry;
import javisor.vm.platform.FirmwareReader.MpEntry;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/** The ACPI and MP tables, found and read back as an OS would, checksums included. */
class PlatformTablesTest {
    private final GuestMemory memory = GuestMemory.of(List.of(
            GuestRegion.allocate(GuestAddress.ZERO, 2L << 20, RegionFlags.RWX)));
    private final FirmwareReader reader = new FirmwareReader(memory);

    private static final PlatformSpec SPEC = new PlatformSpec(3, List.of(
            new VirtioMmioDevice(0xd000_0000L, 0x1000, 5),
            new VirtioMmioDevice(0xd000_1000L, 0x200, 16)));

    @AfterEach
    void close() {
        memory.close();
    }

    @Test
    void rsdpIsFoundInTheBiosAreaWithBothChecksumsAndPointsAtTheXsdt() {
        PlatformTables.Written w = PlatformTables.write(memory, SPEC);
        FirmwareReader.Rsdp rsdp = reader.findRsdp().orElseThrow();
        assertThat(rsdp.address()).isEqualTo(0xe0000).isEqualTo(w.rsdp().value());
        assertThat(rsdp.revision()).isEqualTo(2);
        assertThat(rsdp.length()).isEqualTo(36);
        assertThat(rsdp.oemId()).isEqualTo("JAVISR");
        assertThat(rsdp.rsdt()).isZero();
        assertThat(rsdp.xsdt()).isNotZero();
        assertThat(reader.tables(rsdp)).containsOnlyKeys("XSDT", "FACP", "APIC", "DSDT");
    }

    @Test
    void everyTableHasAValidHeader() {
        PlatformTables.write(memory, SPEC);
        Map<String, FirmwareReader.Table> tables = reader.tables(reader.findRsdp().orElseThrow());
        assertThat(tables.get("FACP").revision()).isEqualTo(6);
        assertThat(tables.get("FACP").length()).isEqualTo(276);
        assertThat(tables.get("APIC").revision()).isEqualTo(5);
        assertThat(tables.get("DSDT").revision()).isEqualTo(2);
        for (FirmwareReader.Table t : tables.values()) {
            assertThat(t.oemId()).isEqualTo("JAVISR");
            assertThat(t.oemTableId()).isEqualTo("JAVISOR ");
            assertThat(t.address() % 16).as(t.signature() + " alignment").isZero();
            assertThat(t.address() + t.length()).isLessThanOrEqualTo(PlatformLayout.ACPI_END);
        }
    }

    @Test
    void fadtIsHardwareReducedWithResetThroughTheI8042AndPointsAtTheDsdt() {
        PlatformTables.write(memory, SPEC);
        Map<String, FirmwareReader.Table> tables = reader.tables(reader.findRsdp().orElseThrow());
        long f = tables.get("FACP").address();
        long flags = reader.u32(f + 112);
        assertThat(flags & (1 << 20)).as("HW_REDUCED_ACPI").isNotZero();
        assertThat(flags & (1 << 10)).as("RESET_REG_SUP").isNotZero();
        assertThat(flags & (1 << 4)).as("PWR_BUTTON").isNotZero();
        assertThat(reader.u16(f + 109)).as("IAPC_BOOT_ARCH: legacy devices, 8042, no VGA").isEqualTo(0b111);
        // RESET_REG: GAS {SystemIO, 8 bits, offset 0, byte access, port 0x64}, RESET_VALUE 0xfe.
        assertThat(HexFormat.of().formatHex(memory.read(GuestAddress.of(f + 116), 12)))
                .isEqualTo("010800016400000000000000");
        assertThat(reader.u8(f + 128)).isEqualTo(0xfe);
        assertThat(reader.u8(f + 131)).as("FADT minor version").isEqualTo(5);
        assertThat(reader.u8(f + 108)).as("CENTURY is CMOS byte 0x32").isEqualTo(0x32);
        assertThat(reader.u64(f + 140)).isEqualTo(tables.get("DSDT").address());
        assertThat(reader.u32(f + 40)).isEqualTo(tables.get("DSDT").address());
        assertThat(reader.ascii(f + 268, 7)).isEqualTo("JAVISOR");
    }

    @Test
    void madtListsEveryCpuTheIoapicAndLint1Nmi() {
        PlatformTables.write(memory, SPEC);
        FirmwareReader.Madt madt = reader.madt(reader.tables(reader.findRsdp().orElseThrow()).get("APIC"));
        assertThat(madt.lapicAddress()).isEqualTo(0xfee0_0000L);
        assertThat(madt.flags()).as("PCAT_COMPAT").isEqualTo(1);
        assertThat(madt.entries()).containsExactly(
                new MadtEntry.LocalApic(0, 0, 1),
                new MadtEntry.LocalApic(1, 1, 1),
                new MadtEntry.LocalApic(2, 2, 1),
                new MadtEntry.IoApic(3, 0xfec0_0000L, 0),
                new MadtEntry.LocalApicNmi(0xff, 0, 1));
    }

    @Test
    void moreCpusThanXapicIdsGetX2apicEntriesAndNoMpTable() {
        PlatformTables.Written w = PlatformTables.write(memory, PlatformSpec.of(300));
        assertThat(w.mpTable()).isEmpty();
        assertThat(reader.findMpFloatingPointer()).isEmpty();
        FirmwareReader.Madt madt = reader.madt(reader.tables(reader.findRsdp().orElseThrow()).get("APIC"));
        assertThat(madt.entries().stream().filter(e -> e instanceof MadtEntry.LocalApic)).hasSize(255);
        List<MadtEntry> x2 = madt.entries().stream().filter(e -> e instanceof MadtEntry.LocalX2Apic).toList();
        assertThat(x2).hasSize(45).first().isEqualTo(new MadtEntry.LocalX2Apic(255, 1, 255));
        assertThat(madt.entries()).contains(new MadtEntry.IoApic(0, 0xfec0_0000L, 0),
                new MadtEntry.LocalX2ApicNmi(0, 0xffff_ffffL, 1));
    }

    @Test
    void dsdtDescribesCom1TheKeyboardControllerTheRtcAndEachVirtioDevice() {
        PlatformTables.write(memory, SPEC);
        FirmwareReader.Table t = reader.tables(reader.findRsdp().orElseThrow()).get("DSDT");
        List<Node> aml = AmlReader.parse(memory.read(GuestAddress.of(t.address() + 36), (int) t.length() - 36));
        assertThat(aml).hasSize(2);
        assertThat(AmlReader.scope(aml, "\\_SB_")).isPresent();
        Map<String, Node.Device> devices = AmlReader.devices(aml);
        assertThat(devices).containsOnlyKeys("COM1", "PS2K", "RTC_", "PWRB", "GED0", "V000", "V001");

        Node.Device com1 = devices.get("COM1");
        assertThat(AmlReader.eisaId((Long) com1.value("_HID"))).isEqualTo("PNP0501");
        assertThat(com1.value("_UID")).isEqualTo(1L);
        assertThat(AmlReader.resources((byte[]) com1.value("_CRS"))).containsExactly(
                new Resource.Io(true, 0x3f8, 0x3f8, 1, 8), new Resource.Irq(1 << 4));

        Node.Device kbd = devices.get("PS2K");
        assertThat(AmlReader.eisaId((Long) kbd.value("_HID"))).isEqualTo("PNP0303");
        assertThat(AmlReader.resources((byte[]) kbd.value("_CRS"))).containsExactly(
                new Resource.Io(true, 0x60, 0x60, 1, 1), new Resource.Io(true, 0x64, 0x64, 1, 1),
                new Resource.Irq(1 << 1));

        Node.Device rtc = devices.get("RTC_");
        assertThat(AmlReader.eisaId((Long) rtc.value("_HID"))).isEqualTo("PNP0B00");
        assertThat(AmlReader.resources((byte[]) rtc.value("_CRS"))).containsExactly(
                new Resource.Io(true, 0x70, 0x70, 1, 2), new Resource.Irq(1 << 8));

        Node.Device v1 = devices.get("V001");
        assertThat(v1.value("_HID")).isEqualTo("LNRO0005");
        assertThat(v1.value("_UID")).isEqualTo(1L);
        assertThat(v1.value("_CCA")).isEqualTo(1L);
        assertThat(AmlReader.resources((byte[]) v1.value("_CRS"))).containsExactly(
                new Resource.Memory32Fixed(true, 0xd000_1000L, 0x200),
                new Resource.ExtendedIrq(0b0011, List.of(16L))); // consumer, edge, active high, exclusive
        assertThat(AmlReader.resources((byte[]) devices.get("V000").value("_CRS")))
                .contains(new Resource.ExtendedIrq(0b0011, List.of(5L)));
    }

    @Test
    void anOsCanPowerOffThroughS5AndHearThePowerButton() {
        PlatformTables.write(memory, SPEC);
        Map<String, FirmwareReader.Table> tables = reader.tables(reader.findRsdp().orElseThrow());
        FirmwareReader.Table t = tables.get("DSDT");
        List<Node> aml = AmlReader.parse(memory.read(GuestAddress.of(t.address() + 36), (int) t.length() - 36));
        // \_S5: SLP_TYP 5, which the sleep control register at 0x600 takes with SLP_EN (ACPI 6.5, 7.4.2).
        assertThat(aml.getFirst()).isEqualTo(new Node.Name("\\_S5_", List.of(5L, 0L, 0L, 0L)));
        byte[] fadt = memory.read(GuestAddress.of(tables.get("FACP").address()), AcpiTables.FADT_SIZE);
        assertThat(Arrays.copyOfRange(fadt, AcpiTables.FADT_SLEEP_CONTROL_REG, AcpiTables.FADT_SLEEP_CONTROL_REG + 12))
                .as("GAS: system I/O, 8 bits at 0, byte access, port 0x600")
                .containsExactly(1, 8, 0, 1, 0x00, 0x06, 0, 0, 0, 0, 0, 0);
        assertThat(Arrays.copyOfRange(fadt, AcpiTables.FADT_SLEEP_STATUS_REG, AcpiTables.FADT_SLEEP_STATUS_REG + 12))
                .containsExactly(1, 8, 0, 1, 0x01, 0x06, 0, 0, 0, 0, 0, 0);

        Map<String, Node.Device> devices = AmlReader.devices(aml);
        assertThat(AmlReader.eisaId((Long) devices.get("PWRB").value("_HID"))).isEqualTo("PNP0C0C");
        Node.Device ged = devices.get("GED0");
        assertThat(ged.value("_HID")).isEqualTo("ACPI0013");
        assertThat(AmlReader.resources((byte[]) ged.value("_CRS")))
                .containsExactly(new Resource.ExtendedIrq(0b0011, List.of(9L)));
        assertThat(ged.children()).contains(new Node.Method("_EVT", 1,
                List.of(new Node.Notify("\\_SB_.PWRB", 0x80))));
    }

    @Test
    void mpTableIsFoundByItsFloatingPointerAndDescribesTheSameMachine() {
        PlatformTables.Written w = PlatformTables.write(memory, SPEC);
        FirmwareReader.MpFloating fp = reader.findMpFloatingPointer().orElseThrow();
        assertThat(fp.address()).isEqualTo(0xf0000).isEqualTo(w.mpTable().orElseThrow().value());
        assertThat(fp.length()).isEqualTo(1);
        assertThat(fp.specRev()).isEqualTo(4);
        assertThat(fp.feature1()).as("a configuration table is present").isZero();
        assertThat(fp.feature2()).as("virtual wire mode").isZero();

        FirmwareReader.MpConfig mp = reader.mpConfig(fp.tableAddress());
        assertThat(mp.specRev()).isEqualTo(4);
        assertThat(mp.oemId()).isEqualTo("JAVISOR ");
        assertThat(mp.lapicAddress()).isEqualTo(0xfee0_0000L);
        List<MpEntry> e = mp.entries();
        assertThat(e.subList(0, 3)).containsExactly(
                new MpEntry.Processor(0, 0x14, 3, 0x600, 0x201),
                new MpEntry.Processor(1, 0x14, 1, 0x600, 0x201),
                new MpEntry.Processor(2, 0x14, 1, 0x600, 0x201));
        assertThat(e.get(3)).isEqualTo(new MpEntry.Bus(0, "ISA   "));
        assertThat(e.get(4)).isEqualTo(new MpEntry.IoApic(3, 0x11, 1, 0xfec0_0000L));
        List<MpEntry> irqs = e.stream().filter(x -> x instanceof MpEntry.IoInterrupt).toList();
        assertThat(irqs).hasSize(16) // ISA IRQs but the cascade, and the virtio device on GSI 16
                .contains(new MpEntry.IoInterrupt(0, 0, 0, 0, 3, 0), new MpEntry.IoInterrupt(0, 0, 0, 4, 3, 4),
                        new MpEntry.IoInterrupt(0, 0, 0, 16, 3, 16))
                .doesNotContain(new MpEntry.IoInterrupt(0, 0, 0, 2, 3, 2));
        assertThat(e.subList(e.size() - 2, e.size())).containsExactly(
                new MpEntry.LocalInterrupt(3, 0, 0, 0, 0xff, 0),   // ExtINT on LINT0
                new MpEntry.LocalInterrupt(1, 0, 0, 0, 0xff, 1));  // NMI on LINT1
    }

    @Test
    void theBiosAreaIsClearedSoNoStaleSignatureSurvives() {
        memory.write(GuestAddress.of(0xfff00), "RSD PTR _MP_".getBytes(StandardCharsets.US_ASCII));
        PlatformTables.write(memory, PlatformSpec.of(1));
        assertThat(memory.read(GuestAddress.of(0xfff00), 12)).containsOnly(0);
    }

    @Test
    void tablesNeedRamAtTheBiosArea() {
        try (GuestMemory high = GuestMemory.of(List.of(
                GuestRegion.allocate(GuestAddress.of(0x10_0000), 0x10_0000, RegionFlags.RWX)))) {
            assertThat(PlatformTables.fits(high)).isFalse();
            assertThatThrownBy(() -> PlatformTables.write(high, PlatformSpec.of(1)))
                    .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("[0xe0000, 0x100000)");
        }
    }

    @Test
    void specsAreChecked() {
        assertThatThrownBy(() -> PlatformSpec.of(0)).hasMessageContaining("cpu count 0");
        assertThatThrownBy(() -> new VirtioMmioDevice(0xd000_0000L, 0x1000, 4)).hasMessageContaining("GSI 4");
        assertThatThrownBy(() -> new VirtioMmioDevice(0xffff_f800L, 0x1000, 5)).hasMessageContaining("below 4 GiB");
        assertThatThrownBy(() -> new PlatformSpec(1, List.of(new VirtioMmioDevice(0xd000_0000L, 0x1000, 5),
                new VirtioMmioDevice(0xd000_0800L, 0x1000, 6)))).hasMessageContaining("overlap");
        assertThatThrownBy(() -> new PlatformSpec(1, List.of(new VirtioMmioDevice(0xd000_0000L, 0x1000, 5),
                new VirtioMmioDevice(0xd000_1000L, 0x1000, 5)))).hasMessageContaining("share GSI 5");
    }

    @Test
    void rsdpBytesAreExactlyAsTheSpecLaysThemOut() {
        byte[] rsdp = AcpiTables.rsdp(0xe0040);
        assertThat(HexFormat.of().formatHex(rsdp, 0, 8)).isEqualTo("5253442050545220"); // "RSD PTR "
        assertThat(HexFormat.of().formatHex(rsdp, 15, 36))
                .isEqualTo("02" + "00000000" + "24000000" + "40000e0000000000" + HexFormat.of().toHexDigits(rsdp[32])
                        + "000000");
        int sum20 = 0;
        int sum36 = 0;
        for (int i = 0; i < 36; i++) {
            sum36 += rsdp[i];
            sum20 += i < 20 ? rsdp[i] : 0;
        }
        assertThat(sum20 & 0xff).isZero();
        assertThat(sum36 & 0xff).isZero();
    }
}
