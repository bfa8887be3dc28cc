package javisor.vcpu;

import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Objects;
import java.util.Optional;

import javisor.sys.kvm.CpuidEntry;

/**
 * A named CPU model: CPUID feature bits a VM may see, applied after {@link CpuidNormalizer} as masks that keep
 * the listed bits and clear the rest (the idea of Firecracker's CPU templates). A template can only hide
 * what the host offers, never add to it, so a guest never sees a feature KVM cannot give it; what it buys is
 * a CPU model that does not change with the host, for guests that must run alike on several machines.
 *
 * <p>Bit positions are those of the Intel SDM vol. 2A, CPUID, Tables 3-8 to 3-11, and AMD's APM vol. 3,
 * appendix E for leaf 0x80000001.
 *
 * @param name        the name a config uses ({@code [base] cpu_template})
 * @param description what the guest sees
 * @param masks       the masks, each applied to every entry it matches
 */
public record CpuTemplate(String name, String description, List<Mask> masks) {
    /** A CPUID output register. */
    public enum Register { EAX, EBX, ECX, EDX }

    /**
     * Keeps only the bits of {@code keep} in {@code register} of leaf {@code function}, sub-leaf {@code index}
     * ({@link #ANY_INDEX} for every sub-leaf).
     */
    public record Mask(int function, int index, Register register, int keep) {
    }

    public static final int ANY_INDEX = -1;

    // Leaf 1 EDX.
    private static final int FPU = 1, VME = 1 << 1, DE = 1 << 2, PSE = 1 << 3, TSC = 1 << 4, MSR = 1 << 5,
            PAE = 1 << 6, MCE = 1 << 7, CX8 = 1 << 8, APIC = 1 << 9, SEP = 1 << 11, MTRR = 1 << 12, PGE = 1 << 13,
            MCA = 1 << 14, CMOV = 1 << 15, PAT = 1 << 16, PSE36 = 1 << 17, CLFSH = 1 << 19, MMX = 1 << 23,
            FXSR = 1 << 24, SSE = 1 << 25, SSE2 = 1 << 26, HTT = 1 << 28;
    /** What every x86-64 CPU has (the psABI's x86-64 baseline) plus what a kernel needs to run on it. */
    private static final int LEAF1_EDX_BASE = FPU | VME | DE | PSE | TSC | MSR | PAE | MCE | CX8 | APIC | SEP | MTRR
            | PGE | MCA | CMOV | PAT | PSE36 | CLFSH | MMX | FXSR | SSE | SSE2 | HTT;
    // Leaf 1 ECX.
    private static final int SSE3 = 1, SSSE3 = 1 << 9, CX16 = 1 << 13, SSE41 = 1 << 19, SSE42 = 1 << 20,
            X2APIC = 1 << 21, POPCNT = 1 << 23, TSC_DEADLINE = 1 << 24, HYPERVISOR = 1 << 31;
    /** Virtualisation facilities rather than ISA: KVM provides them whatever the host CPU is. */
    private static final int LEAF1_ECX_PLATFORM = X2APIC | TSC_DEADLINE | HYPERVISOR;
    // Leaf 0x80000001.
    private static final int EXT_EDX_MIRRORED = 0x0183_f3ff; // AMD mirrors leaf 1 EDX bits 0-9, 12-17, 23, 24
    private static final int SYSCALL = 1 << 11, NX = 1 << 20, LM = 1 << 29;
    private static final int LAHF_LM = 1;
    /** Leaf 6 EAX bit 2, ARAT: the APIC timer keeps running in deep C-states, which a VM's always does. */
    private static final int ARAT = 1 << 2;
    /** Leaf 0x80000007 EDX bit 8: invariant TSC. */
    private static final int INVARIANT_TSC = 1 << 8;

    /** The host's features as KVM supports them (after the normalizer): the default. */
    public static final CpuTemplate HOST = new CpuTemplate("host",
            "every feature KVM supports on this host", List.of());

    /** The x86-64 baseline: SSE2 and no later ISA extension, no XSAVE, no PMU, no leaf-7 features. */
    public static final CpuTemplate MINIMAL = new CpuTemplate("minimal",
            "the x86-64 baseline (x86-64-v1): SSE2, no later extensions, no XSAVE, no PMU",
            baseline(LEAF1_ECX_PLATFORM, 0));

    /** The x86-64-v2 level: v1 plus SSE3, SSSE3, SSE4.1, SSE4.2, POPCNT, CMPXCHG16B and LAHF/SAHF. */
    public static final CpuTemplate X86_64_V2 = new CpuTemplate("x86-64-v2",
            "x86-64-v2: SSE4.2 and POPCNT, no AVX, no XSAVE, no PMU (CMPXCHG16B only where the host allows it)",
            baseline(LEAF1_ECX_PLATFORM | SSE3 | SSSE3 | CX16 | SSE41 | SSE42 | POPCNT, LAHF_LM));

    public static final List<CpuTemplate> ALL = List.of(HOST, X86_64_V2, MINIMAL);

    public CpuTemplate {
        Objects.requireNonNull(name, "name");
        Objects.requireNonNull(description, "description");
        masks = List.copyOf(masks);
    }

    /** The template called {@code name} (case-insensitive). */
    public static Optional<CpuTemplate> named(String name) {
        String n = name.toLowerCase(Locale.ROOT);
        return ALL.stream().filter(t -> t.name.equals(n)).findFirst();
    }

    /** The known names, for messages. */
    public static List<String> names() {
        return ALL.stream().map(CpuTemplate::name).toList();
    }

    private static List<Mask> baseline(int leaf1Ecx, int extEcx) {
        List<Mask> m = new ArrayList<>();
        m.add(new Mask(0x1, ANY_INDEX, Register.EDX, LEAF1_EDX_BASE));
        m.add(new Mask(0x1, ANY_INDEX, Register.ECX, leaf1Ecx));
        m.add(new Mask(0x6, ANY_INDEX, Register.EAX, ARAT));
        for (Register r : List.of(Register.EBX, Register.ECX, Register.EDX)) {
            m.add(new Mask(0x6, ANY_INDEX, r, 0));
            m.add(new Mask(0x7, ANY_INDEX, r, 0)); // structured extended features: AVX2, AVX-512, SHA, ...
        }
        for (int leaf : new int[] {0xa, 0xd, 0x12, 0x14}) { // PMU, XSAVE state, SGX, processor trace
            for (Register r : Register.values()) {
                m.add(new Mask(leaf, ANY_INDEX, r, 0));
            }
        }
        m.add(new Mask(0x7, 1, Register.EAX, 0));
        m.add(new Mask(0x8000_0001, ANY_INDEX, Register.EDX, EXT_EDX_MIRRORED & LEAF1_EDX_BASE | SYSCALL | NX | LM));
        m.add(new Mask(0x8000_0001, ANY_INDEX, Register.ECX, extEcx));
        m.add(new Mask(0x8000_0007, ANY_INDEX, Register.EDX, INVARIANT_TSC));
        return List.copyOf(m);
    }

    /** {@code entries} with every mask applied; leaves no mask names pass through unchanged. */
    public List<CpuidEntry> apply(List<CpuidEntry> entries) {
        if (masks.isEmpty()) {
            return List.copyOf(entries);
        }
        List<CpuidEntry> out = new ArrayList<>(entries.size());
        for (CpuidEntry e : entries) {
            int eax = e.eax();
            int ebx = e.ebx();
            int ecx = e.ecx();
            int edx = e.edx();
            for (Mask m : masks) {
                if (m.function() != e.function() || m.index() != ANY_INDEX && m.index() != e.index()) {
                    continue;
                }
                switch (m.register()) {
                    case EAX -> eax &= m.keep();
                    case EBX -> ebx &= m.keep();
                    case ECX -> ecx &= m.keep();
                    case EDX -> edx &= m.keep();
                }
            }
            out.add(e.withRegisters(eax, ebx, ecx, edx));
        }
        return out;
    }
}
