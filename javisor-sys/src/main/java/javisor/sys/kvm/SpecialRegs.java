package javisor.sys.kvm;

import java.lang.foreign.MemoryLayout.PathElement;
import java.lang.foreign.MemorySegment;

import static java.lang.foreign.ValueLayout.JAVA_LONG_UNALIGNED;
import static javisor.sys.kvm.KvmStructs.KVM_SREGS;

/**
 * The system registers of a vCPU (struct kvm_sregs). The pending-interrupt bitmap is left out: with the
 * in-kernel irqchip KVM keeps pending interrupts there, and Javisor always runs with it.
 */
public record SpecialRegs(Segment cs, Segment ds, Segment es, Segment fs, Segment gs, Segment ss,
                          Segment tr, Segment ldt, DescriptorTable gdt, DescriptorTable idt,
                          long cr0, long cr2, long cr3, long cr4, long cr8, long efer, long apicBase) {

    private static long off(String field) {
        return KVM_SREGS.byteOffset(PathElement.groupElement(field));
    }

    private static final long CS = off("cs"), DS = off("ds"), ES = off("es"), FS = off("fs"), GS = off("gs"),
            SS = off("ss"), TR = off("tr"), LDT = off("ldt"), GDT = off("gdt"), IDT = off("idt"),
            CR0 = off("cr0"), CR2 = off("cr2"), CR3 = off("cr3"), CR4 = off("cr4"), CR8 = off("cr8"),
            EFER = off("efer"), APIC_BASE = off("apic_base"), BITMAP = off("interrupt_bitmap");
    private static final long SEG = KvmStructs.KVM_SEGMENT.byteSize();
    private static final long DT = KvmStructs.KVM_DTABLE.byteSize();

    static SpecialRegs read(MemorySegment m) {
        return new SpecialRegs(seg(m, CS), seg(m, DS), seg(m, ES), seg(m, FS), seg(m, GS), seg(m, SS),
                seg(m, TR), seg(m, LDT),
                DescriptorTable.read(m.asSlice(GDT, DT)), DescriptorTable.read(m.asSlice(IDT, DT)),
                m.get(JAVA_LONG_UNALIGNED, CR0), m.get(JAVA_LONG_UNALIGNED, CR2), m.get(JAVA_LONG_UNALIGNED, CR3),
                m.get(JAVA_LONG_UNALIGNED, CR4), m.get(JAVA_LONG_UNALIGNED, CR8), m.get(JAVA_LONG_UNALIGNED, EFER),
                m.get(JAVA_LONG_UNALIGNED, APIC_BASE));
    }

    private static Segment seg(MemorySegment m, long offset) {
        return Segment.read(m.asSlice(offset, SEG));
    }

    void write(MemorySegment m) {
        cs.write(m.asSlice(CS, SEG));
        ds.write(m.asSlice(DS, SEG));
        es.write(m.asSlice(ES, SEG));
        fs.write(m.asSlice(FS, SEG));
        gs.write(m.asSlice(GS, SEG));
        ss.write(m.asSlice(SS, SEG));
        tr.write(m.asSlice(TR, SEG));
        ldt.write(m.asSlice(LDT, SEG));
        gdt.write(m.asSlice(GDT, DT));
        idt.write(m.asSlice(IDT, DT));
        m.set(JAVA_LONG_UNALIGNED, CR0, cr0);
        m.set(JAVA_LONG_UNALIGNED, CR2, cr2);
        m.set(JAVA_LONG_UNALIGNED, CR3, cr3);
        m.set(JAVA_LONG_UNALIGNED, CR4, cr4);
        m.set(JAVA_LONG_UNALIGNED, CR8, cr8);
        m.set(JAVA_LONG_UNALIGNED, EFER, efer);
        m.set(JAVA_LONG_UNALIGNED, APIC_BASE, apicBase);
        m.asSlice(BITMAP, 32).fill((byte) 0);
    }

    /** A copy with the code, data and stack segments replaced. */
    public SpecialRegs withSegments(Segment code, Segment data) {
        return new SpecialRegs(code, data, data, data, data, data, tr, ldt, gdt, idt, cr0, cr2, cr3, cr4, cr8,
                efer, apicBase);
    }

    public SpecialRegs withControl(long newCr0, long newCr3, long newCr4, long newEfer) {
        return new SpecialRegs(cs, ds, es, fs, gs, ss, tr, ldt, gdt, idt, newCr0, cr2, newCr3, newCr4, cr8,
                newEfer, apicBase);
    }

    public SpecialRegs withTables(DescriptorTable newGdt, DescriptorTable newIdt, Segment newTr) {
        return new SpecialRegs(cs, ds, es, fs, gs, ss, newTr, ldt, newGdt, newIdt, cr0, cr2, cr3, cr4, cr8,
                efer, apicBase);
    }
}
