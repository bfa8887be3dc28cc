package javisor.devices;

import java.util.ArrayList;
import java.util.List;

import org.junit.jupiter.api.Test;

import static org.assertj.core.api.Assertions.assertThat;

/** Port 0x92 as PC firmware and Linux's boot code (arch/x86/boot/a20.c, enable_a20_fast) use it. */
class SystemControlPortATest {
    private final List<StopRequest> stops = new ArrayList<>();

    private SystemControlPortA port(ResetAction action) {
        return new SystemControlPortA(stops::add, action);
    }

    @Test
    void startsWithA20OnAndNoReset() {
        assertThat(port(ResetAction.STOP).read(0, 1)).isEqualTo(0x02);
    }

    @Test
    void readsReturnTheLastValueWritten() {
        SystemControlPortA p = port(ResetAction.STOP);
        p.write(0, 1, 0x00);
        assertThat(p.read(0, 1)).as("A20 off reads back off, though KVM keeps it on").isZero();
        p.write(0, 1, 0xca);
        assertThat(p.read(0, 1)).isEqualTo(0xca);
        assertThat(stops).isEmpty();
    }

    @Test
    void theFastA20ReadModifyWriteDoesNotReset() {
        SystemControlPortA p = port(ResetAction.RESET);
        long a = p.read(0, 1);
        p.write(0, 1, (a | 0x02) & ~0x01);
        assertThat(p.read(0, 1)).isEqualTo(0x02);
        assertThat(stops).isEmpty();
    }

    @Test
    void settingBitZeroResetsAsConfigured() {
        port(ResetAction.RESET).write(0, 1, 0x03);
        assertThat(stops).containsExactly(new StopRequest.Reset());

        stops.clear();
        port(ResetAction.STOP).write(0, 1, 0x01);
        assertThat(stops).as("reset configured as stop: the VM powers off, as the i8042's reset does")
                .containsExactly(new StopRequest.PowerOff());
    }

    @Test
    void onlyARisingBitZeroResetsAndOnlyOncePerRun() {
        SystemControlPortA p = port(ResetAction.RESET);
        p.write(0, 1, 0x03);
        p.write(0, 1, 0x03);
        assertThat(stops).as("bit 0 already set: no new edge").hasSize(1);
        p.write(0, 1, 0x02);
        p.write(0, 1, 0x03);
        assertThat(stops).as("one request per VM run, as the VM is stopping").hasSize(1);
    }

    @Test
    void widerAccessesSeeOnlyTheFirstByte() {
        SystemControlPortA p = port(ResetAction.RESET);
        assertThat(p.read(0, 2)).as("port 0x93 is nobody's: all ones").isEqualTo(0xff02);
        p.write(0, 2, 0xff00);
        assertThat(stops).as("the high byte goes to port 0x93, not to bit 0").isEmpty();
        assertThat(p.read(0, 1)).isZero();
    }
}
