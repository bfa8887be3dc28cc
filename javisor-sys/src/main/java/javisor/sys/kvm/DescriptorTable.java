package javisor.sys.kvm;

import java.lang.foreign.MemorySegment;

import static java.lang.foreign.ValueLayout.JAVA_LONG_UNALIGNED;
import static java.lang.foreign.ValueLayout.JAVA_SHORT_UNALIGNED;

/** A GDT or IDT register (struct kvm_dtable). */
public record DescriptorTable(long base, int limit) {
    static DescriptorTable read(MemorySegment m) {
        return new DescriptorTable(m.get(JAVA_LONG_UNALIGNED, 0), Short.toUnsignedInt(m.get(JAVA_SHORT_UNALIGNED, 8)));
    }

    void write(MemorySegment m) {
        m.set(JAVA_LONG_UNALIGNED, 0, base);
        m.set(JAVA_SHORT_UNALIGNED, 8, (short) limit);
        m.asSlice(10, 6).fill((byte) 0);
    }
}
