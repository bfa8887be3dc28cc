package javisor.vcpu;

import javisor.memory.GuestAddress;
import javisor.memory.GuestMemory;
import javisor.sys.kvm.DescriptorTable;
import javisor.sys.kvm.Segment;
import javisor.sys.kvm.SpecialRegs;

/**
 * The system-register state a vCPU starts in for each {@link EntryMode}, and the boot structures that state
 * points at in guest memory: a flat GDT and, for long mode, identity page tables, wherever {@link BootTables}
 * says (x86 SDM vol. 3, 9.8 "Initializing protected-mode operation" and 9.8.5 "Initializing IA-32e mode").
 */
public final class BootCpuState {
    /** The GDT's usual place, just past the BIOS data area; the image loader may choose another. */
    public static final long GDT_ADDRESS = 0x500;
    /** The page tables' usual place, [0x9000, 0xf000); the image loader may choose another. */
    public static final long PAGE_TABLES_ADDRESS = 0x9000;
    /** PML4, one PDPT and four page directories of 2 MiB pages. */
    public static final long PAGE_TABLES_SIZE = 0x6000;
    public static final long PAGE_SIZE = 0x1000;

    static final int CODE64_SELECTOR = 0x08;
    static final int CODE32_SELECTOR = 0x10;
    static final int DATA_SELECTOR = 0x18;
    static final int TSS_SELECTOR = 0x20;

    // Descriptors: base 0, limit 4 GiB with 4 KiB granularity; access byte and flags as the SDM encodes them.
    private static final long[] GDT = {
            0L,
            0x00af9b000000ffffL, // 0x08: 64-bit code, present, DPL 0, execute/read, L=1
            0x00cf9b000000ffffL, // 0x10: 32-bit code, D=1
            0x00cf93000000ffffL, // 0x18: data, read/write, B=1
            0x00008b0000000067L, // 0x20: 32-bit busy TSS at 0 (KVM wants a usable TR)
    };
    /** The GDT's size in bytes: five 8-byte descriptors. */
    public static final long GDT_SIZE = GDT.length * 8L;

    private static final long CR0_PE = 1L;
    private static final long CR0_ET = 1L << 4;
    private static final long CR0_NE = 1L << 5;
    private static final long CR0_PG = 1L << 31;
    private static final long CR4_PAE = 1L << 5;
    private static final long EFER_LME = 1L << 8;
    private static final long EFER_LMA = 1L << 10;

    private static final long PTE_PRESENT_WRITABLE = 0x3;
    private static final long PDE_LARGE_PAGE = 0x80;

    private BootCpuState() {
    }

    /**
     * The highest address real-mode code can reach: segment 0xffff plus offset 0xffff, the 64 KiB above 1 MiB
     * that a PC reaches with A20 on (KVM never masks A20), less the 16 bytes below 1 MiB the segment starts at.
     */
    public static final long REAL_MODE_REACH = 0x10_ffef;
    /** The segment whose base, 0xffff0, is the only one that reaches above 1 MiB. */
    private static final int HIGH_SEGMENT = 0xffff;

    /**
     * Real mode: CS selects a 64 KiB segment holding the entry (0 below 64 KiB, a 64 KiB-aligned one below 1 MiB,
     * segment 0xffff above it); every other segment base is 0. A real segment in each case, so a far jump or a
     * reload of CS by the guest keeps working.
     */
    public static SpecialRegs realMode(SpecialRegs reset, long entry) {
        if (entry < 0 || entry > REAL_MODE_REACH) {
            throw new IllegalArgumentException("real-mode entry 0x" + Long.toHexString(entry)
                    + " is beyond what real mode reaches (0x" + Long.toHexString(REAL_MODE_REACH) + ")");
        }
        int codeSelector = codeSegment(entry);
        Segment code = new Segment((long) codeSelector << 4, 0xffff, codeSelector, 0xb, true, 0, false, true,
                false, false, false, false);
        Segment data = new Segment(0, 0xffff, 0, 0x3, true, 0, false, true, false, false, false, false);
        return reset.withSegments(code, data).withControl(reset.cr0() & ~(CR0_PE | CR0_PG), 0, 0, 0);
    }

    private static int codeSegment(long entry) {
        if (entry < 0x10000) {
            return 0;
        }
        return entry < 0x10_0000 ? (int) ((entry >> 4) & 0xf000) : HIGH_SEGMENT;
    }

    /** The instruction pointer within the real-mode code segment {@link #realMode} chose. */
    public static long realModeIp(long entry) {
        return entry - ((long) codeSegment(entry) << 4);
    }

    /**
     * 32-bit protected mode with flat segments and paging off (what Multiboot v1 promises), the GDT written at
     * {@code tables.gdt()}.
     */
    public static SpecialRegs protectedMode(SpecialRegs reset, GuestMemory memory, BootTables tables) {
        tables.checkFor(EntryMode.PROTECTED_32);
        GuestAddress gdt = tables.gdt().orElseThrow();
        writeGdt(memory, gdt);
        Segment code = flat(CODE32_SELECTOR, 0xb, true, false);
        Segment data = flat(DATA_SELECTOR, 0x3, true, false);
        return reset.withSegments(code, data).withTables(gdtRegister(gdt), new DescriptorTable(0, 0), tss())
                .withControl(CR0_PE | CR0_ET | CR0_NE, 0, 0, 0);
    }

    /**
     * 64-bit long mode with the low 4 GiB identity-mapped by 2 MiB pages, the GDT and page tables written where
     * {@code tables} says.
     */
    public static SpecialRegs longMode(SpecialRegs reset, GuestMemory memory, BootTables tables) {
        tables.checkFor(EntryMode.LONG_64);
        GuestAddress gdt = tables.gdt().orElseThrow();
        GuestAddress pageTables = tables.pageTables().orElseThrow();
        if (!memory.contains(pageTables, PAGE_TABLES_SIZE)) {
            throw new IllegalArgumentException("a 64-bit entry needs guest RAM at [" + pageTables + ", "
                    + pageTables.plus(PAGE_TABLES_SIZE) + ") for its identity page tables");
        }
        writeGdt(memory, gdt);
        writeIdentityPageTables(memory, pageTables.value());
        Segment code = flat(CODE64_SELECTOR, 0xb, false, true);
        Segment data = flat(DATA_SELECTOR, 0x3, true, false);
        return reset.withSegments(code, data).withTables(gdtRegister(gdt), new DescriptorTable(0, 0), tss())
                .withControl(CR0_PE | CR0_ET | CR0_NE | CR0_PG, pageTables.value(), CR4_PAE,
                        EFER_LME | EFER_LMA);
    }

    private static Segment flat(int selector, int type, boolean db, boolean longMode) {
        return new Segment(0, 0xffffffff, selector, type, true, 0, db, true, longMode, true, false, false);
    }

    private static Segment tss() {
        return new Segment(0, 0x67, TSS_SELECTOR, 0xb, true, 0, false, false, false, false, false, false);
    }

    private static DescriptorTable gdtRegister(GuestAddress gdt) {
        return new DescriptorTable(gdt.value(), (int) GDT_SIZE - 1);
    }

    /** The GDT is written when RAM backs it; KVM itself needs only the hidden segment state set above. */
    private static void writeGdt(GuestMemory memory, GuestAddress base) {
        if (memory.contains(base, GDT_SIZE)) {
            for (int i = 0; i < GDT.length; i++) {
                memory.writeU64(base.plus(8L * i), GDT[i]);
            }
        }
    }

    private static void writeIdentityPageTables(GuestMemory memory, long pml4) {
        long pdpt = pml4 + 0x1000;
        long firstPd = pdpt + 0x1000;
        memory.zero(GuestAddress.of(pml4), PAGE_TABLES_SIZE);
        memory.writeU64(GuestAddress.of(pml4), pdpt | PTE_PRESENT_WRITABLE);
        for (int gib = 0; gib < 4; gib++) {
            long pd = firstPd + 0x1000L * gib;
            memory.writeU64(GuestAddress.of(pdpt + 8L * gib), pd | PTE_PRESENT_WRITABLE);
            for (int i = 0; i < 512; i++) {
                long physical = ((long) gib << 30) | ((long) i << 21);
                memory.writeU64(GuestAddress.of(pd + 8L * i), physical | PTE_PRESENT_WRITABLE | PDE_LARGE_PAGE);
            }
        }
    }
}
