package javisor.sys.kvm;

import java.lang.foreign.MemorySegment;

import static java.lang.foreign.ValueLayout.JAVA_BYTE;
import static java.lang.foreign.ValueLayout.JAVA_INT_UNALIGNED;
import static java.lang.foreign.ValueLayout.JAVA_LONG_UNALIGNED;
import static java.lang.foreign.ValueLayout.JAVA_SHORT_UNALIGNED;

/** A segment register as KVM describes it (struct kvm_segment): the hidden part included. */
public record Segment(long base, int limit, int selector, int type, boolean present, int dpl, boolean db,
                      boolean s, boolean l, boolean g, boolean avl, boolean unusable) {

    static Segment read(MemorySegment m) {
        return new Segment(m.get(JAVA_LONG_UNALIGNED, 0), m.get(JAVA_INT_UNALIGNED, 8),
                Short.toUnsignedInt(m.get(JAVA_SHORT_UNALIGNED, 12)), Byte.toUnsignedInt(m.get(JAVA_BYTE, 14)),
                m.get(JAVA_BYTE, 15) != 0, m.get(JAVA_BYTE, 16), m.get(JAVA_BYTE, 17) != 0,
                m.get(JAVA_BYTE, 18) != 0, m.get(JAVA_BYTE, 19) != 0, m.get(JAVA_BYTE, 20) != 0,
                m.get(JAVA_BYTE, 21) != 0, m.get(JAVA_BYTE, 22) != 0);
    }

    void write(MemorySegment m) {
        m.set(JAVA_LONG_UNALIGNED, 0, base);
        m.set(JAVA_INT_UNALIGNED, 8, limit);
        m.set(JAVA_SHORT_UNALIGNED, 12, (short) selector);
        m.set(JAVA_BYTE, 14, (byte) type);
        m.set(JAVA_BYTE, 15, flag(present));
        m.set(JAVA_BYTE, 16, (byte) dpl);
        m.set(JAVA_BYTE, 17, flag(db));
        m.set(JAVA_BYTE, 18, flag(s));
        m.set(JAVA_BYTE, 19, flag(l));
        m.set(JAVA_BYTE, 20, flag(g));
        m.set(JAVA_BYTE, 21, flag(avl));
        m.set(JAVA_BYTE, 22, flag(unusable));
        m.set(JAVA_BYTE, 23, (byte) 0);
    }

    private static byte flag(boolean b) {
        return (byte) (b ? 1 : 0);
    }
}
