package javisor.vcpu;

import java.util.ArrayList;
import java.util.List;

import javisor.sys.kvm.CpuidEntry;

/**
 * Turns the host's KVM_GET_SUPPORTED_CPUID into what one vCPU of a VM reports: the hypervisor bit set,
 * this vCPU's APIC id and the VM's CPU count in the topology fields, and features the VM cannot use hidden.
 */
public final class CpuidNormalizer {
    private static final int LEAF_FEATURES = 0x1;
    private static final int LEAF_EXT_TOPOLOGY = 0xB;
    private static final int LEAF_V2_EXT_TOPOLOGY = 0x1F;

    private static final int ECX_CX16 = 1 << 13;
    private static final int ECX_HYPERVISOR = 1 << 31;
    private static final int EDX_HTT = 1 << 28;

    private CpuidNormalizer() {
    }

    /**
     * @param supported the host's supported leaves
     * @param apicId    this vCPU's APIC id
     * @param cpuCount  how many vCPUs the VM has
     */
    public static List<CpuidEntry> normalize(List<CpuidEntry> supported, int apicId, int cpuCount) {
        List<CpuidEntry> out = new ArrayList<>(supported.size());
        for (CpuidEntry e : supported) {
            out.add(switch (e.function()) {
                case LEAF_FEATURES -> features(e, apicId, cpuCount);
                case LEAF_EXT_TOPOLOGY, LEAF_V2_EXT_TOPOLOGY -> e.withRegisters(e.eax(), e.ebx(), e.ecx(), apicId);
                default -> e;
            });
        }
        return out;
    }

    private static CpuidEntry features(CpuidEntry e, int apicId, int cpuCount) {
        // EBX[31:24] initial APIC id, EBX[23:16] logical processors per package.
        int ebx = (e.ebx() & 0x0000ffff) | ((apicId & 0xff) << 24) | ((Math.min(cpuCount, 255) & 0xff) << 16);
        // cmpxchg16b cannot be emulated at CPL0 under PVM (ENVIRONMENT.md), so no guest may rely on it;
        // the hypervisor bit tells the guest it runs virtualised.
        int ecx = (e.ecx() & ~ECX_CX16) | ECX_HYPERVISOR;
        int edx = cpuCount > 1 ? e.edx() | EDX_HTT : e.edx() & ~EDX_HTT;
        return e.withRegisters(e.eax(), ebx, ecx, edx);
    }
}
