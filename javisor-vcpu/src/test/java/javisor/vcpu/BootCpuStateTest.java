package javisor.vcpu;

import java.util.List;
import java.util.Optional;

import javisor.memory.GuestAddress;
import javisor.memory.GuestMemory;
import javisor.memory.GuestRegion;
import javisor.memory.RegionFlags;
import javisor.sys.kvm.DescriptorTable;
import javisor.sys.kvm.Segment;
import javisor.sys.kvm.SpecialRegs;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/**
 * Where real-mode entry puts CS and IP: a real segment that holds the entry, up to what real mode reaches; and
 * where protected and long mode find their GDT and page tables: wherever {@link BootTables} says.
 */
class BootCpuStateTest {
    /** The x86 reset state's segments: CS base 0xffff0000, selector 0xf000 (SDM vol. 3, 9.1.4). */
    private static final SpecialRegs RESET;

    static {
        Segment cs = new Segment(0xffff_0000L, 0xffff, 0xf000, 0xb, true, 0, false, true, false, false, false, false);
        Segment data = new Segment(0, 0xffff, 0, 0x3, true, 0, false, true, false, false, false, false);
        DescriptorTable none = new DescriptorTable(0, 0xffff);
        RESET = new SpecialRegs(cs, data, data, data, data, data, data, data, none, none, 0x6000_0010L, 0, 0, 0, 0,
                0, 0xfee0_0900L);
    }

    @ParameterizedTest
    @CsvSource({
            "0x7c00,   0x0000, 0x7c00",
            "0x8000,   0x0000, 0x8000",
            "0x12345,  0x1000, 0x2345",
            "0xf0000,  0xf000, 0x0000",
            "0x100000, 0xffff, 0x0010",
            "0x10ffef, 0xffff, 0xffff"})
    void theEntryIsCsTimesSixteenPlusIp(String entry, String selector, String ip) {
        long e = Long.decode(entry);
        SpecialRegs s = BootCpuState.realMode(RESET, e);
        assertThat(s.cs().selector()).isEqualTo(Integer.decode(selector));
        assertThat(s.cs().base()).as("a real segment: base = selector * 16").isEqualTo((long) s.cs().selector() << 4);
        assertThat(BootCpuState.realModeIp(e)).isEqualTo(Long.decode(ip));
        assertThat(s.cs().base() + BootCpuState.realModeIp(e)).isEqualTo(e);
        assertThat(s.cr0() & 1).as("protection off").isZero();
    }

    @Test
    void anEntryBeyondRealModesReachIsRefused() {
        assertThatThrownBy(() -> BootCpuState.realMode(RESET, 0x10fff0))
                .hasMessageContaining("beyond what real mode reaches (0x10ffef)");
    }

    private static GuestMemory ram() {
        return GuestMemory.of(List.of(GuestRegion.allocate(GuestAddress.ZERO, 0x200000, RegionFlags.RWX)));
    }

    @Test
    void protectedModeWritesTheGdtWhereTheTablesSay() {
        try (GuestMemory memory = ram()) {
            SpecialRegs s = BootCpuState.protectedMode(RESET, memory, BootTables.gdtOnly(GuestAddress.of(0x3000)));

            assertThat(s.gdt()).isEqualTo(new DescriptorTable(0x3000, (int) BootCpuState.GDT_SIZE - 1));
            assertThat(memory.readU64(GuestAddress.of(0x3000 + BootCpuState.CODE32_SELECTOR)))
                    .isEqualTo(0x00cf9b000000ffffL);
            assertThat(memory.readU64(GuestAddress.of(BootCpuState.GDT_ADDRESS))).as("nothing at the usual place")
                    .isZero();
            assertThat(s.cr3()).isZero();
            assertThat(s.cr0() & 0x8000_0001L).as("PE on, PG off").isEqualTo(1);
        }
    }

    @Test
    void longModeWritesTheIdentityMapWhereTheTablesSay() {
        try (GuestMemory memory = ram()) {
            SpecialRegs s = BootCpuState.longMode(RESET, memory,
                    BootTables.withPageTables(GuestAddress.of(0x500), GuestAddress.of(0x20000)));

            assertThat(s.cr3()).isEqualTo(0x20000);
            assertThat(s.gdt().base()).isEqualTo(0x500);
            assertThat(memory.readU64(GuestAddress.of(0x20000))).as("PML4[0] -> the PDPT after it").isEqualTo(0x21003);
            assertThat(memory.readU64(GuestAddress.of(0x21000 + 8 * 3))).as("PDPT[3] -> the fourth PD")
                    .isEqualTo(0x25003);
            assertThat(memory.readU64(GuestAddress.of(0x22000 + 8))).as("PD[1]: 2 MiB at 2 MiB")
                    .isEqualTo(0x200083);
            assertThat(memory.readU64(GuestAddress.of(BootCpuState.PAGE_TABLES_ADDRESS)))
                    .as("nothing at the usual place").isZero();
        }
    }

    @Test
    void longModeRefusesPageTablesOutsideRam() {
        try (GuestMemory memory = ram()) {
            BootTables tables = BootTables.withPageTables(GuestAddress.of(0x500), GuestAddress.of(0x1fc000));
            assertThatThrownBy(() -> BootCpuState.longMode(RESET, memory, tables))
                    .hasMessageContaining("needs guest RAM at [0x1fc000, 0x202000)");
        }
    }

    @Test
    void eachModeTakesOnlyTheTablesItNeeds() {
        try (GuestMemory memory = ram()) {
            BootTables gdtOnly = BootTables.gdtOnly(GuestAddress.of(0x500));
            assertThatThrownBy(() -> BootCpuState.longMode(RESET, memory, gdtOnly))
                    .hasMessageContaining("LONG_64 entry needs a GDT and page tables");
            assertThatThrownBy(() -> BootCpuState.protectedMode(RESET, memory, BootTables.usual(EntryMode.LONG_64)))
                    .hasMessageContaining("PROTECTED_32 entry needs a GDT and no page tables");
            assertThatThrownBy(() -> BootCpuState.protectedMode(RESET, memory, BootTables.NONE))
                    .hasMessageContaining("PROTECTED_32 entry needs a GDT");
        }
    }

    @Test
    void pageTablesMustBePageAligned() {
        assertThatThrownBy(() -> BootTables.withPageTables(GuestAddress.of(0x500), GuestAddress.of(0x9800)))
                .hasMessageContaining("not 4 KiB-aligned");
        assertThatThrownBy(() -> new BootTables(Optional.empty(), Optional.of(GuestAddress.of(0x9000))))
                .hasMessageContaining("page tables without a GDT");
    }
}
