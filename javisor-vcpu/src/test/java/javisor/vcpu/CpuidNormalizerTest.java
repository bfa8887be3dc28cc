package javisor.vcpu;

import java.util.List;

import javisor.sys.kvm.CpuidEntry;
import org.junit.jupiter.api.Test;

import static org.assertj.core.api.Assertions.assertThat;

class CpuidNormalizerTest {
    private static final CpuidEntry LEAF1 = new CpuidEntry(1, 0, 0, 0x000a0f10, 0x07080800, 0x7ef8320b | (1 << 13),
            0x178bfbff);
    private static final CpuidEntry LEAF_B = new CpuidEntry(0xb, 0, 1, 1, 1, 0x100, 7);
    private static final CpuidEntry OTHER = new CpuidEntry(7, 0, 1, 0, 0x219c07a9, 0, 0);

    private static CpuidEntry leaf(List<CpuidEntry> entries, int function) {
        return entries.stream().filter(e -> e.function() == function).findFirst().orElseThrow();
    }

    @Test
    void leafOneCarriesApicIdCpuCountAndHypervisorBit() {
        List<CpuidEntry> out = CpuidNormalizer.normalize(List.of(LEAF1, LEAF_B, OTHER), 3, 4);
        CpuidEntry l1 = leaf(out, 1);
        assertThat(l1.ebx() >>> 24).isEqualTo(3);
        assertThat((l1.ebx() >>> 16) & 0xff).isEqualTo(4);
        assertThat(l1.ebx() & 0xffff).isEqualTo(0x0800);
        assertThat(l1.ecx() & (1 << 31)).isNotZero();
        assertThat(l1.ecx() & (1 << 13)).as("CX16 passes through (only KVM-PVM could not emulate it)").isNotZero();
        assertThat(l1.edx() & (1 << 28)).as("HTT with several CPUs").isNotZero();
        assertThat(l1.eax()).isEqualTo(LEAF1.eax());
    }

    @Test
    void topologyLeafGivesTheX2ApicId() {
        assertThat(leaf(CpuidNormalizer.normalize(List.of(LEAF1, LEAF_B), 5, 8), 0xb).edx()).isEqualTo(5);
    }

    @Test
    void aSingleCpuVmHasNoHtt() {
        assertThat(leaf(CpuidNormalizer.normalize(List.of(LEAF1), 0, 1), 1).edx() & (1 << 28)).isZero();
    }

    @Test
    void theMsiExtendedDestinationIdIsNeverOffered() {
        // KVM_FEATURE_CLOCKSOURCE2 (3) and PV_UNHALT (7) stay; MSI_EXT_DEST_ID (15) goes: KVM's I/O APIC cannot
        // deliver to the APIC ids it would let Linux use.
        CpuidEntry kvm = new CpuidEntry(0x4000_0001, 0, 0, (1 << 3) | (1 << 7) | (1 << 15), 0, 0, 0);
        assertThat(leaf(CpuidNormalizer.normalize(List.of(kvm), 0, 300), 0x4000_0001).eax())
                .isEqualTo((1 << 3) | (1 << 7));
    }

    @Test
    void otherLeavesPassThrough() {
        assertThat(leaf(CpuidNormalizer.normalize(List.of(LEAF1, OTHER), 0, 1), 7)).isEqualTo(OTHER);
    }
}
