package javisor.vm.loader;

import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.util.ArrayList;
import java.util.List;

/**
 * Synthesizes small x86 ELF executables byte by byte: the ELF header, the program header table right
 * after it, then each segment's file bytes at a 16-byte-aligned offset.
 */
final class ElfBuilder {
    static final int PT_LOAD = 1;
    static final int PT_NOTE = 4;
    static final int PT_GNU_STACK = 0x6474e551;

    /** One program header; {@code data} is its file bytes. */
    record Segment(int type, long vaddr, long paddr, byte[] data, long memSize) {
    }

    private final boolean is64;
    private int type = 2;
    private int machine;
    private long entry;
    private final List<Segment> segments = new ArrayList<>();

    private ElfBuilder(boolean is64) {
        this.is64 = is64;
        this.machine = is64 ? 62 : 3;
    }

    static ElfBuilder elf32() {
        return new ElfBuilder(false);
    }

    static ElfBuilder elf64() {
        return new ElfBuilder(true);
    }

    ElfBuilder entry(long value) {
        entry = value;
        return this;
    }

    ElfBuilder type(int value) {
        type = value;
        return this;
    }

    ElfBuilder machine(int value) {
        machine = value;
        return this;
    }

    /** A PT_LOAD with vaddr = paddr. */
    ElfBuilder load(long paddr, byte[] data, long memSize) {
        return segment(new Segment(PT_LOAD, paddr, paddr, data, memSize));
    }

    ElfBuilder segment(Segment s) {
        segments.add(s);
        return this;
    }

    int headerSize() {
        return is64 ? 64 : 52;
    }

    int phentsize() {
        return is64 ? 56 : 32;
    }

    /** The file offset of segment {@code i}'s data in the built image. */
    int dataOffset(int i) {
        int off = align16(headerSize() + phentsize() * segments.size());
        for (int k = 0; k < i; k++) {
            off = align16(off + segments.get(k).data().length);
        }
        return off;
    }

    byte[] build() {
        int size = dataOffset(segments.size());
        ByteBuffer b = ByteBuffer.allocate(size).order(ByteOrder.LITTLE_ENDIAN);
        b.put(0, new byte[] {0x7f, 'E', 'L', 'F', (byte) (is64 ? 2 : 1), 1, 1});
        b.putShort(16, (short) type);
        b.putShort(18, (short) machine);
        b.putInt(20, 1);
        int phoff = headerSize();
        if (is64) {
            b.putLong(24, entry);
            b.putLong(32, phoff);
            b.putShort(52, (short) 64);
            b.putShort(54, (short) 56);
            b.putShort(56, (short) segments.size());
        } else {
            b.putInt(24, (int) entry);
            b.putInt(28, phoff);
            b.putShort(40, (short) 52);
            b.putShort(42, (short) 32);
            b.putShort(44, (short) segments.size());
        }
        for (int i = 0; i < segments.size(); i++) {
            Segment s = segments.get(i);
            int at = phoff + i * phentsize();
            int off = dataOffset(i);
            if (is64) {
                b.putInt(at, s.type());
                b.putInt(at + 4, 7);
                b.putLong(at + 8, off);
                b.putLong(at + 16, s.vaddr());
                b.putLong(at + 24, s.paddr());
                b.putLong(at + 32, s.data().length);
                b.putLong(at + 40, s.memSize());
                b.putLong(at + 48, 16);
            } else {
                b.putInt(at, s.type());
                b.putInt(at + 4, off);
                b.putInt(at + 8, (int) s.vaddr());
                b.putInt(at + 12, (int) s.paddr());
                b.putInt(at + 16, s.data().length);
                b.putInt(at + 20, (int) s.memSize());
                b.putInt(at + 24, 7);
                b.putInt(at + 28, 16);
            }
            b.put(off, s.data());
        }
        return b.array();
    }

    /** Offset of field {@code fieldOffset} in program header {@code i}. */
    int phdrField(int i, int fieldOffset) {
        return headerSize() + i * phentsize() + fieldOffset;
    }

    private static int align16(int v) {
        return (v + 15) & ~15;
    }
}
