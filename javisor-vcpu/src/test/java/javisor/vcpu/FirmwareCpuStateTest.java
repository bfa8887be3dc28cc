package javisor.vcpu;

import javisor.sys.kvm.Msr;
import org.junit.jupiter.api.Test;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

class FirmwareCpuStateTest {
    @Test
    void lint0BecomesUnmaskedExtIntAndLint1Nmi() {
        byte[] reset = new byte[1024];
        reset[0x350 + 2] = 0x01; // masked, as KVM resets an AP's LVT0
        reset[0x360 + 2] = 0x01;
        reset[0x360] = 0x20;     // a vector, kept
        reset[0x20] = 0x42;      // some other register, kept
        byte[] s = FirmwareCpuState.withLegacyLints(reset);
        assertThat(FirmwareCpuState.lvt(s, 0x350)).isEqualTo(0x700);
        assertThat(FirmwareCpuState.lvt(s, 0x360)).isEqualTo(0x420);
        assertThat(s[0x20]).isEqualTo((byte) 0x42);
        assertThat(reset[0x352]).as("input untouched").isEqualTo((byte) 1);
    }

    @Test
    void theStateMustBeAWholeApicPage() {
        assertThatThrownBy(() -> FirmwareCpuState.withLegacyLints(new byte[512]))
                .hasMessageContaining("1024");
    }

    @Test
    void bootMsrsEnableFastStringsAndWriteBackMtrrs() {
        assertThat(FirmwareCpuState.bootMsrs()).containsExactly(new Msr(0x1a0, 1), new Msr(0x2ff, 0x806));
    }
}
