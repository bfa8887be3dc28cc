package javisor.devices;

import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.ZoneOffset;

import org.junit.jupiter.api.Test;

import static org.assertj.core.api.Assertions.assertThat;

/** The MC146818A RTC as a PC guest reads it: BCD by default, the host's UTC time, settable by the guest. */
class CmosRtcTest {
    /** Wednesday 25 November 2026, 14:30:45 UTC. */
    private static final Instant T = Instant.parse("2026-11-25T14:30:45Z");

    private static int read(CmosRtc rtc, int index) {
        rtc.write(0, 1, index);
        return (int) rtc.read(1, 1);
    }

    private static void write(CmosRtc rtc, int index, int value) {
        rtc.write(0, 1, index);
        rtc.write(1, 1, value);
    }

    @Test
    void timeRegistersShowTheHostsUtcTimeInBcd() {
        CmosRtc rtc = new CmosRtc(Clock.fixed(T, ZoneOffset.UTC), 256L << 20, 0);
        assertThat(read(rtc, 0x00)).isEqualTo(0x45);
        assertThat(read(rtc, 0x02)).isEqualTo(0x30);
        assertThat(read(rtc, 0x04)).isEqualTo(0x14);
        assertThat(read(rtc, 0x06)).as("Wednesday; Sunday is 1").isEqualTo(4);
        assertThat(read(rtc, 0x07)).isEqualTo(0x25);
        assertThat(read(rtc, 0x08)).isEqualTo(0x11);
        assertThat(read(rtc, 0x09)).isEqualTo(0x26);
        assertThat(read(rtc, 0x32)).as("century").isEqualTo(0x20);
        assertThat(read(rtc, 0x0b)).as("24-hour BCD").isEqualTo(0x02);
        assertThat(read(rtc, 0x0d)).as("valid RAM and time").isEqualTo(0x80);
        assertThat(read(rtc, 0x0c)).isZero();
        assertThat(read(rtc, 0x0a) & 0x7f).isEqualTo(0x26);
    }

    @Test
    void binaryAndTwelveHourModesFollowRegisterB() {
        CmosRtc rtc = new CmosRtc(Clock.fixed(T, ZoneOffset.UTC), 256L << 20, 0);
        write(rtc, 0x0b, 0x06); // binary, 24 h
        assertThat(read(rtc, 0x00)).isEqualTo(45);
        assertThat(read(rtc, 0x04)).isEqualTo(14);
        write(rtc, 0x0b, 0x00); // BCD, 12 h
        assertThat(read(rtc, 0x04)).as("2 PM").isEqualTo(0x82);
    }

    @Test
    void theGuestSetsTheTimeWhileSetIsOnAndTheClockRunsOnFromThere() {
        MovableClock clock = new MovableClock(T);
        CmosRtc rtc = new CmosRtc(clock, 256L << 20, 0);
        write(rtc, 0x0b, 0x82);   // SET, 24 h, BCD
        write(rtc, 0x09, 0x30);   // 2030
        write(rtc, 0x08, 0x01);   // January
        write(rtc, 0x07, 0x02);
        write(rtc, 0x04, 0x03);
        write(rtc, 0x02, 0x04);
        write(rtc, 0x00, 0x05);
        clock.now = T.plusSeconds(100); // frozen while SET is on
        assertThat(read(rtc, 0x00)).isEqualTo(0x05);
        write(rtc, 0x0b, 0x02);
        clock.now = T.plusSeconds(110);
        assertThat(rtc.guestTime()).isEqualTo(Instant.parse("2030-01-02T03:04:15Z"));
        assertThat(read(rtc, 0x00)).isEqualTo(0x15);
    }

    @Test
    void writesOutsideSetMoveTheClockByTheDifference() {
        MovableClock clock = new MovableClock(T);
        CmosRtc rtc = new CmosRtc(clock, 256L << 20, 0);
        write(rtc, 0x02, 0x31); // one minute later
        clock.now = T.plus(Duration.ofSeconds(1));
        assertThat(rtc.guestTime()).isEqualTo(T.plusSeconds(61));
    }

    @Test
    void updateInProgressShowsInTheLast244MicrosecondsOfASecond() {
        CmosRtc late = new CmosRtc(Clock.fixed(T.plusNanos(999_900_000), ZoneOffset.UTC), 0, 0);
        assertThat(read(late, 0x0a) & 0x80).isEqualTo(0x80);
        CmosRtc early = new CmosRtc(Clock.fixed(T.plusNanos(500_000_000), ZoneOffset.UTC), 0, 0);
        assertThat(read(early, 0x0a) & 0x80).isZero();
    }

    @Test
    void memorySizeBytesAreThoseAPcBiosWrites() {
        CmosRtc rtc = new CmosRtc(Clock.fixed(T, ZoneOffset.UTC), 256L << 20, 1L << 32);
        assertThat(read(rtc, 0x15) | read(rtc, 0x16) << 8).isEqualTo(640);
        assertThat(read(rtc, 0x17) | read(rtc, 0x18) << 8).as("capped at 63 MiB").isEqualTo(0xfc00);
        assertThat(read(rtc, 0x30) | read(rtc, 0x31) << 8).isEqualTo(0xfc00);
        assertThat(read(rtc, 0x34) | read(rtc, 0x35) << 8).as("(256 - 16) MiB in 64 KiB").isEqualTo(3840);
        assertThat(read(rtc, 0x5b) | read(rtc, 0x5c) << 8 | read(rtc, 0x5d) << 16).isEqualTo(0x10000);
    }

    @Test
    void nvramBytesKeepWhatTheGuestWritesAndTheIndexPortReadsAllOnes() {
        CmosRtc rtc = new CmosRtc(Clock.fixed(T, ZoneOffset.UTC), 0, 0);
        write(rtc, 0x40 | 0x80, 0x5a); // bit 7 of the index is the NMI mask, not part of the index
        assertThat(read(rtc, 0x40)).isEqualTo(0x5a);
        assertThat(rtc.read(0, 1)).isEqualTo(0xff);
        write(rtc, 0x0d, 0);
        assertThat(read(rtc, 0x0d)).as("register D is read-only").isEqualTo(0x80);
    }

    @Test
    void aCenturyBcdCannotHoldStillReadsAsOneByte() {
        CmosRtc rtc = new CmosRtc(Clock.fixed(T, ZoneOffset.UTC), 0, 0);
        write(rtc, 0x0b, 0x06);  // binary, 24-hour
        write(rtc, 0x32, 0xa1);  // century 161: year 16126
        write(rtc, 0x0b, 0x02);  // back to BCD, where 161 has no byte
        assertThat(read(rtc, 0x32)).isBetween(0, 0xff);
    }
}
