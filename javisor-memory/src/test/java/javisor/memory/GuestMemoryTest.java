package javisor.memory;

import java.lang.foreign.ValueLayout;
import java.util.Arrays;
import java.util.List;

import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

class GuestMemoryTest {
    // RAM at [0, 64 KiB) and [64 KiB, 128 KiB) (adjacent) and [1 MiB, 1 MiB + 4 KiB) read-only
    private final GuestMemory memory = GuestMemory.of(List.of(
            GuestRegion.allocate(GuestAddress.of(0x10000), 0x10000, RegionFlags.RWX),
            GuestRegion.allocate(GuestAddress.of(0), 0x10000, RegionFlags.RWX),
            GuestRegion.allocate(GuestAddress.of(0x100000), 0x1000, new RegionFlags(RegionFlags.READ))));

    @AfterEach
    void close() {
        memory.close();
    }

    @Test
    void regionsAreSortedAndFoundByAddress() {
        assertThat(memory.regions()).extracting(r -> r.start().value()).containsExactly(0L, 0x10000L, 0x100000L);
        assertThat(memory.regionAt(GuestAddress.of(0x1ffff))).map(r -> r.start().value()).contains(0x10000L);
        assertThat(memory.regionAt(GuestAddress.of(0x20000))).isEmpty();
        assertThat(memory.regionAt(GuestAddress.of(0x100fff))).map(GuestRegion::readOnly).contains(true);
    }

    @Test
    void scalarsRoundTripLittleEndian() {
        memory.writeU32(GuestAddress.of(0x100), 0x11223344);
        assertThat(memory.readU8(GuestAddress.of(0x100))).isEqualTo(0x44);
        assertThat(memory.readU16(GuestAddress.of(0x102))).isEqualTo(0x1122);
        memory.writeU64(GuestAddress.of(0x200), 0x8877665544332211L);
        assertThat(memory.readU64(GuestAddress.of(0x200))).isEqualTo(0x8877665544332211L);
    }

    @Test
    void accessesMaySpanAdjacentRegions() {
        memory.writeU64(GuestAddress.of(0xfffc), 0x0102030405060708L);
        assertThat(memory.readU64(GuestAddress.of(0xfffc))).isEqualTo(0x0102030405060708L);
        byte[] data = new byte[0x100];
        data[0xff] = 7;
        memory.write(GuestAddress.of(0xff80), data);
        assertThat(memory.read(GuestAddress.of(0x1007f), 1)).containsExactly(7);
    }

    @ParameterizedTest(name = "[{0} + {1}) is outside guest RAM")
    @CsvSource({"0x20000, 1", "0x1fffc, 8", "0x100ffc, 8", "0xfffffffffffffff8, 16", "0x0, 0x30000"})
    void accessesOutsideRamThrowAndWriteNothing(String address, String length) {
        GuestAddress a = GuestAddress.of(Long.parseUnsignedLong(address.substring(2), 16));
        int n = Integer.decode(length);
        assertThat(memory.contains(a, n)).isFalse();
        assertThatThrownBy(() -> memory.write(a, new byte[n])).isInstanceOf(GuestMemoryException.class)
                .hasMessageContaining("not inside guest RAM");
        assertThatThrownBy(() -> memory.read(a, n)).isInstanceOf(GuestMemoryException.class);
    }

    @Test
    void aFailedWriteLeavesMemoryUntouched() {
        byte[] ones = new byte[0x20010];
        Arrays.fill(ones, (byte) 1);
        assertThatThrownBy(() -> memory.write(GuestAddress.of(0x0), ones)).isInstanceOf(GuestMemoryException.class);
        assertThat(memory.readU8(GuestAddress.of(0))).isZero();
    }

    @Test
    void hostWritesReachReadOnlyRegions() {
        memory.writeU32(GuestAddress.of(0x100000), 0xabcd);
        assertThat(memory.readU32(GuestAddress.of(0x100000))).isEqualTo(0xabcd);
    }

    @Test
    void overlappingRegionsAreRefused() {
        GuestRegion a = GuestRegion.allocate(GuestAddress.of(0), 0x2000, RegionFlags.RWX);
        GuestRegion b = GuestRegion.allocate(GuestAddress.of(0x1000), 0x2000, RegionFlags.RWX);
        try {
            assertThatThrownBy(() -> GuestMemory.of(List.of(a, b))).hasMessageContaining("overlap");
        } finally {
            a.close();
            b.close();
        }
    }

    @Test
    void slicesDieWithTheirMemory() {
        GuestMemory m = GuestMemory.of(List.of(GuestRegion.allocate(GuestAddress.of(0), 0x1000, RegionFlags.RWX)));
        var slice = m.slice(GuestAddress.of(0x10), 4);
        m.close();
        assertThatThrownBy(() -> slice.get(ValueLayout.JAVA_BYTE, 0))
                .isInstanceOf(IllegalStateException.class);
    }

    @Test
    void addressArithmeticIsCheckedAndUnsigned() {
        assertThatThrownBy(() -> GuestAddress.of(-8).plus(16)).hasMessageContaining("overflows");
        assertThat(GuestAddress.of(-1).compareTo(GuestAddress.of(1))).isPositive();
        assertThat(GuestAddress.of(0x1001).alignUp(0x1000)).isEqualTo(GuestAddress.of(0x2000));
        assertThatThrownBy(() -> GuestAddress.of(1).offsetFrom(GuestAddress.of(2))).hasMessageContaining("below");
    }

    @Test
    void unknownFlagBitsAreRefused() {
        assertThatThrownBy(() -> new RegionFlags(0x20)).hasMessageContaining("unknown region flag bits 0x20");
        assertThat(new RegionFlags(0x7).toString()).isEqualTo("rwx-");
    }
}
