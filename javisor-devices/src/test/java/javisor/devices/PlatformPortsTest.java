package javisor.devices;

import java.util.ArrayList;
import java.util.List;

import org.junit.jupiter.api.Test;

import static org.assertj.core.api.Assertions.assertThat;

class PlatformPortsTest {
    private final List<StopRequest> requests = new ArrayList<>();

    @Test
    void debugExitStopsWithTheWrittenValueAtItsWidth() {
        DebugExitPort port = new DebugExitPort(requests::add);
        port.write(0, 1, 0x1234);
        port.write(0, 4, 0xdeadbeefL);
        assertThat(requests).containsExactly(new StopRequest.DebugExit(0x34), new StopRequest.DebugExit(0xdeadbeefL));
    }

    @Test
    void powerOffNeedsTheSleepEnableBit() {
        PowerOffPort port = new PowerOffPort(requests::add);
        port.write(0, 2, 0x0000);
        port.write(0, 2, 0x1c00);
        assertThat(requests).isEmpty();
        port.write(0, 2, 0x2000);
        assertThat(requests).containsExactly(new StopRequest.PowerOff());
    }

    @Test
    void acpiSleepPowersOffOnlyForSlpEnWithTheS5SleepType() {
        AcpiSleepControl sleep = new AcpiSleepControl(requests::add);
        sleep.write(0, 1, AcpiSleepControl.S5_SLEEP_TYPE << 2); // the type without SLP_EN
        sleep.write(0, 1, 0x20 | (3 << 2));                    // S3, which is not offered
        sleep.write(1, 1, 0x34);                               // the status register
        assertThat(requests).isEmpty();
        assertThat(sleep.read(1, 1)).isZero();
        sleep.write(0, 1, 0x20 | (AcpiSleepControl.S5_SLEEP_TYPE << 2)); // Linux's acpi_hw_extended_sleep(S5)
        assertThat(requests).containsExactly(new StopRequest.PowerOff());
    }
}
