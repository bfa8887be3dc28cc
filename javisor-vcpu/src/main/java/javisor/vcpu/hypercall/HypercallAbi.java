package javisor.vcpu.hypercall;

import java.util.function.BooleanSupplier;

import javisor.sys.kvm.RegisterReader;
import javisor.sys.kvm.Regs.Reg;
import javisor.vcpu.VCpuExit;

/**
 * How a guest makes a hypercall (docs/hypercalls.md), in one place with the numbers ({@link Hypercall}) and the
 * error results ({@link HypercallError}): a 32-bit write to {@link #PORT}, the number in RAX, up to six arguments
 * in RDI, RSI, RDX, RCX, R8 and R9 (AxVisor's x86 convention), the result back in RAX. KVM keeps {@code vmcall}
 * to itself, so the trap is an I/O port. {@code guests/sdk/javisor_hypercall.h} is the guest's side, checked
 * against this by a test.
 */
public final class HypercallAbi {
    /** The I/O port whose 32-bit writes are hypercalls. */
    public static final int PORT = 0xe0;
    /** The width of the write that makes a hypercall; other widths are ordinary port writes. */
    public static final int ACCESS_SIZE = 4;
    /** The argument registers, in order. */
    public static final Reg[] ARGUMENTS = {Reg.RDI, Reg.RSI, Reg.RDX, Reg.RCX, Reg.R8, Reg.R9};
    /** The number on the way in, the result on the way out. */
    public static final Reg NUMBER_AND_RESULT = Reg.RAX;

    private HypercallAbi() {
    }

    /** True when a port write of {@code size} bytes to {@code port}, once, is a hypercall. */
    public static boolean isHypercall(int port, int size, int count) {
        return port == PORT && size == ACCESS_SIZE && count == 1;
    }

    /**
     * The number and arguments in {@code regs}. Outside 64-bit mode the upper register halves are undefined, so
     * they are cut to 32 bits, as KVM does for its own hypercalls. Whether the guest runs 64-bit code is asked of
     * {@code longMode} only when one of those registers has an upper half that is not zero: otherwise both
     * readings agree, and a hypercall costs no KVM_GET_SREGS.
     */
    public static VCpuExit.Hypercall decode(RegisterReader regs, BooleanSupplier longMode) {
        long nr = regs.get(NUMBER_AND_RESULT);
        long[] args = new long[ARGUMENTS.length];
        long combined = nr;
        for (int i = 0; i < args.length; i++) {
            args[i] = regs.get(ARGUMENTS[i]); // each register read once: in place, it is a read of kvm_run
            combined |= args[i];
        }
        if ((combined >>> 32) != 0 && !longMode.getAsBoolean()) {
            nr &= 0xffff_ffffL;
            for (int i = 0; i < args.length; i++) {
                args[i] &= 0xffff_ffffL;
            }
        }
        return new VCpuExit.Hypercall(nr, args);
    }
}
