package javisor.vcpu;

import java.util.List;

import javisor.sys.kvm.Msr;

/**
 * The CPU state a PC firmware leaves behind for an OS, which a VMM that boots kernels with no firmware has to
 * set itself (Firecracker does the same): model-specific registers, and the local APIC's LINT0/LINT1 wiring.
 * Linux reads both: it keeps its boot CPU's virtual-wire setup when LINT0 is already ExtINT, and it decides
 * whether memory may be cached from the MTRRs.
 */
public final class FirmwareCpuState {
    static final int MSR_IA32_MISC_ENABLE = 0x1a0;
    static final int MSR_MTRR_DEF_TYPE = 0x2ff;
    /** IA32_MISC_ENABLE bit 0: fast string operations (SDM vol. 4, Table 2-2), on after any firmware. */
    static final long MISC_ENABLE_FAST_STRING = 1;
    /** IA32_MTRR_DEF_TYPE: E (bit 11) enables the MTRRs, type 6 makes unlisted memory write-back (SDM vol. 3, 12.11.2.1). */
    static final long MTRR_ENABLED_WRITE_BACK = (1L << 11) | 6;

    /** Local APIC register offsets (SDM vol. 3, Table 11-1) in the 1024-byte kvm_lapic_state. */
    static final int APIC_LVT_LINT0 = 0x350;
    static final int APIC_LVT_LINT1 = 0x360;
    static final int LAPIC_STATE_SIZE = 1024;
    /** LVT delivery mode field, bits 10:8 (SDM vol. 3, 11.5.1): 100 NMI, 111 ExtINT; bit 16 masks. */
    static final int LVT_DELIVERY_MASK = 0x700;
    static final int LVT_NMI = 0x400;
    static final int LVT_EXTINT = 0x700;
    static final int LVT_MASKED = 1 << 16;

    private FirmwareCpuState() {
    }

    /**
     * The MSRs to set before the first run, after KVM_SET_CPUID2 (KVM checks some MSRs against the CPUID). A
     * VMM sets each on its own and skips those KVM refuses: a host without MTRR emulation still boots.
     */
    public static List<Msr> bootMsrs() {
        return List.of(
                new Msr(MSR_IA32_MISC_ENABLE, MISC_ENABLE_FAST_STRING),
                new Msr(MSR_MTRR_DEF_TYPE, MTRR_ENABLED_WRITE_BACK));
    }

    /**
     * {@code lapicState} (KVM_GET_LAPIC's 1024 bytes, the APIC register page) with LINT0 delivering the PIC's
     * interrupts (ExtINT, unmasked: virtual wire mode, MP spec 3.6.2.2) and LINT1 delivering NMIs, as the MP
     * table and the MADT describe them. Trigger, polarity and vector bits are kept.
     */
    public static byte[] withLegacyLints(byte[] lapicState) {
        if (lapicState.length != LAPIC_STATE_SIZE) {
            throw new IllegalArgumentException("kvm_lapic_state is " + LAPIC_STATE_SIZE + " bytes, not "
                    + lapicState.length);
        }
        byte[] s = lapicState.clone();
        putLvt(s, APIC_LVT_LINT0, LVT_EXTINT);
        putLvt(s, APIC_LVT_LINT1, LVT_NMI);
        return s;
    }

    private static void putLvt(byte[] s, int offset, int deliveryMode) {
        int v = (s[offset] & 0xff) | (s[offset + 1] & 0xff) << 8 | (s[offset + 2] & 0xff) << 16
                | (s[offset + 3] & 0xff) << 24;
        v = (v & ~(LVT_DELIVERY_MASK | LVT_MASKED)) | deliveryMode;
        s[offset] = (byte) v;
        s[offset + 1] = (byte) (v >>> 8);
        s[offset + 2] = (byte) (v >>> 16);
        s[offset + 3] = (byte) (v >>> 24);
    }

    /** The delivery mode bits of an LVT entry in {@code lapicState}, for tests and diagnostics. */
    static int lvt(byte[] s, int offset) {
        return (s[offset] & 0xff) | (s[offset + 1] & 0xff) << 8 | (s[offset + 2] & 0xff) << 16
                | (s[offset + 3] & 0xff) << 24;
    }
}
