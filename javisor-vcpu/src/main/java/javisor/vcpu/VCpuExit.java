package javisor.vcpu;

import javisor.sys.kvm.KvmConstants;
import javisor.sys.kvm.Regs;
import javisor.sys.kvm.SpecialRegs;

/**
 * Why a vCPU stopped running guest code. The run loop switches over these; decoding kvm_run happens once, in
 * {@link VCpu#run()}, so nothing above sees KVM's encoding. Exits that wait for an answer (a read, a hypercall)
 * get it through {@link ExitCompletion}.
 */
public sealed interface VCpuExit {
    /** The guest read {@code count} x {@code size} bytes from an I/O port; answer with {@link ExitCompletion#completeIoIn}. */
    record IoIn(int port, int size, int count) implements VCpuExit {
    }

    /** The guest wrote to an I/O port; {@code values} has one element per repetition (string I/O repeats). */
    record IoOut(int port, int size, long[] values) implements VCpuExit {
    }

    /** The guest read {@code size} bytes of MMIO space; answer with {@link ExitCompletion#completeMmioRead}. */
    record MmioRead(long address, int size) implements VCpuExit {
    }

    /** The guest wrote MMIO space (or a read-only memory region). */
    record MmioWrite(long address, int size, long value) implements VCpuExit {
    }

    /**
     * A paravirtual hypercall: a 32-bit write to the hypercall port. {@code nr} from RAX, the arguments from
     * RDI, RSI, RDX, RCX, R8, R9; answer with {@link ExitCompletion#completeHypercall}.
     */
    record Hypercall(long nr, long[] args) implements VCpuExit {
    }

    /** The guest executed HLT and user space handles it (without an in-kernel LAPIC). */
    record Halt() implements VCpuExit {
    }

    /** Triple fault: the CPU reset itself. */
    record Shutdown() implements VCpuExit {
    }

    /**
     * KVM_EXIT_SYSTEM_EVENT: the platform asked for a shutdown, a reset, or reported a crash; {@code type} is
     * KVM's code, kept for events of other kinds.
     */
    record SystemEvent(Kind kind, int type) implements VCpuExit {
        public enum Kind { SHUTDOWN, RESET, CRASH, OTHER }

        static SystemEvent of(int type) {
            return new SystemEvent(switch (type) {
                case KvmConstants.SYSTEM_EVENT_SHUTDOWN -> Kind.SHUTDOWN;
                case KvmConstants.SYSTEM_EVENT_RESET -> Kind.RESET;
                case KvmConstants.SYSTEM_EVENT_CRASH -> Kind.CRASH;
                default -> Kind.OTHER;
            }, type);
        }
    }

    /** KVM could not emulate an instruction. Registers are captured when the exit happens. */
    record EmulationFailure(byte[] instruction, long guestPhysicalRip, Regs regs, SpecialRegs sregs)
            implements VCpuExit {
    }

    /** Any other KVM internal error. */
    record InternalError(int suberror, long[] data, Regs regs, SpecialRegs sregs) implements VCpuExit {
    }

    /** The hardware refused to enter the guest. */
    record FailEntry(long hardwareReason, Regs regs, SpecialRegs sregs) implements VCpuExit {
    }

    /** KVM_RUN returned early because the vCPU was kicked (or a signal arrived): check for requests. */
    record Interrupted() implements VCpuExit {
    }

    /** An exit reason Javisor does not handle. */
    record Unknown(int reason) implements VCpuExit {
    }
}
