package javisor.devices;

import java.time.Clock;
import java.time.DateTimeException;
import java.time.Duration;
import java.time.Instant;
import java.time.LocalDateTime;
import java.time.ZoneOffset;

/**
 * The PC's CMOS real-time clock and NVRAM (Motorola MC146818A, as in the IBM PC/AT): an index port (0x70) and a
 * data port (0x71) over 128 bytes, of which the first ten are the time of day. The clock shows the host's time
 * in UTC (what Linux expects of a PC's RTC) plus whatever offset the guest sets; the memory-size bytes are
 * filled in as a PC BIOS leaves them, for firmware that reads them.
 *
 * <p>Not modelled: the periodic, alarm and update-ended interrupts (IRQ 8); register C always reads 0. The
 * update-in-progress bit is, so that a guest polling for the start of a second (hwclock) sees it.
 */
public final class CmosRtc implements BusDevice {
    public static final int PORT = 0x70;
    public static final int SIZE = 2;
    public static final int IRQ = 8;

    // Time registers (MC146818A data sheet, "Address Map").
    static final int SECONDS = 0x00;
    static final int MINUTES = 0x02;
    static final int HOURS = 0x04;
    static final int DAY_OF_WEEK = 0x06;
    static final int DAY_OF_MONTH = 0x07;
    static final int MONTH = 0x08;
    static final int YEAR = 0x09;
    static final int REG_A = 0x0a;
    static final int REG_B = 0x0b;
    static final int REG_C = 0x0c;
    static final int REG_D = 0x0d;
    /** The IBM PC/AT keeps the century here; the FADT's CENTURY field points at it. */
    public static final int CENTURY = 0x32;

    static final int A_UIP = 0x80;
    /** 32.768 kHz time base, 1024 Hz periodic rate: what a PC BIOS programs. */
    static final int A_DEFAULT = 0x26;
    static final int B_SET = 0x80;
    static final int B_BINARY = 0x04;
    static final int B_24_HOUR = 0x02;
    static final int D_VALID = 0x80;
    static final int HOUR_PM = 0x80;
    /** The update cycle takes 244 µs before the second changes, with UIP set (data sheet, "UIP"). */
    static final long UPDATE_NANOS = 244_000;

    // PC/AT CMOS memory-size bytes (and QEMU's/SeaBIOS's for memory above 4 GiB).
    static final int BASE_MEMORY_KIB = 0x15;
    static final int EXTENDED_MEMORY_KIB = 0x17;
    static final int EXTENDED_MEMORY_KIB_COPY = 0x30;
    static final int MEMORY_ABOVE_16M_64K = 0x34;
    static final int MEMORY_ABOVE_4G_64K = 0x5b;

    private final Clock clock;
    private final byte[] nvram = new byte[128];
    private int index;
    private Duration offset = Duration.ZERO;
    /** The time being set while B.SET is on; the clock stands still for the guest meanwhile. */
    private LocalDateTime frozen;

    /**
     * @param clock      the host clock the RTC follows
     * @param ramBelow4g bytes of guest RAM below 4 GiB starting at 0 (for the memory-size bytes)
     * @param ramAbove4g bytes of guest RAM from 4 GiB
     */
    public CmosRtc(Clock clock, long ramBelow4g, long ramAbove4g) {
        this.clock = clock;
        nvram[REG_A] = (byte) A_DEFAULT;
        nvram[REG_B] = (byte) B_24_HOUR;
        nvram[REG_D] = (byte) D_VALID;
        put16(BASE_MEMORY_KIB, 640);
        int extendedKib = Math.clamp((ramBelow4g - 0x10_0000) / 1024, 0, 0xfc00); // 1 MiB to 64 MiB
        put16(EXTENDED_MEMORY_KIB, extendedKib);
        put16(EXTENDED_MEMORY_KIB_COPY, extendedKib);
        put16(MEMORY_ABOVE_16M_64K, Math.clamp((ramBelow4g - 0x100_0000) / 0x1_0000, 0, 0xffff));
        long above = ramAbove4g / 0x1_0000;
        nvram[MEMORY_ABOVE_4G_64K] = (byte) above;
        nvram[MEMORY_ABOVE_4G_64K + 1] = (byte) (above >>> 8);
        nvram[MEMORY_ABOVE_4G_64K + 2] = (byte) (above >>> 16);
    }

    private void put16(int at, int v) {
        nvram[at] = (byte) v;
        nvram[at + 1] = (byte) (v >>> 8);
    }

    @Override
    public synchronized long read(long offsetInDevice, int size) {
        if (offsetInDevice == 0) {
            return 0xff; // the index port is write-only
        }
        return switch (index) {
            case SECONDS, MINUTES, HOURS, DAY_OF_WEEK, DAY_OF_MONTH, MONTH, YEAR, CENTURY -> timeRegister(index);
            case REG_A -> (nvram[REG_A] & 0x7f) | (updateInProgress() ? A_UIP : 0);
            case REG_C -> 0; // no interrupt flags: the RTC raises no interrupts
            case REG_D -> D_VALID;
            default -> Byte.toUnsignedInt(nvram[index]);
        };
    }

    @Override
    public synchronized void write(long offsetInDevice, int size, long value) {
        int v = (int) value & 0xff;
        if (offsetInDevice == 0) {
            index = v & 0x7f; // bit 7 masks NMI on a PC; KVM's NMIs do not go through here
            return;
        }
        switch (index) {
            case SECONDS, MINUTES, HOURS, DAY_OF_WEEK, DAY_OF_MONTH, MONTH, YEAR, CENTURY -> setTimeRegister(index, v);
            case REG_A -> nvram[REG_A] = (byte) (v & 0x7f); // UIP is read-only
            case REG_B -> writeRegisterB(v);
            case REG_C, REG_D -> { } // read-only
            default -> nvram[index] = (byte) v;
        }
    }

    private boolean updateInProgress() {
        return frozen == null && now().getNano() >= 1_000_000_000L - UPDATE_NANOS;
    }

    private LocalDateTime now() {
        return LocalDateTime.ofInstant(clock.instant().plus(offset), ZoneOffset.UTC);
    }

    private LocalDateTime shown() {
        return frozen != null ? frozen : now();
    }

    private int timeRegister(int reg) {
        LocalDateTime t = shown();
        int value = switch (reg) {
            case SECONDS -> t.getSecond();
            case MINUTES -> t.getMinute();
            case HOURS -> t.getHour();
            case DAY_OF_WEEK -> t.getDayOfWeek().getValue() % 7 + 1; // 1 = Sunday
            case DAY_OF_MONTH -> t.getDayOfMonth();
            case MONTH -> t.getMonthValue();
            case YEAR -> t.getYear() % 100;
            default -> t.getYear() / 100; // CENTURY
        };
        if (reg == HOURS && !twentyFourHour()) {
            int h12 = value % 12 == 0 ? 12 : value % 12;
            return encode(h12) | (value >= 12 ? HOUR_PM : 0);
        }
        return encode(value);
    }

    private void setTimeRegister(int reg, int raw) {
        LocalDateTime t = shown();
        int value;
        if (reg == HOURS && !twentyFourHour()) {
            int h12 = decode(raw & 0x7f) % 12;
            value = h12 + ((raw & HOUR_PM) != 0 ? 12 : 0);
        } else {
            value = decode(raw);
        }
        try {
            t = switch (reg) {
                case SECONDS -> t.withSecond(value).withNano(0);
                case MINUTES -> t.withMinute(value);
                case HOURS -> t.withHour(value);
                case DAY_OF_WEEK -> t; // derived from the date
                case DAY_OF_MONTH -> t.withDayOfMonth(value);
                case MONTH -> t.withMonth(value);
                case YEAR -> t.withYear(t.getYear() / 100 * 100 + value);
                default -> t.withYear(value * 100 + t.getYear() % 100); // CENTURY
            };
        } catch (DateTimeException e) {
            return; // an impossible date (a day the month lacks) is dropped, as the chip's rollover would garble it
        }
        if (frozen != null) {
            frozen = t;
        } else {
            offset = offset.plus(Duration.between(now(), t));
        }
    }

    private void writeRegisterB(int v) {
        boolean wasSet = (nvram[REG_B] & B_SET) != 0;
        boolean set = (v & B_SET) != 0;
        if (set && !wasSet) {
            frozen = now(); // the guest is about to write the time: hold the clock still meanwhile
        } else if (!set && wasSet && frozen != null) {
            offset = Duration.between(clock.instant(), frozen.toInstant(ZoneOffset.UTC));
            frozen = null;
        }
        nvram[REG_B] = (byte) v;
    }

    private boolean binary() {
        return (nvram[REG_B] & B_BINARY) != 0;
    }

    private boolean twentyFourHour() {
        return (nvram[REG_B] & B_24_HOUR) != 0;
    }

    /**
     * A register's byte for {@code v}. Only the century can pass 99: a guest may set it to up to 255 in binary mode
     * and then read it in BCD, where 160 and more has no byte; the register is 8 bits, so it shows the low byte
     * (garbled, as the chip's would be) rather than a wider value the port cannot carry.
     */
    private int encode(int v) {
        return (binary() ? v : (v / 10) << 4 | v % 10) & 0xff;
    }

    private int decode(int v) {
        return binary() ? v : (v >> 4) * 10 + (v & 0xf);
    }

    /** The guest's time, for tests and the shell. */
    public synchronized Instant guestTime() {
        return shown().toInstant(ZoneOffset.UTC);
    }
}
