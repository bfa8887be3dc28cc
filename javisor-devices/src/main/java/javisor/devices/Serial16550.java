package javisor.devices;

import java.io.IOException;
import java.io.OutputStream;
import java.util.ArrayDeque;

/**
 * A 16550A UART as PC guests expect at COM1 (0x3f8, IRQ 4): transmit goes to {@code output} at once,
 * receive comes from {@link #enqueueInput}. Register layout and bits as in the National Semiconductor
 * PC16550D data sheet; the baud rate divisor is stored but has no effect.
 */
public final class Serial16550 implements BusDevice {
    public static final int COM1_PORT = 0x3f8;
    public static final int COM1_IRQ = 4;
    public static final int SIZE = 8;

    // Register offsets
    private static final int DATA = 0; // RBR on read, THR on write; DLL with DLAB
    private static final int IER = 1; // DLM with DLAB
    private static final int IIR_FCR = 2;
    private static final int LCR = 3;
    private static final int MCR = 4;
    private static final int LSR = 5;
    private static final int MSR = 6;
    private static final int SCR = 7;

    private static final int IER_RX_AVAILABLE = 0x01;
    private static final int IER_THR_EMPTY = 0x02;
    private static final int IER_MASK = 0x0f;

    private static final int IIR_NONE = 0x01;
    private static final int IIR_THR_EMPTY = 0x02;
    private static final int IIR_RX_AVAILABLE = 0x04;
    private static final int IIR_FIFO_ENABLED = 0xc0;

    private static final int FCR_FIFO_ENABLE = 0x01;
    private static final int FCR_CLEAR_RX = 0x02;

    private static final int LCR_DLAB = 0x80;

    private static final int MCR_LOOPBACK = 0x10;
    private static final int MCR_MASK = 0x1f;

    private static final int LSR_DATA_READY = 0x01;
    private static final int LSR_THR_EMPTY = 0x20;
    private static final int LSR_IDLE = 0x40;

    // Modem status with carrier, data-set-ready and clear-to-send up: a connected line.
    private static final int MSR_CONNECTED = 0xb0;

    /** Input beyond this is dropped: a console flood must not grow the VMM's heap without bound. */
    public static final int INPUT_CAPACITY = 64 * 1024;

    private final OutputStream output;
    private final InterruptLine irq;
    private final ArrayDeque<Byte> input = new ArrayDeque<>();

    private int ier;
    private int lcr = 0x03; // 8 data bits, as firmware leaves it
    private int mcr = 0x08; // OUT2
    private int scr;
    private int divisor = 12; // 9600 baud
    private boolean fifoEnabled;
    private boolean thrEmptyPending;

    public Serial16550(OutputStream output, InterruptLine irq) {
        this.output = output;
        this.irq = irq;
    }

    /** Queues bytes for the guest to read; returns how many were taken (the rest did not fit). */
    public synchronized int enqueueInput(byte[] bytes) {
        int taken = 0;
        for (byte b : bytes) {
            if (input.size() >= INPUT_CAPACITY) {
                break;
            }
            input.addLast(b);
            taken++;
        }
        updateInterrupt();
        return taken;
    }

    @Override
    public synchronized long read(long offset, int size) {
        return switch ((int) offset) {
            case DATA -> dlab() ? divisor & 0xff : receive();
            case IER -> dlab() ? (divisor >> 8) & 0xff : ier;
            case IIR_FCR -> readIir();
            case LCR -> lcr;
            case MCR -> mcr;
            case LSR -> lineStatus();
            case MSR -> modemStatus();
            case SCR -> scr;
            default -> 0xff;
        };
    }

    @Override
    public synchronized void write(long offset, int size, long value) {
        int v = (int) (value & 0xff);
        switch ((int) offset) {
            case DATA -> {
                if (dlab()) {
                    divisor = (divisor & 0xff00) | v;
                } else {
                    transmit((byte) v);
                }
            }
            case IER -> {
                if (dlab()) {
                    divisor = (divisor & 0x00ff) | (v << 8);
                } else {
                    int enabledThrEmpty = ~ier & v & IER_THR_EMPTY;
                    ier = v & IER_MASK;
                    // Enabling the THR-empty interrupt while THR is empty raises it at once (the 8250 driver
                    // relies on this to start transmitting).
                    if (enabledThrEmpty != 0) {
                        thrEmptyPending = true;
                    }
                }
            }
            case IIR_FCR -> {
                fifoEnabled = (v & FCR_FIFO_ENABLE) != 0;
                if ((v & FCR_CLEAR_RX) != 0) {
                    input.clear();
                }
            }
            case LCR -> {
                lcr = v;
                return; // these writes cannot change the interrupt output: no recomputation, no lock of the line
            }
            case MCR -> {
                mcr = v & MCR_MASK;
                return;
            }
            case SCR -> {
                scr = v;
                return;
            }
            default -> {
                return; // LSR and MSR are read-only
            }
        }
        updateInterrupt();
    }

    private boolean dlab() {
        return (lcr & LCR_DLAB) != 0;
    }

    private void transmit(byte b) {
        if ((mcr & MCR_LOOPBACK) != 0) {
            if (input.size() < INPUT_CAPACITY) {
                input.addLast(b);
            }
        } else {
            try {
                output.write(b);
                output.flush();
            } catch (IOException e) {
                // A closed console must not stop the guest; its output is lost, as on a cut serial line.
            }
        }
        thrEmptyPending = true; // transmission is instant
    }

    private int receive() {
        Byte b = input.pollFirst();
        updateInterrupt();
        return b == null ? 0 : b & 0xff;
    }

    private int readIir() {
        int fifo = fifoEnabled ? IIR_FIFO_ENABLED : 0;
        if ((ier & IER_RX_AVAILABLE) != 0 && !input.isEmpty()) {
            return fifo | IIR_RX_AVAILABLE;
        }
        if ((ier & IER_THR_EMPTY) != 0 && thrEmptyPending) {
            thrEmptyPending = false; // reading IIR that names THR-empty clears it
            updateInterrupt();
            return fifo | IIR_THR_EMPTY;
        }
        return fifo | IIR_NONE;
    }

    private int lineStatus() {
        return LSR_THR_EMPTY | LSR_IDLE | (input.isEmpty() ? 0 : LSR_DATA_READY);
    }

    private int modemStatus() {
        if ((mcr & MCR_LOOPBACK) == 0) {
            return MSR_CONNECTED;
        }
        // Loopback: DTR->DSR, RTS->CTS, OUT1->RI, OUT2->DCD (the 8250 driver probes with this).
        int m = mcr;
        return ((m & 0x02) << 3) | ((m & 0x01) << 5) | ((m & 0x04) << 4) | ((m & 0x08) << 4);
    }

    private void updateInterrupt() {
        boolean rx = (ier & IER_RX_AVAILABLE) != 0 && !input.isEmpty();
        boolean tx = (ier & IER_THR_EMPTY) != 0 && thrEmptyPending;
        irq.set(rx || tx);
    }
}
