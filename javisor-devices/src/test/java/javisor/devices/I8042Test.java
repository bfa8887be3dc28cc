package javisor.devices;

import java.util.ArrayList;
import java.util.List;

import org.junit.jupiter.api.Test;

import static org.assertj.core.api.Assertions.assertThat;

/** The keyboard controller as Linux's i8042 driver and its reboot path use it (drivers/input/serio/i8042.h). */
class I8042Test {
    private final List<StopRequest> stops = new ArrayList<>();
    private final List<Boolean> kbdIrq = new ArrayList<>();
    private final List<Boolean> auxIrq = new ArrayList<>();

    private I8042 controller(ResetAction action) {
        return new I8042(stops::add, action, kbdIrq::add, auxIrq::add);
    }

    private static int status(I8042 c) {
        return (int) c.commandPort().read(0, 1);
    }

    private static void command(I8042 c, int cmd) {
        c.commandPort().write(0, 1, cmd);
    }

    private static int data(I8042 c) {
        return (int) c.dataPort().read(0, 1);
    }

    @Test
    void selfTestsAnswerAsAWorkingController() {
        I8042 c = controller(ResetAction.STOP);
        assertThat(status(c) & 0x01).as("output buffer empty").isZero();
        command(c, 0xaa);
        assertThat(status(c) & 0x01).as("output buffer full").isEqualTo(1);
        assertThat(status(c) & 0x04).as("system flag").isEqualTo(4);
        assertThat(data(c)).isEqualTo(0x55);
        command(c, 0xab);
        assertThat(data(c)).isEqualTo(0x00);
        command(c, 0xa9);
        assertThat(data(c)).isEqualTo(0x00);
    }

    @Test
    void theConfigurationByteReadsBackWhatWasWritten() {
        I8042 c = controller(ResetAction.STOP);
        command(c, 0x20);
        int config = data(c);
        assertThat(config & 0x01).as("keyboard interrupt enabled").isEqualTo(1);
        command(c, 0x60);
        assertThat(status(c) & 0x08).as("last write was a command").isEqualTo(8);
        c.dataPort().write(0, 1, 0x47);
        command(c, 0x20);
        assertThat(data(c)).isEqualTo(0x47);
        command(c, 0xa7);
        command(c, 0x20);
        assertThat(data(c) & 0x20).as("AUX disabled").isEqualTo(0x20);
        command(c, 0xa8);
        command(c, 0x20);
        assertThat(data(c) & 0x20).isZero();
    }

    @Test
    void theKeyboardAcknowledgesResetsAndIdentifies() {
        I8042 c = controller(ResetAction.STOP);
        c.dataPort().write(0, 1, 0xff);
        assertThat(data(c)).isEqualTo(0xfa);
        assertThat(data(c)).isEqualTo(0xaa);
        c.dataPort().write(0, 1, 0xf2);
        assertThat(List.of(data(c), data(c), data(c))).containsExactly(0xfa, 0xab, 0x83);
        c.dataPort().write(0, 1, 0xed); // set LEDs, then its argument
        assertThat(data(c)).isEqualTo(0xfa);
        c.dataPort().write(0, 1, 0x07);
        assertThat(data(c)).isEqualTo(0xfa);
        c.dataPort().write(0, 1, 0x99);
        assertThat(data(c)).as("unknown command: resend").isEqualTo(0xfe);
        assertThat(status(c) & 0x01).isZero();
    }

    @Test
    void theAuxPortLoopsBackAndHasNoMouse() {
        I8042 c = controller(ResetAction.STOP);
        command(c, 0xd3);
        c.dataPort().write(0, 1, 0x5a);
        assertThat(status(c) & 0x21).as("AUX data in the buffer").isEqualTo(0x21);
        assertThat(data(c)).isEqualTo(0x5a);
        command(c, 0xd4);
        c.dataPort().write(0, 1, 0xf2); // "identify" to the mouse
        assertThat(status(c) & 0x20).isEqualTo(0x20);
        assertThat(data(c)).as("nothing plugged in: NAK").isEqualTo(0xfe);
    }

    @Test
    void pulsingTheResetLineStopsOrResetsTheVmAsConfigured() {
        I8042 stop = controller(ResetAction.STOP);
        command(stop, 0xfe);
        assertThat(stops).containsExactly(new StopRequest.PowerOff());
        command(stop, 0xfe);
        assertThat(stops).as("one request per run").hasSize(1);

        stops.clear();
        I8042 reset = controller(ResetAction.RESET);
        command(reset, 0xd1);          // write output port...
        reset.dataPort().write(0, 1, 0x02); // ...with the reset line (bit 0) low
        assertThat(stops).containsExactly(new StopRequest.Reset());

        stops.clear();
        I8042 other = controller(ResetAction.RESET);
        command(other, 0xff);  // pulses no line
        command(other, 0xd1);
        other.dataPort().write(0, 1, 0x03);
        assertThat(stops).isEmpty();
    }

    @Test
    void irq1FollowsKeyboardDataAndDropsBetweenBytesSoEachByteIsAnEdge() {
        I8042 c = controller(ResetAction.STOP);
        c.pressKey(0x1c);
        c.pressKey(0x9c);
        assertThat(kbdIrq.getLast()).isTrue();
        kbdIrq.clear();
        assertThat(data(c)).isEqualTo(0x1c);
        assertThat(kbdIrq).containsExactly(false, true); // low, then high again for the next byte
        kbdIrq.clear();
        assertThat(data(c)).isEqualTo(0x9c);
        assertThat(kbdIrq.getLast()).isFalse();
        assertThat(auxIrq).doesNotContain(true);
    }

    @Test
    void interruptsFollowTheConfigurationByte() {
        I8042 c = controller(ResetAction.STOP);
        command(c, 0x60);
        c.dataPort().write(0, 1, 0x02); // AUX interrupts only
        c.pressKey(0x1e);
        assertThat(kbdIrq.getLast()).isFalse();
        data(c);
        command(c, 0xd3);
        c.dataPort().write(0, 1, 0x11);
        assertThat(auxIrq.getLast()).isTrue();
    }

    @Test
    void theOutputBufferIsBounded() {
        I8042 c = controller(ResetAction.STOP);
        for (int i = 0; i < 1000; i++) {
            c.pressKey(i);
        }
        int n = 0;
        while ((status(c) & 1) != 0) {
            data(c);
            n++;
        }
        assertThat(n).isEqualTo(I8042.OUTPUT_CAPACITY);
    }
}
