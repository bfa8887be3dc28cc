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
}
