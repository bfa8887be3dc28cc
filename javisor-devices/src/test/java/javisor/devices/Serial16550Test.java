package javisor.devices;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.OutputStream;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;

import org.junit.jupiter.api.Test;

import static org.assertj.core.api.Assertions.assertThat;

class Serial16550Test {
    private final ByteArrayOutputStream out = new ByteArrayOutputStream();
    private final List<Boolean> irq = new ArrayList<>();
    private final Serial16550 uart = new Serial16550(out, irq::add);

    private boolean irqLevel() {
        return !irq.isEmpty() && irq.getLast();
    }

    @Test
    void transmittedBytesReachTheConsole() {
        for (byte b : "hi\n".getBytes(StandardCharsets.US_ASCII)) {
            uart.write(0, 1, b);
        }
        assertThat(out.toString(StandardCharsets.US_ASCII)).isEqualTo("hi\n");
    }

    @Test
    void lineStatusSaysTransmitterEmptyAndNoData() {
        assertThat(uart.read(5, 1)).isEqualTo(0x60);
    }

    @Test
    void receivedBytesAreReadInOrderWithDataReady() {
        uart.enqueueInput("ab".getBytes(StandardCharsets.US_ASCII));
        assertThat(uart.read(5, 1) & 1).isEqualTo(1);
        assertThat(uart.read(0, 1)).isEqualTo('a');
        assertThat(uart.read(0, 1)).isEqualTo('b');
        assertThat(uart.read(5, 1) & 1).isZero();
    }

    @Test
    void divisorLatchIsSeparateFromDataAndInterruptEnable() {
        uart.write(3, 1, 0x83); // DLAB on
        uart.write(0, 1, 0x01);
        uart.write(1, 1, 0x00);
        assertThat(uart.read(0, 1)).isEqualTo(1);
        uart.write(3, 1, 0x03); // DLAB off
        assertThat(out.size()).isZero();
        assertThat(uart.read(1, 1)).isZero();
    }

    @Test
    void writesThatCannotChangeTheInterruptLeaveTheLineAlone() {
        uart.write(1, 1, 0x02); // ETBEI: THR empty, so the line rises
        assertThat(irqLevel()).isTrue();
        int changes = irq.size();
        uart.write(7, 1, 0x5a); // scratch
        uart.write(3, 1, 0x03); // LCR
        uart.write(4, 1, 0x0b); // MCR
        uart.write(5, 1, 0x00); // LSR: read-only
        assertThat(irq).as("no recomputation, no call on the line").hasSize(changes);
        assertThat(uart.read(7, 1)).isEqualTo(0x5a);
        assertThat(irqLevel()).isTrue();
    }

    @Test
    void receiveInterruptFollowsDataAndEnable() {
        uart.write(1, 1, 0x01); // ERBFI
        assertThat(irqLevel()).isFalse();
        uart.enqueueInput(new byte[] {'x'});
        assertThat(irqLevel()).isTrue();
        assertThat(uart.read(2, 1) & 0x0f).isEqualTo(0x04);
        uart.read(0, 1);
        assertThat(irqLevel()).isFalse();
        assertThat(uart.read(2, 1) & 0x0f).isEqualTo(0x01);
    }

    @Test
    void enablingTransmitInterruptRaisesItAndReadingIirClearsIt() {
        uart.write(1, 1, 0x02); // ETBEI
        assertThat(irqLevel()).isTrue();
        assertThat(uart.read(2, 1) & 0x0f).isEqualTo(0x02);
        assertThat(irqLevel()).isFalse();
        uart.write(0, 1, 'z');
        assertThat(irqLevel()).isTrue();
    }

    @Test
    void loopbackEchoesTransmitIntoReceiveAndModemLines() {
        uart.write(4, 1, 0x10 | 0x0f); // loopback with DTR, RTS, OUT1, OUT2
        uart.write(0, 1, 'q');
        assertThat(out.size()).isZero();
        assertThat(uart.read(0, 1)).isEqualTo('q');
        assertThat(uart.read(6, 1) & 0xf0).isEqualTo(0xf0);
        uart.write(4, 1, 0x10);
        assertThat(uart.read(6, 1) & 0xf0).isZero();
    }

    @Test
    void fifoEnableShowsInIir() {
        uart.write(2, 1, 0x01);
        assertThat(uart.read(2, 1) & 0xc0).isEqualTo(0xc0);
    }

    @Test
    void inputBeyondCapacityIsDropped() {
        byte[] big = new byte[Serial16550.INPUT_CAPACITY + 10];
        assertThat(uart.enqueueInput(big)).isEqualTo(Serial16550.INPUT_CAPACITY);
        assertThat(uart.enqueueInput(new byte[1])).isZero();
    }

    @Test
    void aClosedConsoleDoesNotStopTheGuest() {
        Serial16550 closed = new Serial16550(new OutputStream() {
            @Override
            public void write(int b) throws IOException {
                throw new IOException("closed");
            }
        }, InterruptLine.NONE);
        closed.write(0, 1, 'a');
        assertThat(closed.read(5, 1) & 0x20).isEqualTo(0x20);
    }
}
