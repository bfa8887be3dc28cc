package javisor.vmm.shell;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

import static org.assertj.core.api.Assertions.assertThat;

@Timeout(10)
class UnitsTest {
    @Test
    void bytesUseBinaryUnits() {
        assertThat(Units.bytes(0)).isEqualTo("0 B");
        assertThat(Units.bytes(1023)).isEqualTo("1023 B");
        assertThat(Units.bytes(64L << 20)).isEqualTo("64 MiB");
        assertThat(Units.bytes(3L << 29)).isEqualTo("1.5 GiB");
        assertThat(Units.bytes(4096)).isEqualTo("4 KiB");
    }

    @Test
    void durationsShowTwoFields() {
        assertThat(Units.duration(4_230_000_000L)).isEqualTo("4.2s");
        assertThat(Units.duration(187_000_000_000L)).isEqualTo("3m 07s");
        assertThat(Units.duration(7_500_000_000_000L)).isEqualTo("2h 05m");
        assertThat(Units.duration(273_600_000_000_000L)).isEqualTo("3d 04h");
    }
}
