package javisor.vm.platform;

import java.util.HexFormat;
import java.util.List;

import javisor.vm.platform.Aml.Resource;
import org.junit.jupiter.api.Test;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/** AML encodings, byte by byte against ACPI 6.5 chapter 20 and section 6.4. */
class AmlTest {
    private static String hex(Aml a) {
        return HexFormat.of().formatHex(a.bytes());
    }

    @Test
    void pkgLengthUsesOneByteUpTo63AndThenANibblePlusBytes() {
        assertThat(Aml.pkgLength(0)).containsExactly(0x01);
        assertThat(Aml.pkgLength(62)).containsExactly(0x3f);
        // 63 bytes of content need two length bytes: total 65 = 0x41 -> lead 0x41 (one byte follows, nibble 1), 0x04
        assertThat(Aml.pkgLength(63)).containsExactly(0x41, 0x04);
        assertThat(Aml.pkgLength(0xffd)).containsExactly(0x4f, 0xff); // total 0xfff, the two-byte maximum
        assertThat(Aml.pkgLength(0xffe)).containsExactly(0x81, 0x00, 0x01); // total 0x1001
    }

    @Test
    void integersTakeTheirShortestEncoding() {
        assertThat(hex(new Aml.Int(0))).isEqualTo("00");
        assertThat(hex(new Aml.Int(1))).isEqualTo("01");
        assertThat(hex(new Aml.Int(0x3f8))).isEqualTo("0bf803");
        assertThat(hex(new Aml.Int(0xd0000000L))).isEqualTo("0c000000d0");
        assertThat(hex(new Aml.Int(0x1_0000_0000L))).isEqualTo("0e0000000001000000");
        assertThat(hex(new Aml.Int(0x10))).isEqualTo("0a10");
    }

    @Test
    void eisaIdsCompressAsThePnpIdsLinuxMatches() {
        assertThat(new Aml.EisaId("PNP0501").value()).isEqualTo(0x0105d041);
        assertThat(hex(new Aml.EisaId("PNP0303"))).isEqualTo("0c41d00303");
        assertThat(AmlReader.eisaId(Integer.toUnsignedLong(new Aml.EisaId("PNP0B00").value()))).isEqualTo("PNP0B00");
        assertThatThrownBy(() -> new Aml.EisaId("pnp0501")).hasMessageContaining("EISA id");
    }

    @Test
    void namesArePaddedSegmentsWithRootAndMultiNamePrefixes() {
        assertThat(HexFormat.of().formatHex(Aml.nameString("\\_SB"))).isEqualTo("5c5f53425f");
        assertThat(HexFormat.of().formatHex(Aml.nameString("COM1"))).isEqualTo("434f4d31");
        assertThat(HexFormat.of().formatHex(Aml.nameString("\\_SB.PCI0"))).isEqualTo("5c2e5f53425f50434930");
        assertThat(HexFormat.of().formatHex(Aml.nameString("A.B.C"))).isEqualTo("2f03415f5f5f425f5f5f435f5f5f");
        assertThatThrownBy(() -> Aml.nameString("toolong")).hasMessageContaining("name segment");
    }

    @Test
    void aDeviceWithAResourceTemplateEncodesAsTheSpecSays() {
        Aml device = new Aml.Device("COM1", List.of(
                new Aml.Name("_HID", new Aml.EisaId("PNP0501")),
                new Aml.Name("_CRS", new Aml.ResourceTemplate(List.of(new Resource.IoPort(0x3f8, 8),
                        new Resource.IrqNoFlags(4))))));
        assertThat(hex(device)).isEqualTo("5b82" + "25" + "434f4d31"
                + "08" + "5f484944" + "0c41d00501"
                + "08" + "5f435253" + "11" + "10" + "0a0d" + "47" + "01" + "f803" + "f803" + "01" + "08" + "22" + "1000"
                + "7900");
    }

    @Test
    void largeResourceDescriptors() {
        assertThat(HexFormat.of().formatHex(new Aml.ResourceTemplate(List.of(
                new Resource.Memory32Fixed(0xd0000000L, 0x1000, true),
                new Resource.ExtendedInterrupt(true, false, 5))).bytes()))
                .isEqualTo("11" + "1a" + "0a17" + "86" + "0900" + "01" + "000000d0" + "00100000"
                        + "89" + "0600" + "03" + "01" + "05000000" + "7900");
    }

    @Test
    void stringsAreAsciiWithoutNul() {
        assertThat(hex(new Aml.Str("LNRO0005"))).isEqualTo("0d4c4e524f3030303500");
        assertThatThrownBy(() -> new Aml.Str("a\0b")).hasMessageContaining("ASCII");
    }
}
