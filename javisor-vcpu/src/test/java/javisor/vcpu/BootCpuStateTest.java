package javisor.vcpu;

import javisor.sys.kvm.DescriptorTable;
import javisor.sys.kvm.Segment;
import javisor.sys.kvm.SpecialRegs;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/** Where real-mode entry puts CS and IP: a real segment that holds the entry, up to what real mode reaches. */
class BootCpuStateTest {
    /** The x86 reset state's segments: CS base 0xffff0000, selector 0xf000 (SDM vol. 3, 9.1.4). */
    private static final SpecialRegs RESET;

    static {
        Segment cs = new Segment(0xffff_0000L, 0xffff, 0xf000, 0xb, true, 0, false, true, false, false, false, false);
        Segment data = new Segment(0, 0xffff, 0, 0x3, true, 0, false, true, false, false, false, false);
        DescriptorTable none = new DescriptorTable(0, 0xffff);
        RESET = new SpecialRegs(cs, data, data, data, data, data, data, data, none, none, 0x6000_0010L, 0, 0, 0, 0,
                0, 0xfee0_0900L);
    }

    @ParameterizedTest
    @CsvSource({
            "0x7c00,   0x0000, 0x7c00",
            "0x8000,   0x0000, 0x8000",
            "0x12345,  0x1000, 0x2345",
            "0xf0000,  0xf000, 0x0000",
            "0x100000, 0xffff, 0x0010",
            "0x10ffef, 0xffff, 0xffff"})
    void theEntryIsCsTimesSixteenPlusIp(String entry, String selector, String ip) {
        long e = Long.decode(entry);
        SpecialRegs s = BootCpuState.realMode(RESET, e);
        assertThat(s.cs().selector()).isEqualTo(Integer.decode(selector));
        assertThat(s.cs().base()).as("a real segment: base = selector * 16").isEqualTo((long) s.cs().selector() << 4);
        assertThat(BootCpuState.realModeIp(e)).isEqualTo(Long.decode(ip));
        assertThat(s.cs().base() + BootCpuState.realModeIp(e)).isEqualTo(e);
        assertThat(s.cr0() & 1).as("protection off").isZero();
    }

    @Test
    void anEntryBeyondRealModesReachIsRefused() {
        assertThatThrownBy(() -> BootCpuState.realMode(RESET, 0x10fff0))
                .hasMessageContaining("beyond what real mode reaches (0x10ffef)");
    }
}
