package javisor.devices;

import java.util.ArrayDeque;

/**
 * The PC keyboard controller (Intel 8042, as in the IBM PC/AT technical reference and Linux's
 * drivers/input/serio/i8042.h): a data port (0x60) and a status/command port (0x64), a keyboard that answers
 * the commands a kernel sends while probing, an auxiliary (mouse) port with nothing plugged in, and the
 * reset line.
 *
 * <p>The reason a VMM has one: Linux reboots by pulsing the CPU reset line through the controller (command
 * 0xFE, or writing the output port with bit 0 clear), and with {@code reboot=k} that is how a guest without
 * ACPI power-off ends itself. What a reset does is the VM's choice: {@link ResetAction}.
 *
 * <p>Registered at two ports, so the system control port 0x61 between them stays free:
 * {@code bus.register(new BusRange(0x60, 1), "i8042 data", i8042.dataPort())} and the same for 0x64 with
 * {@link #commandPort()}. Thread-safe: several vCPUs may reach it.
 */
public final class I8042 {
    public static final int DATA_PORT = 0x60;
    public static final int COMMAND_PORT = 0x64;
    public static final int KEYBOARD_IRQ = 1;
    public static final int AUX_IRQ = 12;

    // Status register bits (0x64 read).
    static final int STATUS_OUTPUT_FULL = 0x01;
    static final int STATUS_SYSTEM_FLAG = 0x04;
    static final int STATUS_COMMAND = 0x08;     // the last write went to 0x64
    static final int STATUS_UNLOCKED = 0x10;    // keyboard not inhibited by the key lock
    static final int STATUS_AUX_DATA = 0x20;    // the output buffer holds AUX data

    // Controller configuration byte ("command byte") bits.
    static final int CONFIG_KEYBOARD_IRQ = 0x01;
    static final int CONFIG_AUX_IRQ = 0x02;
    static final int CONFIG_SYSTEM_FLAG = 0x04;
    static final int CONFIG_KEYBOARD_DISABLED = 0x10;
    static final int CONFIG_AUX_DISABLED = 0x20;
    static final int CONFIG_TRANSLATE = 0x40;

    // Controller commands (0x64 write).
    static final int CMD_READ_CONFIG = 0x20;
    static final int CMD_WRITE_CONFIG = 0x60;
    static final int CMD_DISABLE_AUX = 0xa7;
    static final int CMD_ENABLE_AUX = 0xa8;
    static final int CMD_TEST_AUX = 0xa9;
    static final int CMD_SELF_TEST = 0xaa;
    static final int CMD_TEST_KEYBOARD = 0xab;
    static final int CMD_DISABLE_KEYBOARD = 0xad;
    static final int CMD_ENABLE_KEYBOARD = 0xae;
    static final int CMD_READ_INPUT_PORT = 0xc0;
    static final int CMD_READ_OUTPUT_PORT = 0xd0;
    static final int CMD_WRITE_OUTPUT_PORT = 0xd1;
    static final int CMD_WRITE_KEYBOARD_BUFFER = 0xd2;
    static final int CMD_WRITE_AUX_BUFFER = 0xd3;
    static final int CMD_WRITE_AUX = 0xd4;
    static final int CMD_PULSE_RESET = 0xfe;

    static final int SELF_TEST_OK = 0x55;
    static final int PORT_TEST_OK = 0x00;
    /** Output port bit 0 is the CPU reset line, active low; bit 1 is the A20 gate. */
    static final int OUTPUT_PORT_RESET_HIGH = 0x01;
    static final int OUTPUT_PORT_A20 = 0x02;

    // Keyboard commands and answers (PS/2 keyboard protocol).
    static final int KBD_ACK = 0xfa;
    static final int KBD_RESEND = 0xfe;
    static final int KBD_SELF_TEST_PASSED = 0xaa;
    static final int KBD_ECHO = 0xee;

    /** Bytes beyond this are dropped: a guest cannot make the controller grow without bound. */
    static final int OUTPUT_CAPACITY = 16;

    private final VmControl vm;
    private final ResetAction onReset;
    private final InterruptLine keyboardIrq;
    private final InterruptLine auxIrq;
    private final ArrayDeque<Integer> output = new ArrayDeque<>(); // bit 8 set: AUX data
    private final BusDevice data = new Port(true);
    private final BusDevice command = new Port(false);

    private int config = CONFIG_KEYBOARD_IRQ | CONFIG_SYSTEM_FLAG | CONFIG_TRANSLATE;
    private int outputPort = OUTPUT_PORT_RESET_HIGH | OUTPUT_PORT_A20;
    private int pendingCommand;      // controller command waiting for its data byte, or 0
    private int pendingKeyboardCmd;  // keyboard command waiting for its argument, or 0
    private boolean lastWriteCommand;
    private boolean resetRequested;

    public I8042(VmControl vm, ResetAction onReset, InterruptLine keyboardIrq, InterruptLine auxIrq) {
        this.vm = vm;
        this.onReset = onReset;
        this.keyboardIrq = keyboardIrq;
        this.auxIrq = auxIrq;
    }

    /** Port 0x60. */
    public BusDevice dataPort() {
        return data;
    }

    /** Port 0x64. */
    public BusDevice commandPort() {
        return command;
    }

    /** Queues a keyboard scancode for the guest, as a key press would (e.g. Ctrl-Alt-Del for a clean stop). */
    public synchronized void pressKey(int scancode) {
        queue(scancode & 0xff, false);
    }

    private final class Port implements BusDevice {
        private final boolean isData;

        Port(boolean isData) {
            this.isData = isData;
        }

        @Override
        public long read(long offset, int size) {
            return isData ? readData() : readStatus();
        }

        @Override
        public void write(long offset, int size, long value) {
            if (isData) {
                writeData((int) value & 0xff);
            } else {
                writeCommand((int) value & 0xff);
            }
        }
    }

    synchronized int readStatus() {
        int s = STATUS_UNLOCKED;
        if ((config & CONFIG_SYSTEM_FLAG) != 0) {
            s |= STATUS_SYSTEM_FLAG;
        }
        if (lastWriteCommand) {
            s |= STATUS_COMMAND;
        }
        Integer head = output.peekFirst();
        if (head != null) {
            s |= STATUS_OUTPUT_FULL | ((head & 0x100) != 0 ? STATUS_AUX_DATA : 0);
        }
        return s;
    }

    synchronized int readData() {
        Integer b = output.pollFirst();
        // The line drops when the buffer is read and rises again for the next byte: ISA IRQs are edge-triggered,
        // so a line left high would hide the next byte from the guest.
        keyboardIrq.set(false);
        auxIrq.set(false);
        updateIrqs();
        return b == null ? 0 : b & 0xff;
    }

    synchronized void writeCommand(int cmd) {
        lastWriteCommand = true;
        pendingCommand = 0;
        switch (cmd) {
            case CMD_READ_CONFIG -> queue(config, false);
            case CMD_WRITE_CONFIG, CMD_WRITE_OUTPUT_PORT, CMD_WRITE_KEYBOARD_BUFFER, CMD_WRITE_AUX_BUFFER,
                 CMD_WRITE_AUX -> pendingCommand = cmd;
            case CMD_DISABLE_AUX -> config |= CONFIG_AUX_DISABLED;
            case CMD_ENABLE_AUX -> config &= ~CONFIG_AUX_DISABLED;
            case CMD_DISABLE_KEYBOARD -> config |= CONFIG_KEYBOARD_DISABLED;
            case CMD_ENABLE_KEYBOARD -> config &= ~CONFIG_KEYBOARD_DISABLED;
            case CMD_TEST_AUX, CMD_TEST_KEYBOARD -> queue(PORT_TEST_OK, false);
            case CMD_SELF_TEST -> {
                config |= CONFIG_SYSTEM_FLAG;
                queue(SELF_TEST_OK, false);
            }
            case CMD_READ_INPUT_PORT -> queue(0x80, false); // keyboard not inhibited
            case CMD_READ_OUTPUT_PORT -> queue(outputPort, false);
            default -> {
                // 0xF0-0xFF pulse output port bits 0-3 low for each clear bit of the command's low nibble;
                // bit 0 is the CPU reset line (0xFE pulses only it).
                if ((cmd & 0xf0) == 0xf0 && (cmd & 0x01) == 0) {
                    reset();
                }
            }
        }
    }

    synchronized void writeData(int value) {
        lastWriteCommand = false;
        int cmd = pendingCommand;
        pendingCommand = 0;
        switch (cmd) {
            case CMD_WRITE_CONFIG -> {
                config = value;
                updateIrqs();
            }
            case CMD_WRITE_OUTPUT_PORT -> {
                outputPort = value;
                if ((value & OUTPUT_PORT_RESET_HIGH) == 0) {
                    reset();
                }
            }
            case CMD_WRITE_KEYBOARD_BUFFER -> queue(value, false);
            case CMD_WRITE_AUX_BUFFER -> queue(value, true);
            // No mouse is plugged in: a PS/2 device would answer every byte, so the controller's NAK stands for it
            // and a probing driver gives up at once instead of waiting for a timeout.
            case CMD_WRITE_AUX -> queue(KBD_RESEND, true);
            default -> keyboard(value);
        }
    }

    /** A byte sent to the keyboard itself: answer as a PS/2 keyboard does. */
    private void keyboard(int value) {
        int arg = pendingKeyboardCmd;
        pendingKeyboardCmd = 0;
        if (arg != 0) { // the argument of set-LEDs, set-typematic or scancode-set: acknowledged
            queue(KBD_ACK, false);
            if (arg == 0xf0 && value == 0) {
                queue(2, false); // "get current scancode set": set 2
            }
            return;
        }
        switch (value) {
            case 0xed, 0xf0, 0xf3 -> { // set LEDs, scancode set, typematic rate: an argument follows
                pendingKeyboardCmd = value;
                queue(KBD_ACK, false);
            }
            case 0xf2 -> { // identify: an MF2 keyboard
                queue(KBD_ACK, false);
                queue(0xab, false);
                queue(0x83, false);
            }
            case 0xee -> queue(KBD_ECHO, false);
            case 0xf4, 0xf5, 0xf6 -> queue(KBD_ACK, false); // enable, disable, set defaults
            case 0xff -> { // reset and self-test
                queue(KBD_ACK, false);
                queue(KBD_SELF_TEST_PASSED, false);
            }
            default -> queue(KBD_RESEND, false);
        }
    }

    private void reset() {
        if (resetRequested) {
            return; // one request per VM run: the guest may write again while the VM stops
        }
        resetRequested = true;
        vm.requestStop(onReset.request());
    }

    private void queue(int value, boolean aux) {
        if (output.size() < OUTPUT_CAPACITY) {
            output.addLast(value | (aux ? 0x100 : 0));
        }
        updateIrqs();
    }

    /** IRQ 1 or 12 follows the output buffer, as the controller drives them, when its config byte enables it. */
    private void updateIrqs() {
        Integer head = output.peekFirst();
        boolean aux = head != null && (head & 0x100) != 0;
        keyboardIrq.set(head != null && !aux && (config & CONFIG_KEYBOARD_IRQ) != 0);
        auxIrq.set(head != null && aux && (config & CONFIG_AUX_IRQ) != 0);
    }
}
