package javisor.sys.kvm;

import java.lang.foreign.Arena;
import java.lang.foreign.MemoryLayout.PathElement;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.StructLayout;
import java.util.List;
import java.util.Locale;

import org.junit.jupiter.api.Test;

import static java.lang.foreign.ValueLayout.JAVA_BYTE;
import static java.lang.foreign.ValueLayout.JAVA_INT;
import static java.lang.foreign.ValueLayout.JAVA_LONG;
import static java.lang.foreign.ValueLayout.JAVA_SHORT;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/**
 * The Java records that read and write KVM structs (Regs, Segment, DescriptorTable, SpecialRegs, the
 * kvm_cpuid2 buffer, KvmRun) use hand-written offsets; these tests check each one against the
 * {@link KvmStructs} layouts, which {@code KvmStructsTest} checks against C. No /dev/kvm needed.
 */
class StructCodecTest {
    private final Arena arena = Arena.ofAuto();

    private static long offset(StructLayout layout, String... path) {
        PathElement[] elements = new PathElement[path.length];
        for (int i = 0; i < path.length; i++) {
            elements[i] = PathElement.groupElement(path[i]);
        }
        return layout.byteOffset(elements);
    }

    @Test
    void regsAreInKvmRegsOrder() {
        MemorySegment m = arena.allocate(KvmStructs.KVM_REGS);
        Regs regs = Regs.initial();
        for (Regs.Reg r : Regs.Reg.values()) {
            regs = regs.with(r, 0x100L + r.ordinal());
        }
        regs.write(m);
        for (Regs.Reg r : Regs.Reg.values()) {
            String field = r.name().toLowerCase(Locale.ROOT);
            assertThat(m.get(JAVA_LONG, offset(KvmStructs.KVM_REGS, field))).as("kvm_regs.%s", field)
                    .isEqualTo(0x100L + r.ordinal());
        }
        assertThat(Regs.read(m)).isEqualTo(regs);
        assertThat(Regs.initial().rflags()).as("RFLAGS bit 1 is always set").isEqualTo(2);
    }

    @Test
    void segmentFieldsAreAtTheirKvmSegmentOffsets() {
        StructLayout l = KvmStructs.KVM_SEGMENT;
        MemorySegment m = arena.allocate(l);
        m.fill((byte) 0xff); // write must clear the padding byte too
        Segment s = new Segment(0x1234_5678_9abcL, 0xfffff, 0x18, 0xb, true, 3, true, false, true, true, false, true);
        s.write(m);

        assertThat(m.get(JAVA_LONG, offset(l, "base"))).isEqualTo(0x1234_5678_9abcL);
        assertThat(m.get(JAVA_INT, offset(l, "limit"))).isEqualTo(0xfffff);
        assertThat(m.get(JAVA_SHORT, offset(l, "selector"))).isEqualTo((short) 0x18);
        assertThat(m.get(JAVA_BYTE, offset(l, "type"))).isEqualTo((byte) 0xb);
        assertThat(m.get(JAVA_BYTE, offset(l, "present"))).isEqualTo((byte) 1);
        assertThat(m.get(JAVA_BYTE, offset(l, "dpl"))).isEqualTo((byte) 3);
        assertThat(m.get(JAVA_BYTE, offset(l, "db"))).isEqualTo((byte) 1);
        assertThat(m.get(JAVA_BYTE, offset(l, "s"))).isEqualTo((byte) 0);
        assertThat(m.get(JAVA_BYTE, offset(l, "l"))).isEqualTo((byte) 1);
        assertThat(m.get(JAVA_BYTE, offset(l, "g"))).isEqualTo((byte) 1);
        assertThat(m.get(JAVA_BYTE, offset(l, "avl"))).isEqualTo((byte) 0);
        assertThat(m.get(JAVA_BYTE, offset(l, "unusable"))).isEqualTo((byte) 1);
        assertThat(m.get(JAVA_BYTE, offset(l, "padding"))).isEqualTo((byte) 0);
        assertThat(Segment.read(m)).isEqualTo(s);

        Segment highSelector = new Segment(0, 0, 0xf000, 0x93, true, 0, false, true, false, false, false, false);
        highSelector.write(m);
        assertThat(Segment.read(m)).as("selector and type read back unsigned").isEqualTo(highSelector);
    }

    @Test
    void descriptorTableFieldsAreAtTheirKvmDtableOffsets() {
        StructLayout l = KvmStructs.KVM_DTABLE;
        MemorySegment m = arena.allocate(l);
        m.fill((byte) 0xff);
        DescriptorTable t = new DescriptorTable(0xffff_8000_0000_1000L, 0xffff);
        t.write(m);
        assertThat(m.get(JAVA_LONG, offset(l, "base"))).isEqualTo(0xffff_8000_0000_1000L);
        assertThat(m.get(JAVA_SHORT, offset(l, "limit"))).isEqualTo((short) 0xffff);
        assertThat(m.asSlice(offset(l, "padding"), 6).toArray(JAVA_BYTE)).containsOnly(0);
        assertThat(DescriptorTable.read(m)).isEqualTo(t);
    }

    @Test
    void specialRegsRoundTripAndLandAtKvmSregsOffsets() {
        StructLayout l = KvmStructs.KVM_SREGS;
        MemorySegment m = arena.allocate(l);
        m.fill((byte) 0xff);
        SpecialRegs s = new SpecialRegs(seg(1), seg(2), seg(3), seg(4), seg(5), seg(6), seg(7), seg(8),
                new DescriptorTable(0x1000, 0x27), new DescriptorTable(0x2000, 0xfff),
                0x8000_0011L, 0x22, 0x3000, 0x20, 0x8, 0x500, 0xfee0_0900L);
        s.write(m);

        String[] segments = {"cs", "ds", "es", "fs", "gs", "ss", "tr", "ldt"};
        for (int i = 0; i < segments.length; i++) {
            assertThat(m.get(JAVA_SHORT, offset(l, segments[i], "selector"))).as(segments[i])
                    .isEqualTo((short) (8 * (i + 1)));
        }
        assertThat(m.get(JAVA_LONG, offset(l, "gdt", "base"))).isEqualTo(0x1000);
        assertThat(m.get(JAVA_SHORT, offset(l, "idt", "limit"))).isEqualTo((short) 0xfff);
        assertThat(m.get(JAVA_LONG, offset(l, "cr0"))).isEqualTo(0x8000_0011L);
        assertThat(m.get(JAVA_LONG, offset(l, "cr2"))).isEqualTo(0x22);
        assertThat(m.get(JAVA_LONG, offset(l, "cr3"))).isEqualTo(0x3000);
        assertThat(m.get(JAVA_LONG, offset(l, "cr4"))).isEqualTo(0x20);
        assertThat(m.get(JAVA_LONG, offset(l, "cr8"))).isEqualTo(0x8);
        assertThat(m.get(JAVA_LONG, offset(l, "efer"))).isEqualTo(0x500);
        assertThat(m.get(JAVA_LONG, offset(l, "apic_base"))).isEqualTo(0xfee0_0900L);
        assertThat(m.asSlice(offset(l, "interrupt_bitmap"), 32).toArray(JAVA_LONG)).containsOnly(0L);
        assertThat(SpecialRegs.read(m)).isEqualTo(s);
    }

    private static Segment seg(int n) {
        return new Segment(0x1000L * n, 0xffff, 8 * n, 3, true, 0, false, true, false, false, false, false);
    }

    @Test
    void cpuidBufferUsesTheKvmCpuid2Layout() {
        List<CpuidEntry> entries = List.of(new CpuidEntry(0, 0, 0, 0xd, 0x68747541, 0x444d4163, 0x69746e65),
                new CpuidEntry(7, 1, CpuidEntry.FLAG_SIGNIFICANT_INDEX, 1, 2, 3, 4));
        MemorySegment buf = Kvm.CpuidBuffer.write(arena, entries);

        StructLayout e = KvmStructs.KVM_CPUID_ENTRY2;
        long second = KvmStructs.KVM_CPUID2.byteSize() + e.byteSize();
        assertThat(buf.byteSize()).isEqualTo(KvmStructs.KVM_CPUID2.byteSize() + 2 * e.byteSize());
        assertThat(buf.get(JAVA_INT, offset(KvmStructs.KVM_CPUID2, "nent"))).isEqualTo(2);
        assertThat(buf.get(JAVA_INT, second + offset(e, "function"))).isEqualTo(7);
        assertThat(buf.get(JAVA_INT, second + offset(e, "index"))).isEqualTo(1);
        assertThat(buf.get(JAVA_INT, second + offset(e, "flags"))).isEqualTo(CpuidEntry.FLAG_SIGNIFICANT_INDEX);
        assertThat(buf.get(JAVA_INT, second + offset(e, "eax"))).isEqualTo(1);
        assertThat(buf.get(JAVA_INT, second + offset(e, "ebx"))).isEqualTo(2);
        assertThat(buf.get(JAVA_INT, second + offset(e, "ecx"))).isEqualTo(3);
        assertThat(buf.get(JAVA_INT, second + offset(e, "edx"))).isEqualTo(4);
        assertThat(Kvm.CpuidBuffer.read(buf)).isEqualTo(entries);
    }

    @Test
    void kvmRunAccessorsReadTheirKvmRunFields() {
        StructLayout l = KvmStructs.KVM_RUN;
        MemorySegment m = arena.allocate(4096, 8);
        KvmRun run = new KvmRun(m);

        m.set(JAVA_INT, offset(l, "exit_reason"), KvmConstants.EXIT_IO);
        m.set(JAVA_BYTE, offset(l, "exit", "io", "direction"), (byte) KvmConstants.EXIT_IO_OUT);
        m.set(JAVA_BYTE, offset(l, "exit", "io", "size"), (byte) 4);
        m.set(JAVA_SHORT, offset(l, "exit", "io", "port"), (short) 0xfff0);
        m.set(JAVA_INT, offset(l, "exit", "io", "count"), 3);
        m.set(JAVA_LONG, offset(l, "exit", "io", "data_offset"), 0x800);
        assertThat(run.exitReason()).isEqualTo(KvmConstants.EXIT_IO);
        assertThat(run.ioDirection()).isEqualTo(KvmConstants.EXIT_IO_OUT);
        assertThat(run.ioSize()).isEqualTo(4);
        assertThat(run.ioPort()).as("ports above 0x7fff read unsigned").isEqualTo(0xfff0);
        assertThat(run.ioCount()).isEqualTo(3);
        assertThat(run.ioDataOffset()).isEqualTo(0x800);

        run.setImmediateExit(true);
        assertThat(m.get(JAVA_BYTE, offset(l, "immediate_exit"))).isEqualTo((byte) 1);
        run.setImmediateExit(false);
        assertThat(m.get(JAVA_BYTE, offset(l, "immediate_exit"))).isEqualTo((byte) 0);

        m.set(JAVA_LONG, offset(l, "exit", "mmio", "phys_addr"), 0xfeb0_0010L);
        m.set(JAVA_INT, offset(l, "exit", "mmio", "len"), 4);
        m.set(JAVA_BYTE, offset(l, "exit", "mmio", "is_write"), (byte) 1);
        assertThat(run.mmioPhysAddr()).isEqualTo(0xfeb0_0010L);
        assertThat(run.mmioLen()).isEqualTo(4);
        assertThat(run.mmioIsWrite()).isTrue();
        assertThat(KvmRun.mmioDataOffset()).isEqualTo(offset(l, "exit", "mmio", "data"));

        m.set(JAVA_LONG, offset(l, "exit", "fail_entry", "hardware_entry_failure_reason"), 0x80000021L);
        assertThat(run.failEntryReason()).isEqualTo(0x80000021L);

        m.set(JAVA_INT, offset(l, "exit", "system_event", "type"), KvmConstants.SYSTEM_EVENT_RESET);
        assertThat(run.systemEventType()).isEqualTo(KvmConstants.SYSTEM_EVENT_RESET);
    }

    @Test
    void syncedRegistersReadInPlaceAgreeWithTheirCopy() {
        MemorySegment m = arena.allocate(4096, 8);
        KvmRun run = new KvmRun(m);
        for (Regs.Reg r : Regs.Reg.values()) {
            m.set(JAVA_LONG, offset(KvmStructs.KVM_RUN, "s", "regs", "regs") + 8L * r.ordinal(),
                    0x1111_0000_0000L * (r.ordinal() + 1) + r.ordinal());
        }
        Regs copy = run.syncedRegs();
        RegisterReader inPlace = run::syncedReg;
        for (Regs.Reg r : Regs.Reg.values()) {
            assertThat(inPlace.get(r)).as(r.name()).isEqualTo(copy.get(r));
        }
        assertThat(Regs.of(inPlace)).as("a reader copied").isEqualTo(copy);
        assertThat(Regs.of(copy)).as("a copy is its own").isSameAs(copy);
    }

    @Test
    void kvmRunDataIsLittleEndianAndBoundsChecked() {
        MemorySegment m = arena.allocate(4096, 8);
        KvmRun run = new KvmRun(m);
        run.writeData(0x800, 4, 0x1122_3344L);
        assertThat(m.asSlice(0x800, 4).toArray(JAVA_BYTE)).containsExactly(0x44, 0x33, 0x22, 0x11);
        assertThat(run.readData(0x800, 4)).isEqualTo(0x1122_3344L);
        assertThat(run.readData(0x800, 2)).isEqualTo(0x3344L);
        run.writeData(0x900, 8, 0xfedc_ba98_7654_3210L);
        assertThat(run.readData(0x900, 8)).isEqualTo(0xfedc_ba98_7654_3210L);
        assertThat(run.readData(0x900, 1)).as("bytes read unsigned").isEqualTo(0x10);
        assertThat(run.readData(0x907, 1)).isEqualTo(0xfe);
        run.writeData(0xa00, 2, 0xff80L);
        assertThat(run.readData(0xa00, 2)).as("two bytes, zero-extended").isEqualTo(0xff80L);
        run.writeData(0xa10, 4, 0xffff_ffffL);
        assertThat(run.readData(0xa10, 4)).as("four bytes, zero-extended").isEqualTo(0xffff_ffffL);
        run.writeData(0xa20, 8, -1L);
        run.writeData(0xa20, 3, 0xab_cdefL);
        assertThat(m.asSlice(0xa20, 4).toArray(JAVA_BYTE)).as("an odd size writes its bytes only")
                .containsExactly(0xef, 0xcd, 0xab, 0xff);
        assertThat(run.readData(0xa20, 3)).isEqualTo(0xab_cdefL);
        assertThat(run.readData(0xa21, 2)).as("at any alignment").isEqualTo(0xabcdL);

        assertThatThrownBy(() -> run.readData(4095, 2)).isInstanceOf(IndexOutOfBoundsException.class);
        assertThatThrownBy(() -> new KvmRun(arena.allocate(KvmStructs.KVM_RUN.byteSize() - 1)))
                .isInstanceOf(IllegalArgumentException.class);
    }

    @Test
    void kvmRunDecodesInternalErrorsAndEmulationFailures() {
        StructLayout l = KvmStructs.KVM_RUN;
        MemorySegment m = arena.allocate(4096, 8);
        KvmRun run = new KvmRun(m);

        m.set(JAVA_INT, offset(l, "exit", "internal", "suberror"), KvmConstants.INTERNAL_ERROR_EMULATION);
        m.set(JAVA_INT, offset(l, "exit", "internal", "ndata"), 3);
        long data = offset(l, "exit", "internal", "data");
        m.set(JAVA_LONG, data, KvmConstants.INTERNAL_ERROR_EMULATION_FLAG_INSTRUCTION_BYTES);
        m.set(JAVA_LONG, data + 8, 0x0102030405060708L);
        m.set(JAVA_LONG, data + 16, 0x1112131415161718L);
        assertThat(run.internalSuberror()).isEqualTo(KvmConstants.INTERNAL_ERROR_EMULATION);
        assertThat(run.internalData()).hasSize(3).startsWith(KvmConstants.INTERNAL_ERROR_EMULATION_FLAG_INSTRUCTION_BYTES);

        m.set(JAVA_BYTE, offset(l, "exit", "emulation_failure", "insn_size"), (byte) 3);
        long insn = offset(l, "exit", "emulation_failure", "insn_bytes");
        m.set(JAVA_BYTE, insn, (byte) 0x0f);
        m.set(JAVA_BYTE, insn + 1, (byte) 0xc7);
        m.set(JAVA_BYTE, insn + 2, (byte) 0x0e);
        assertThat(run.emulationFailureBytes()).containsExactly(0x0f, 0xc7, 0x0e);

        m.set(JAVA_LONG, offset(l, "exit", "emulation_failure", "flags"), 0);
        assertThat(run.emulationFailureBytes()).as("no bytes when the flag is clear").isEmpty();

        m.set(JAVA_INT, offset(l, "exit", "internal", "ndata"), 1000);
        assertThat(run.internalData()).as("ndata is clamped to the 16 words kvm_run has").hasSize(16);
    }
}
