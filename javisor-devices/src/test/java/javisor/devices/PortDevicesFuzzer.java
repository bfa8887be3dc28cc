package javisor.devices;

import java.io.ByteArrayOutputStream;
import java.time.Clock;
import java.time.Instant;
import java.time.ZoneOffset;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Map;

import javisor.sys.Logs;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;

import com.code_intelligence.jazzer.junit.FuzzTest;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * Coverage-guided: the port-I/O devices' register interfaces driven by any sequence of guest reads and writes. A
 * hostile guest can only hurt itself: no access throws, a read answers within its width, a device asks its VM to
 * stop only for the write that the device documents as a stop, and the UART sends only bytes the guest wrote.
 *
 * <p>Inputs are read by {@link FuzzInput}, field after field; each target's javadoc gives its layout, which is how
 * the seeds under {@code PortDevicesFuzzerInputs} are written. Interrupt lines are recording test doubles: under KVM
 * they would be irqchip inputs.
 */
class PortDevicesFuzzer {
    private static System.Logger.Level logLevel;

    /** Unclaimed ports are logged once each: thousands of warnings would be the slowest part of the bus fuzz. */
    @BeforeAll
    static void quiet() {
        logLevel = Logs.level();
        Logs.setLevel(System.Logger.Level.ERROR);
    }

    @AfterAll
    static void restoreLogs() {
        Logs.setLevel(logLevel);
    }

    /** The access widths an op byte names (bits 5-7): x86 port I/O is 1, 2 or 4 bytes; 3 and 8 test the rest. */
    private static final int[] WIDTHS = {1, 2, 4, 1, 2, 4, 3, 8};

    private static int width(int op) {
        return WIDTHS[op >>> 5];
    }

    private static long valueOf(FuzzInput in, int width) {
        long v = 0;
        for (int i = 0; i < width; i++) {
            v |= (long) in.u8() << (8 * i);
        }
        return v;
    }

    private static void assertFits(long value, int width, String what) {
        if (width < 8) {
            assertThat(value >>> (8 * width)).as("%s read 0x%x, wider than %d byte(s)", what, value, width).isZero();
        }
    }

    /** A level-triggered line that remembers its level: what the irqchip would see (a test double for KVM's). */
    private static final class Line implements InterruptLine {
        boolean level;

        @Override
        public void set(boolean asserted) {
            level = asserted;
        }
    }

    /**
     * The 16550 UART. Input: ops until it ends, each an op byte {@code wwwoookk}: kind {@code kk} 0 or 3 a write of
     * the width's bytes of value to register {@code ooo}, 1 a read, 2 host input of a length byte's bytes.
     */
    @FuzzTest
    void uart(byte[] data) {
        FuzzInput in = new FuzzInput(data);
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        Line irq = new Line();
        Serial16550 uart = new Serial16550(out, irq);
        while (in.more()) {
            int op = in.u8();
            int offset = (op >>> 2) & 7;
            int width = width(op);
            switch (op & 3) {
                case 1 -> {
                    boolean pending = irq.level;
                    long v = uart.read(offset, width);
                    assertFits(v, width, "UART register " + offset);
                    if (offset == 2) {
                        // IIR bit 0 is "no interrupt pending": it must agree with the line the irqchip sees.
                        assertThat((v & 1) == 0).as("IIR 0x%x with the line %s", v, pending).isEqualTo(pending);
                    }
                    if (offset == 5) {
                        assertThat(v & 0x60).as("LSR: the transmitter is always empty").isEqualTo(0x60);
                    }
                }
                case 2 -> {
                    byte[] bytes = in.bytes(in.u8());
                    assertThat(uart.enqueueInput(bytes)).isBetween(0, bytes.length);
                }
                default -> {
                    long v = valueOf(in, width);
                    int before = out.size();
                    uart.write(offset, width, v);
                    byte[] sent = out.toByteArray();
                    if (sent.length != before) {
                        // Only a write to THR sends, one byte, the one written.
                        assertThat(offset).as("a write to register %d sent output", offset).isZero();
                        assertThat(sent.length).isEqualTo(before + 1);
                        assertThat(sent[before]).isEqualTo((byte) v);
                    }
                }
            }
        }
    }

    /**
     * The i8042 keyboard controller. Input: a byte whose bit 0 picks the reset action, then ops, each an op byte
     * {@code www..kkk}: kind 0 a write of value to the data port, 1 to the command port, 2 a data read, 3 a status
     * read, 4 a key press of the next byte, 5-7 a command-port write of one byte (commands are what it is about).
     */
    @FuzzTest
    void i8042(byte[] data) {
        FuzzInput in = new FuzzInput(data);
        ResetAction action = (in.u8() & 1) == 0 ? ResetAction.STOP : ResetAction.RESET;
        List<StopRequest> stops = new ArrayList<>();
        Line kbd = new Line();
        Line aux = new Line();
        I8042 c = new I8042(stops::add, action, kbd, aux);
        while (in.more()) {
            int op = in.u8();
            int width = width(op);
            int stopsBefore = stops.size();
            switch (op & 7) {
                case 0 -> c.dataPort().write(0, width, valueOf(in, width));
                case 1 -> c.commandPort().write(0, width, valueOf(in, width));
                case 2 -> assertFits(c.dataPort().read(0, width), 1, "i8042 data");
                case 3 -> assertFits(c.commandPort().read(0, width), 1, "i8042 status");
                case 4 -> c.pressKey(in.u8());
                default -> c.commandPort().write(0, 1, in.u8());
            }
            if ((op & 7) >= 2 && (op & 7) <= 4) {
                assertThat(stops).as("a read or a key press stopped the VM").hasSize(stopsBefore);
            }
            assertThat(kbd.level && aux.level).as("IRQ 1 and IRQ 12 at once: one output buffer").isFalse();
        }
        assertThat(stops).as("one reset request per VM run").hasSizeLessThanOrEqualTo(1)
                .allSatisfy(s -> assertThat(s).isEqualTo(action.request()));
        // The output buffer is bounded: a guest that never reads cannot make it grow.
        int drained = 0;
        while ((c.commandPort().read(0, 1) & I8042.STATUS_OUTPUT_FULL) != 0) {
            assertThat(++drained).as("bytes waiting in the output buffer").isLessThanOrEqualTo(I8042.OUTPUT_CAPACITY);
            c.dataPort().read(0, 1);
        }
    }

    /** 9999-12-31T23:59:59Z: the host's clock is somewhere in years 1970 to 9999. */
    private static final long LAST_HOST_SECOND = 253_402_300_799L;

    /**
     * The CMOS RTC. Input: u64 host seconds since 1970 (taken modulo year 10000), u32 nanoseconds, u32 RAM below 4
     * GiB, u16 RAM above 4 GiB in MiB; then ops, each an op byte {@code www..kkk}: kind 0 an index write (a byte), 1 a
     * data write (a byte), 2 a data read, 3 an index-port read, 4 the host clock moves on by a u16 of milliseconds,
     * 5-7 an index write and a data write (the pair a guest writes).
     */
    @FuzzTest
    void cmosRtc(byte[] data) {
        FuzzInput in = new FuzzInput(data);
        MovableClock clock = new MovableClock(Instant.ofEpochSecond(Long.remainderUnsigned(in.u64(),
                LAST_HOST_SECOND + 1), Integer.remainderUnsigned(in.u32(), 1_000_000_000)));
        CmosRtc rtc = new CmosRtc(clock, Integer.toUnsignedLong(in.u32()), (long) in.u16() << 20);
        // What the plain NVRAM bytes hold, as far as the guest knows (-1: not seen yet).
        int[] nvram = new int[128];
        Arrays.fill(nvram, -1);
        int index = 0;
        while (in.more()) {
            int op = in.u8();
            int width = width(op);
            switch (op & 7) {
                case 0 -> {
                    index = in.u8() & 0x7f;
                    rtc.write(0, width, index);
                }
                case 1 -> {
                    int v = in.u8();
                    rtc.write(1, width, v);
                    if (plainNvram(index)) {
                        nvram[index] = v;
                    }
                }
                case 2 -> {
                    long v = rtc.read(1, width);
                    assertFits(v, 1, "CMOS register 0x" + Integer.toHexString(index));
                    if (plainNvram(index)) {
                        assertThat(nvram[index] < 0 || nvram[index] == v).as("NVRAM byte 0x%x reads 0x%x, was 0x%x",
                                index, v, nvram[index]).isTrue();
                        nvram[index] = (int) v;
                    }
                    if (index == CmosRtc.REG_C) {
                        assertThat(v).as("register C: no interrupt flags").isZero();
                    }
                    if (index == CmosRtc.REG_D) {
                        assertThat(v).as("register D: valid RAM and time").isEqualTo(CmosRtc.D_VALID);
                    }
                }
                case 3 -> assertThat(rtc.read(0, width)).as("the index port is write-only").isEqualTo(0xff);
                case 4 -> clock.now = clock.now.plusMillis(in.u16());
                default -> {
                    index = in.u8() & 0x7f;
                    rtc.write(0, 1, index);
                    int v = in.u8();
                    rtc.write(1, 1, v);
                    if (plainNvram(index)) {
                        nvram[index] = v;
                    }
                }
            }
            assertThat(rtc.guestTime()).isNotNull();
        }
    }

    /** Bytes of CMOS memory that are plain storage: not the clock, not registers A-D, not the century. */
    private static boolean plainNvram(int index) {
        return index > CmosRtc.REG_D && index != CmosRtc.CENTURY;
    }

    /** The ACPI sleep registers' port in javisor's PC layout (javisor.vm.platform.PlatformLayout). */
    private static final int ACPI_SLEEP_PORT = 0x600;
    /** Ports the bus fuzz aims near: each device's base. */
    private static final int[] BASES = {Serial16550.COM1_PORT, I8042.DATA_PORT, I8042.COMMAND_PORT, CmosRtc.PORT,
            SystemControlPortA.PORT, DebugExitPort.DEFAULT_PORT, PowerOffPort.DEFAULT_PORT, ACPI_SLEEP_PORT};

    /**
     * Every device on one port bus as a VM has them. Input: a byte whose bit 0 picks the reset action, then ops,
     * each an op byte {@code wwwbbbrk} and a port byte: {@code k} 0 a write (then the width's bytes of value), 1 a
     * read; with {@code r} 0 the port is device {@code bbb}'s base plus the port byte as a signed offset, with
     * {@code r} 1 the port byte and one more are any port.
     */
    @FuzzTest
    void ioPortBus(byte[] data) {
        FuzzInput in = new FuzzInput(data);
        ResetAction action = (in.u8() & 1) == 0 ? ResetAction.STOP : ResetAction.RESET;
        List<StopRequest> stops = new ArrayList<>();
        ByteArrayOutputStream console = new ByteArrayOutputStream();
        IoPortBus bus = new IoPortBus();
        bus.register(new BusRange(ACPI_SLEEP_PORT, AcpiSleepControl.SIZE), "acpi sleep", new AcpiSleepControl(stops::add));
        bus.register(new BusRange(Serial16550.COM1_PORT, Serial16550.SIZE), "com1", new Serial16550(console, new Line()));
        bus.register(new BusRange(DebugExitPort.DEFAULT_PORT, DebugExitPort.SIZE), "debug exit",
                new DebugExitPort(stops::add));
        bus.register(new BusRange(PowerOffPort.DEFAULT_PORT, PowerOffPort.SIZE), "power off",
                new PowerOffPort(stops::add));
        I8042 i8042 = new I8042(stops::add, action, new Line(), new Line());
        bus.register(new BusRange(I8042.DATA_PORT, 1), "i8042 data", i8042.dataPort());
        bus.register(new BusRange(I8042.COMMAND_PORT, 1), "i8042 command", i8042.commandPort());
        bus.register(new BusRange(SystemControlPortA.PORT, SystemControlPortA.SIZE), "port a",
                new SystemControlPortA(stops::add, action));
        bus.register(new BusRange(CmosRtc.PORT, CmosRtc.SIZE), "rtc",
                new CmosRtc(Clock.fixed(Instant.parse("2026-12-06T01:00:00Z"), ZoneOffset.UTC), 256L << 20, 0));
        Map<String, BusRange> devices = bus.devices();
        while (in.more()) {
            int op = in.u8();
            int width = width(op);
            int port = (op & 2) == 0 ? (BASES[(op >>> 2) & 7] + (byte) in.u8()) & 0xffff : in.u16();
            int stopsBefore = stops.size();
            int consoleBefore = console.size();
            String device = "nothing";
            for (var e : devices.entrySet()) {
                if (e.getValue().contains(port)) {
                    device = e.getKey();
                }
            }
            if ((op & 1) == 1) {
                long v = bus.read(port, width);
                assertFits(v, width, "port 0x" + Integer.toHexString(port) + " (" + device + ")");
                if (device.equals("nothing")) {
                    assertThat(v).as("an unclaimed port reads as all ones").isEqualTo(width >= 8 ? -1L
                            : (1L << (8 * width)) - 1);
                }
                assertThat(stops).as("a read of %s stopped the VM", device).hasSize(stopsBefore);
            } else {
                long v = valueOf(in, width);
                bus.write(port, width, v);
                for (StopRequest s : stops.subList(stopsBefore, stops.size())) {
                    switch (s) {
                        case StopRequest.DebugExit(long code) -> {
                            assertThat(device).isEqualTo("debug exit");
                            assertThat(code).as("the exit code is the value written").isEqualTo(width >= 8 ? v
                                    : v & ((1L << (8 * width)) - 1));
                        }
                        case StopRequest.PowerOff() -> assertThat(device).as("a power-off").isIn("acpi sleep",
                                "power off", action == ResetAction.STOP ? "i8042 command" : "-",
                                action == ResetAction.STOP ? "i8042 data" : "-",
                                action == ResetAction.STOP ? "port a" : "-");
                        case StopRequest.Reset() -> {
                            assertThat(action).as("a reset from %s", device).isEqualTo(ResetAction.RESET);
                            assertThat(device).as("a reset").isIn("i8042 command", "i8042 data", "port a");
                        }
                    }
                }
                if (console.size() != consoleBefore) {
                    assertThat(port).as("UART output from a write to 0x%x", port).isEqualTo(Serial16550.COM1_PORT);
                }
            }
        }
        assertThat(bus.unclaimed().addresses()).hasSizeLessThanOrEqualTo(UnclaimedAccessLog.MAX_REMEMBERED);
    }
}
