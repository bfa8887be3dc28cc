package javisor.devices;

import java.util.ArrayList;
import java.util.List;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

class BusTest {
    /** Records every access it gets, answers reads with offset + 0x100. */
    static final class Recorder implements BusDevice {
        final List<String> log = new ArrayList<>();

        @Override
        public long read(long offset, int size) {
            log.add("r" + size + "@" + offset);
            return offset + 0x100;
        }

        @Override
        public void write(long offset, int size, long value) {
            log.add("w" + size + "@" + offset + "=" + value);
        }
    }

    @Test
    void dispatchesWithOffsetsRelativeToTheRange() {
        IoPortBus bus = new IoPortBus();
        Recorder dev = new Recorder();
        bus.register(new BusRange(0x3f8, 8), "uart", dev);
        assertThat(bus.read(0x3fd, 1)).isEqualTo(0x105);
        bus.write(0x3f8, 1, 0x41);
        assertThat(dev.log).containsExactly("r1@5", "w1@0=65");
    }

    @ParameterizedTest(name = "[{0}, +{1}) overlaps [0x100, 0x110)")
    @CsvSource({"0x100, 0x10", "0xf8, 0x9", "0x10f, 1", "0x0, 0x1000", "0x108, 0x4"})
    void overlappingRangesAreRefused(String base, String length) {
        MmioBus bus = new MmioBus();
        bus.register(new BusRange(0x100, 0x10), "first", new Recorder());
        assertThatThrownBy(() -> bus.register(new BusRange(Long.decode(base), Long.decode(length)), "second",
                new Recorder()))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("second")
                .hasMessageContaining("overlaps first");
    }

    @Test
    void adjacentRangesAreFine() {
        MmioBus bus = new MmioBus();
        bus.register(new BusRange(0x100, 0x10), "a", new Recorder());
        bus.register(new BusRange(0x110, 0x10), "b", new Recorder());
        bus.register(new BusRange(0xf0, 0x10), "c", new Recorder());
        assertThat(bus.devices()).containsOnlyKeys("a", "b", "c");
    }

    @Test
    void zeroLengthAndWrappingRangesAreRefused() {
        assertThatThrownBy(() -> new BusRange(0x10, 0)).hasMessageContaining("positive");
        assertThatThrownBy(() -> new BusRange(-16, 32)).hasMessageContaining("wraps");
    }

    @Test
    void portRangesBeyond64KiAreRefused() {
        assertThatThrownBy(() -> new IoPortBus().register(new BusRange(0xfff0, 0x20), "x", new Recorder()))
                .hasMessageContaining("outside 0..0xffff");
    }

    @Test
    void topOfTheAddressSpaceIsReachable() {
        MmioBus bus = new MmioBus();
        Recorder dev = new Recorder();
        bus.register(new BusRange(0xffff_ffff_ffff_f000L, 0x1000), "top", dev);
        assertThat(bus.read(-1L, 1)).isEqualTo(0xfff + 0x100);
    }

    @ParameterizedTest(name = "unclaimed read of {0} byte(s) gives {1}")
    @CsvSource({"1, 0xff", "2, 0xffff", "4, 0xffffffff", "8, -1"})
    void unclaimedReadsAreAllOnes(int size, String expected) {
        IoPortBus bus = new IoPortBus();
        assertThat(bus.read(0x510, size)).isEqualTo(Long.decode(expected));
    }

    @Test
    void unclaimedAccessesAreRememberedOncePerAddressAndCounted() {
        MmioBus bus = new MmioBus();
        bus.write(0xd000_0000L, 4, 1);
        bus.write(0xd000_0000L, 4, 2);
        bus.read(0xd000_0004L, 4);
        assertThat(bus.unclaimed().addresses()).containsExactlyInAnyOrder(0xd000_0000L, 0xd000_0004L);
        assertThat(bus.unclaimed().count()).isEqualTo(3);
    }

    @Test
    void anUnclaimedAddressMetAgainAfterAnotherIsStillLoggedOnce() {
        MmioBus bus = new MmioBus();
        bus.limitUnclaimedLog(10, "");
        for (long a : new long[] {0xd000_0000L, 0xd000_0000L, 0xd000_0004L, 0xd000_0000L, 0xd000_0004L}) {
            bus.read(a, 4);
        }
        assertThat(bus.unclaimed().linesLogged()).as("one line per address, the repeated one too").isEqualTo(2);
        assertThat(bus.unclaimed().addresses()).containsExactlyInAnyOrder(0xd000_0000L, 0xd000_0004L);
        assertThat(bus.unclaimed().count()).isEqualTo(5);
    }

    @Test
    void aScanningGuestCannotGrowTheUnclaimedLogWithoutBound() {
        MmioBus bus = new MmioBus();
        for (long a = 0; a < UnclaimedAccessLog.MAX_REMEMBERED + 1000L; a++) {
            bus.read(a * 4, 4);
        }
        assertThat(bus.unclaimed().addresses()).hasSize(UnclaimedAccessLog.MAX_REMEMBERED);
        assertThat(bus.unclaimed().count()).isEqualTo(UnclaimedAccessLog.MAX_REMEMBERED + 1000L);
    }

    @Test
    void unclaimedAddressesAreLoggedUpToTheLimitThenOnlyCounted() {
        IoPortBus bus = new IoPortBus();
        bus.limitUnclaimedLog(5, "VM 1 (t)");
        for (long port = 0; port < 100; port++) {
            bus.write(port, 1, 0);
        }
        assertThat(bus.unclaimed().linesLogged()).isEqualTo(5);
        assertThat(bus.unclaimed().count()).isEqualTo(100);
        assertThat(bus.unclaimed().addresses()).hasSize(100);
        IoPortBus silent = new IoPortBus();
        silent.limitUnclaimedLog(0, "");
        silent.read(0x80, 1);
        assertThat(silent.unclaimed().linesLogged()).isZero();
    }

    @Test
    void unregisterFreesTheRange() {
        MmioBus bus = new MmioBus();
        BusRange r = new BusRange(0x1000, 0x100);
        bus.register(r, "a", new Recorder());
        assertThat(bus.unregister(r)).isTrue();
        assertThat(bus.read(0x1000, 1)).isEqualTo(0xff);
        bus.register(r, "b", new Recorder());
    }
}
