package javisor.sys.kvm;

import java.lang.foreign.MemorySegment;
import java.util.Arrays;
import java.util.Locale;

import static java.lang.foreign.ValueLayout.JAVA_LONG;

/** The general registers of a vCPU (struct kvm_regs), immutable: {@link #with} returns a changed copy. */
public final class Regs implements RegisterReader {
    /** The registers in kvm_regs order; each one's ordinal is its index in the struct. */
    public enum Reg { RAX, RBX, RCX, RDX, RSI, RDI, RSP, RBP, R8, R9, R10, R11, R12, R13, R14, R15, RIP, RFLAGS }

    private static final int COUNT = Reg.values().length;
    private final long[] values;

    private Regs(long[] values) {
        this.values = values;
    }

    /** All zero but RFLAGS bit 1, which x86 defines as always set. */
    public static Regs initial() {
        long[] v = new long[COUNT];
        v[Reg.RFLAGS.ordinal()] = 0x2;
        return new Regs(v);
    }

    static Regs read(MemorySegment kvmRegs) {
        return new Regs(kvmRegs.toArray(JAVA_LONG));
    }

    void write(MemorySegment kvmRegs) {
        MemorySegment.copy(values, 0, kvmRegs, JAVA_LONG, 0, COUNT);
    }

    @Override
    public long get(Reg reg) {
        return values[reg.ordinal()];
    }

    /** {@code registers} as a copy of their own, or themselves when they are one. */
    public static Regs of(RegisterReader registers) {
        if (registers instanceof Regs regs) {
            return regs;
        }
        long[] v = new long[COUNT];
        for (Reg r : Reg.values()) {
            v[r.ordinal()] = registers.get(r);
        }
        return new Regs(v);
    }

    public Regs with(Reg reg, long value) {
        long[] copy = values.clone();
        copy[reg.ordinal()] = value;
        return new Regs(copy);
    }

    public long rip() {
        return get(Reg.RIP);
    }

    public long rsp() {
        return get(Reg.RSP);
    }

    public long rax() {
        return get(Reg.RAX);
    }

    public long rflags() {
        return get(Reg.RFLAGS);
    }

    @Override
    public boolean equals(Object o) {
        return o instanceof Regs r && Arrays.equals(values, r.values);
    }

    @Override
    public int hashCode() {
        return Arrays.hashCode(values);
    }

    @Override
    public String toString() {
        StringBuilder sb = new StringBuilder();
        for (Reg r : Reg.values()) {
            if (!sb.isEmpty()) {
                sb.append(r.ordinal() % 4 == 0 ? "\n" : " ");
            }
            sb.append(String.format("%-6s=%016x", r.name().toLowerCase(Locale.ROOT), values[r.ordinal()]));
        }
        return sb.toString();
    }
}
