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
    /** KVM_CPUID_FEATURES (Linux's Documentation/virt/kvm/x86/cpuid.rst): KVM's paravirtual feature bits. */
    static final int LEAF_KVM_FEATURES = 0x4000_0001;
    /**
     * KVM_FEATURE_MSI_EXT_DEST_ID: "MSI addresses may carry APIC id bits 8-14 in address bits 11-5". Neither KVM's
     * in-kernel I/O APIC nor its MSI routing reads those bits (only a VMM that rewrites each MSI can offer it), so
     * the bit stays clear: a Linux guest then brings up only the vCPUs with APIC ids 0-255, each of which its
     * interrupts reach, instead of all of them with device interrupts aimed at the wrong ones.
     */
    static final int KVM_FEATURE_MSI_EXT_DEST_ID = 1 << 15;

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
                case LEAF_KVM_FEATURES -> e.withRegisters(e.eax() & ~KVM_FEATURE_MSI_EXT_DEST_ID, e.ebx(), e.ecx(),
                        e.edx());
                default -> e;
            });
        }
        return out;
    }

    private static CpuidEntry features(CpuidEntry e, int apicId, int cpuCount) {
        // EBX[31:24] initial APIC id, EBX[23:16] logical processors per package.
        int ebx = (e.ebx() & 0x0000ffff) | ((apicId & 0xff) << 24) | ((Math.min(cpuCount, 255) & 0xff) << 16);
        // The hypervisor bit tells the guest it runs virtualised.
        int ecx = e.ecx() | ECX_HYPERVISOR;
        int edx = cpuCount > 1 ? e.edx() | EDX_HTT : e.edx() & ~EDX_HTT;
        return e.withRegisters(e.eax(), ebx, ecx, edx);
    }
}
