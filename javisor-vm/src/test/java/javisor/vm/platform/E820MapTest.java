package javisor.vm.platform;

import java.util.ArrayList;
import java.util.List;

import javisor.memory.GuestAddress;
import javisor.memory.GuestMemory;
import javisor.memory.GuestRegion;
import javisor.memory.RegionFlags;
import org.junit.jupiter.api.Test;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

class E820MapTest {
    private static final RegionFlags ROM = new RegionFlags(RegionFlags.READ | RegionFlags.EXECUTE);

    private static E820Map map(GuestRegion... regions) {
        try (GuestMemory m = GuestMemory.of(List.of(regions))) {
            return E820Map.forGuest(m.regions());
        }
    }

    @Test
    void ramFromZeroLosesTheLegacyHoleAndReservesTheBiosArea() {
        E820Map m = map(GuestRegion.allocate(GuestAddress.ZERO, 256L << 20, RegionFlags.RWX));
        assertThat(m.entries()).containsExactly(
                new E820Entry(0, 0xa0000, E820Type.RAM),
                new E820Entry(0xe0000, 0x20000, E820Type.RESERVED),
                new E820Entry(0x100000, (256L << 20) - 0x100000, E820Type.RAM));
        assertThat(m.entries().get(0).toString()).isEqualTo("[mem 0x0000000000000000-0x000000000009ffff] usable");
        assertThat(m.entries().get(1).toString()).isEqualTo("[mem 0x00000000000e0000-0x00000000000fffff] reserved");
    }

    @Test
    void adjacentRegionsMergeReadOnlyOnesAreReservedAndHighRamStays() {
        E820Map m = map(
                GuestRegion.allocate(GuestAddress.ZERO, 0x80000, RegionFlags.RWX),
                GuestRegion.allocate(GuestAddress.of(0x80000), 0x180000, RegionFlags.RWX),
                GuestRegion.allocate(GuestAddress.of(0xffff_0000L), 0x10000, ROM),
                GuestRegion.allocate(GuestAddress.of(1L << 32), 0x200000, RegionFlags.RWX));
        assertThat(m.entries()).containsExactly(
                new E820Entry(0, 0xa0000, E820Type.RAM),
                new E820Entry(0xe0000, 0x20000, E820Type.RESERVED),
                new E820Entry(0x100000, 0x100000, E820Type.RAM),
                new E820Entry(0xffff_0000L, 0x10000, E820Type.RESERVED),
                new E820Entry(1L << 32, 0x200000, E820Type.RAM));
        assertThat(m.ram()).hasSize(3);
        assertThat(m.isRam(0x100000, 0x100000)).isTrue();
        assertThat(m.isRam(0x100000, 0x100001)).isFalse();
        assertThat(m.isRam(0x9f000, 0x2000)).isFalse();
    }

    @Test
    void ramOnlyAboveOneMibHasNoLowEntries() {
        E820Map m = map(GuestRegion.allocate(GuestAddress.of(0x200000), 0x100000, RegionFlags.RWX));
        assertThat(m.entries()).containsExactly(new E820Entry(0x200000, 0x100000, E820Type.RAM));
    }

    @Test
    void ramInsideTheHoleOnlyIsDropped() {
        E820Map m = map(GuestRegion.allocate(GuestAddress.of(0xb0000), 0x10000, RegionFlags.RWX));
        assertThat(m.entries()).isEmpty();
    }

    @Test
    void mapsAreCheckedForOrderAndSize() {
        assertThatThrownBy(() -> new E820Map(List.of(new E820Entry(0x1000, 0x1000, E820Type.RAM),
                new E820Entry(0x1800, 0x1000, E820Type.RAM)))).hasMessageContaining("overlapping");
        List<E820Entry> many = new ArrayList<>();
        for (int i = 0; i <= E820Map.MAX_ENTRIES; i++) {
            many.add(new E820Entry(0x2000L * i, 0x1000, E820Type.RAM));
        }
        assertThatThrownBy(() -> new E820Map(many)).hasMessageContaining("at most 128");
        assertThatThrownBy(() -> new E820Entry(0, 0, E820Type.RAM)).isInstanceOf(IllegalArgumentException.class);
    }
}
