package javisor.vcpu;

import java.util.List;

import javisor.sys.kvm.CpuidEntry;
import org.junit.jupiter.api.Test;

import static org.assertj.core.api.Assertions.assertThat;

class CpuTopologyTest {
    private static final List<CpuidEntry> HOST = List.of(
            new CpuidEntry(0xb, 0, 1, 1, 2, 0x100, 7),
            new CpuidEntry(0xb, 1, 1, 4, 16, 0x201, 7),
            new CpuidEntry(0x4, 0, 1, 0x1c004121, 0x01c0003f, 0x3f, 0),
            new CpuidEntry(0x8000_0008, 0, 0, 0x3030, 0, 0x0000_7001, 0),
            new CpuidEntry(0x8000_001e, 0, 0, 9, 0x104, 0x3, 0));

    @Test
    void extendedTopologyIsOneThreadPerCoreAndAllCoresInOnePackage() {
        List<CpuidEntry> out = CpuTopology.apply(HOST, 3, 6);
        List<CpuidEntry> b = out.stream().filter(e -> e.function() == 0xb).toList();
        assertThat(b).containsExactly(
                new CpuidEntry(0xb, 0, 1, 0, 1, 0x100, 3),
                new CpuidEntry(0xb, 1, 1, 3, 6, 0x201, 3),
                new CpuidEntry(0xb, 2, 1, 0, 0, 2, 3));
    }

    @Test
    void amdAndIntelCoreCountsFollowTheVm() {
        List<CpuidEntry> out = CpuTopology.apply(HOST, 3, 6);
        CpuidEntry sizes = out.stream().filter(e -> e.function() == 0x8000_0008).findFirst().orElseThrow();
        assertThat(sizes.ecx() & 0xff).as("NC").isEqualTo(5);
        assertThat((sizes.ecx() >> 12) & 0xf).as("ApicIdSize").isEqualTo(3);
        CpuidEntry amd = out.stream().filter(e -> e.function() == 0x8000_001e).findFirst().orElseThrow();
        assertThat(List.of(amd.eax(), amd.ebx(), amd.ecx())).containsExactly(3, 3, 0);
        CpuidEntry cache = out.stream().filter(e -> e.function() == 4).findFirst().orElseThrow();
        assertThat(cache.eax() >>> 26).isEqualTo(5);
        assertThat(cache.eax() & 0x03ff_ffff).isEqualTo(0x1c004121 & 0x03ff_ffff);
    }

    @Test
    void coreIdBitsRoundUpToAPowerOfTwo() {
        assertThat(CpuTopology.coreIdBits(1)).isZero();
        assertThat(CpuTopology.coreIdBits(2)).isEqualTo(1);
        assertThat(CpuTopology.coreIdBits(5)).isEqualTo(3);
        assertThat(CpuTopology.coreIdBits(255)).isEqualTo(8);
    }

    @Test
    void leavesTheHostDoesNotListStayAbsent() {
        List<CpuidEntry> only = List.of(new CpuidEntry(1, 0, 0, 0, 0, 0, 0));
        assertThat(CpuTopology.apply(only, 0, 4)).isEqualTo(only);
    }
}
