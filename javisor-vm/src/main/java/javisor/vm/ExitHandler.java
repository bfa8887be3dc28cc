package javisor.vm;

import java.util.Locale;
import java.util.function.IntConsumer;

import javisor.devices.IoPortBus;
import javisor.devices.MmioBus;
import javisor.vcpu.ExitCompletion;
import javisor.vcpu.VCpuExit;
import javisor.vm.hypercall.HypercallCaller;
import javisor.vm.hypercall.HypercallDispatcher;

/**
 * What a VM does with a vCPU's exit (AxVisor's vmexit dispatch): device accesses go to the buses, hypercalls to
 * the dispatcher, a platform event or a guest failure stops the VM. It takes only what that needs (the two buses,
 * the hypercall dispatcher and its caller, what to do on CpuDown) and answers through {@link ExitCompletion},
 * so a test drives it with no KVM and no threads.
 */
public final class ExitHandler {
    private final IoPortBus ioPorts;
    private final MmioBus mmio;
    private final HypercallDispatcher hypercalls;
    private final HypercallCaller caller;
    private final IntConsumer cpuDown;

    /** @param cpuDown marks a vCPU down after its CpuDown hypercall (its thread parks at its next turn) */
    public ExitHandler(IoPortBus ioPorts, MmioBus mmio, HypercallDispatcher hypercalls, HypercallCaller caller,
                       IntConsumer cpuDown) {
        this.ioPorts = ioPorts;
        this.mmio = mmio;
        this.hypercalls = hypercalls;
        this.caller = caller;
        this.cpuDown = cpuDown;
    }

    /**
     * Handles one exit of {@code vcpu}; the answer to a read or a hypercall is given before this returns. The
     * device and hypercall exits come first and the rest goes to {@link #platformOrFailure}: kept under C2's 325
     * bytecodes, this method can be inlined into the vCPU loop, where the exit record need not be allocated; as one
     * switch of 1113 bytecodes it never was ("hot method too big", docs/performance.md, "Seventh round").
     */
    public ExitAction handle(ExitCompletion vcpu, VCpuExit exit) {
        return switch (exit) {
            case VCpuExit.IoOut out -> {
                for (long v : out.values()) {
                    ioPorts.write(out.port(), out.size(), v);
                }
                yield ExitAction.CONTINUE;
            }
            case VCpuExit.IoIn in -> {
                long[] values = new long[in.count()];
                for (int i = 0; i < values.length; i++) {
                    values[i] = ioPorts.read(in.port(), in.size());
                }
                vcpu.completeIoIn(values);
                yield ExitAction.CONTINUE;
            }
            case VCpuExit.MmioWrite write -> {
                mmio.write(write.address(), write.size(), write.value());
                yield ExitAction.CONTINUE;
            }
            case VCpuExit.MmioRead read -> {
                vcpu.completeMmioRead(mmio.read(read.address(), read.size()));
                yield ExitAction.CONTINUE;
            }
            case VCpuExit.Hypercall call -> hypercall(vcpu, call);
            default -> platformOrFailure(vcpu, exit);
        };
    }

    private ExitAction hypercall(ExitCompletion vcpu, VCpuExit.Hypercall call) {
        return switch (hypercalls.dispatch(caller, vcpu.id(), call.nr(), call.args())) {
            case HypercallDispatcher.Outcome.Result(long value) -> {
                vcpu.completeHypercall(value);
                yield ExitAction.CONTINUE;
            }
            case HypercallDispatcher.Outcome.Stop(StopReason reason) -> new ExitAction.Stop(reason);
            case HypercallDispatcher.Outcome.CpuDown d -> {
                cpuDown.accept(vcpu.id());
                yield new ExitAction.ParkVcpu();
            }
        };
    }

    /** The exits that are neither a device access nor a hypercall: re-entry, a platform event, a guest failure. */
    private ExitAction platformOrFailure(ExitCompletion vcpu, VCpuExit exit) {
        return switch (exit) {
            // HLT is handled by the in-kernel LAPIC; an exit here only means "re-enter".
            case VCpuExit.Halt h -> ExitAction.CONTINUE;
            case VCpuExit.Interrupted i -> ExitAction.CONTINUE;
            case VCpuExit.SystemEvent(VCpuExit.SystemEvent.Kind kind, int type) -> new ExitAction.Stop(switch (kind) {
                case SHUTDOWN -> new StopReason.PowerOff();
                case RESET -> new StopReason.Reset();
                case CRASH, OTHER -> new StopReason.GuestFailure("vCPU " + vcpu.id() + ": system event " + type
                        + " (" + kind.name().toLowerCase(Locale.ROOT) + ")", "KVM system event " + type);
            });
            case VCpuExit.Unknown(int reason) -> new ExitAction.Stop(new StopReason.GuestFailure(
                    "vCPU " + vcpu.id() + ": unhandled KVM exit reason " + reason, "exit reason " + reason));
            case VCpuExit.Shutdown s -> new ExitAction.Stop(GuestFailureReport.of(vcpu.id(), exit));
            case VCpuExit.EmulationFailure f -> new ExitAction.Stop(GuestFailureReport.of(vcpu.id(), exit));
            case VCpuExit.InternalError f -> new ExitAction.Stop(GuestFailureReport.of(vcpu.id(), exit));
            case VCpuExit.FailEntry f -> new ExitAction.Stop(GuestFailureReport.of(vcpu.id(), exit));
            // Kept exhaustive, so that a new kind of exit cannot fall through unhandled unnoticed.
            case VCpuExit.IoOut _, VCpuExit.IoIn _, VCpuExit.MmioWrite _, VCpuExit.MmioRead _,
                 VCpuExit.Hypercall _ -> handle(vcpu, exit);
        };
    }
}
