package javisor.vcpu;

import java.util.List;

import javisor.sys.kvm.CpuidEntry;
import org.junit.jupiter.api.Test;

import static org.assertj.core.api.Assertions.assertThat;

class CpuTemplateTest {
    // Leaf 1 as a recent host reports it: SSE3 .. AVX, XSAVE, x2APIC, TSC deadline, hypervisor.
    private static final CpuidEntry LEAF1 = new CpuidEntry(1, 0, 0, 0xa0f10, 0x00020800, 0xfff83203 | 1 << 31,
            0x178bfbff);
    private static final CpuidEntry LEAF7 = new CpuidEntry(7, 0, 1, 1, 0x219c07ab, 0x00400004, 0x20000010);
    private static final CpuidEntry LEAF_D = new CpuidEntry(0xd, 0, 1, 0x7, 0x340, 0x340, 0);
    private static final CpuidEntry EXT1 = new CpuidEntry(0x8000_0001, 0, 0, 0, 0, 0x75c237ff, 0x2fd3fbff);
    private static final CpuidEntry KVM = new CpuidEntry(0x4000_0000, 0, 0, 0x4000_0001, 0x4b4d564b, 0x564b4d56, 0x4d);
    private static final List<CpuidEntry> HOST = List.of(LEAF1, LEAF7, LEAF_D, EXT1, KVM);

    private static CpuidEntry leaf(List<CpuidEntry> entries, int function) {
        return entries.stream().filter(e -> e.function() == function).findFirst().orElseThrow();
    }

    @Test
    void hostChangesNothing() {
        assertThat(CpuTemplate.HOST.apply(HOST)).isEqualTo(HOST);
    }

    @Test
    void minimalKeepsTheBaselineAndTheVirtualisationBitsOnly() {
        List<CpuidEntry> out = CpuTemplate.MINIMAL.apply(HOST);
        CpuidEntry l1 = leaf(out, 1);
        assertThat(l1.ecx()).as("x2APIC, TSC deadline, hypervisor").isEqualTo(1 << 21 | 1 << 24 | 1 << 31);
        assertThat(l1.edx() & (1 << 26)).as("SSE2").isNotZero();
        assertThat(l1.edx() & (1 << 9)).as("APIC").isNotZero();
        assertThat(l1.eax()).isEqualTo(LEAF1.eax());
        assertThat(l1.ebx()).isEqualTo(LEAF1.ebx());
        CpuidEntry l7 = leaf(out, 7);
        assertThat(l7.eax()).as("max sub-leaf kept").isEqualTo(1);
        assertThat(List.of(l7.ebx(), l7.ecx(), l7.edx())).containsOnly(0);
        CpuidEntry d = leaf(out, 0xd);
        assertThat(List.of(d.eax(), d.ebx(), d.ecx(), d.edx())).containsOnly(0);
        CpuidEntry e1 = leaf(out, 0x8000_0001);
        assertThat(e1.edx() & (1 << 29 | 1 << 20 | 1 << 11)).as("LM, NX, SYSCALL").isEqualTo(1 << 29 | 1 << 20 | 1 << 11);
        assertThat(e1.edx() & (1 << 27)).as("RDTSCP hidden").isZero();
        assertThat(e1.ecx()).isZero();
        assertThat(leaf(out, 0x4000_0000)).as("hypervisor leaves pass").isEqualTo(KVM);
    }

    @Test
    void v2AddsSse4AndPopcntButNoAvx() {
        CpuidEntry l1 = leaf(CpuTemplate.X86_64_V2.apply(HOST), 1);
        assertThat(l1.ecx() & (1 << 20 | 1 << 19 | 1 << 23 | 1 << 9 | 1)).isEqualTo(1 << 20 | 1 << 19 | 1 << 23 | 1 << 9 | 1);
        assertThat(l1.ecx() & (1 << 28)).as("AVX").isZero();
        assertThat(l1.ecx() & (1 << 26)).as("XSAVE").isZero();
        assertThat(leaf(CpuTemplate.X86_64_V2.apply(HOST), 0x8000_0001).ecx()).isEqualTo(1);
    }

    @Test
    void aTemplateNeverAddsAFeatureTheHostLacks() {
        CpuidEntry bare = new CpuidEntry(1, 0, 0, 0, 0, 0, 0);
        for (CpuTemplate t : CpuTemplate.ALL) {
            assertThat(t.apply(List.of(bare))).containsExactly(bare);
        }
    }

    @Test
    void templatesAreFoundByName() {
        assertThat(CpuTemplate.named("Minimal")).contains(CpuTemplate.MINIMAL);
        assertThat(CpuTemplate.named("x86-64-v2")).contains(CpuTemplate.X86_64_V2);
        assertThat(CpuTemplate.named("t2")).isEmpty();
        assertThat(CpuTemplate.names()).containsExactly("host", "x86-64-v2", "minimal");
    }
}
