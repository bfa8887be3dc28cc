package javisor.vcpu;

import java.util.ArrayList;
import java.util.List;

import javisor.sys.kvm.CpuidEntry;

/**
 * The CPU topology a VM's vCPUs report: one package of {@code cpuCount} cores, one thread each, APIC id =
 * vCPU id. KVM_GET_SUPPORTED_CPUID describes the host's topology (or none); a guest that reads it would
 * count packages and cores wrong, so the topology leaves are rewritten per vCPU:
 * <ul>
 *   <li>0xB and 0x1F, extended topology (Intel SDM vol. 2A, CPUID leaf 0BH): an SMT level of one thread and a
 *       core level of {@code cpuCount} cores, the x2APIC id in EDX of every sub-leaf;</li>
 *   <li>4, deterministic cache parameters (Intel): EAX[31:26], cores per package minus one;</li>
 *   <li>0x80000008 ECX (AMD APM vol. 3, E.4.7): NC, cores minus one, and ApicIdSize;</li>
 *   <li>0x8000001E (AMD, with TOPOEXT): extended APIC id, core id, one thread per core, node 0.</li>
 * </ul>
 * Leaf 1's APIC id and logical-processor count are {@link CpuidNormalizer}'s. Leaves the host does not list
 * stay absent, so the guest's maximum-leaf answers stay true.
 */
public final class CpuTopology {
    static final int LEAF_CACHE = 0x4;
    static final int LEAF_EXT_TOPOLOGY = 0xb;
    static final int LEAF_V2_EXT_TOPOLOGY = 0x1f;
    static final int LEAF_AMD_SIZES = 0x8000_0008;
    static final int LEAF_AMD_TOPOLOGY = 0x8000_001e;
    static final int LEVEL_SMT = 1;
    static final int LEVEL_CORE = 2;

    private CpuTopology() {
    }

    /** Bits of the APIC id that number the cores: ceil(log2(cpuCount)). */
    static int coreIdBits(int cpuCount) {
        return cpuCount <= 1 ? 0 : 32 - Integer.numberOfLeadingZeros(cpuCount - 1);
    }

    public static List<CpuidEntry> apply(List<CpuidEntry> entries, int apicId, int cpuCount) {
        List<CpuidEntry> out = new ArrayList<>(entries.size() + 4);
        boolean extTopologyDone = false;
        boolean v2TopologyDone = false;
        for (CpuidEntry e : entries) {
            switch (e.function()) {
                case LEAF_EXT_TOPOLOGY -> {
                    if (!extTopologyDone) {
                        out.addAll(extendedTopology(e, apicId, cpuCount));
                        extTopologyDone = true;
                    }
                }
                case LEAF_V2_EXT_TOPOLOGY -> {
                    if (!v2TopologyDone) {
                        out.addAll(extendedTopology(e, apicId, cpuCount));
                        v2TopologyDone = true;
                    }
                }
                case LEAF_CACHE -> out.add(e.eax() == 0 ? e // sub-leaf with no cache: leave "no more caches" alone
                        : e.withRegisters((e.eax() & 0x03ff_ffff) | (Math.min(cpuCount, 64) - 1) << 26,
                                e.ebx(), e.ecx(), e.edx()));
                case LEAF_AMD_SIZES -> out.add(e.withRegisters(e.eax(), e.ebx(),
                        (e.ecx() & ~0xf0ff) | Math.max(coreIdBits(cpuCount), 1) << 12 | (Math.min(cpuCount, 256) - 1),
                        e.edx()));
                case LEAF_AMD_TOPOLOGY -> out.add(e.withRegisters(apicId, apicId & 0xff, 0, e.edx()));
                default -> out.add(e);
            }
        }
        return out;
    }

    /** Sub-leaves 0 (SMT), 1 (core) and 2 (the end marker) of leaf 0xB or 0x1F, as KVM indexes them. */
    private static List<CpuidEntry> extendedTopology(CpuidEntry template, int apicId, int cpuCount) {
        int f = template.function();
        int flags = template.flags() | CpuidEntry.FLAG_SIGNIFICANT_INDEX;
        return List.of(
                // EAX: bits to shift the x2APIC id right to reach the next level; EBX: logical processors at
                // this level; ECX: level number and type.
                new CpuidEntry(f, 0, flags, 0, 1, LEVEL_SMT << 8, apicId),
                new CpuidEntry(f, 1, flags, coreIdBits(cpuCount), cpuCount, 1 | LEVEL_CORE << 8, apicId),
                new CpuidEntry(f, 2, flags, 0, 0, 2, apicId));
    }
}
