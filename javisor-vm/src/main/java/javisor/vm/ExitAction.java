package javisor.vm;

/** What the vCPU loop does after an exit has been handled. */
public sealed interface ExitAction {
    ExitAction CONTINUE = new Continue();

    /** Re-enter the guest. */
    record Continue() implements ExitAction {
    }

    /** The vCPU stops (CpuDown) until a CpuUp starts it again. */
    record ParkVcpu() implements ExitAction {
    }

    /** Stop the whole VM for {@code reason}. */
    record Stop(StopReason reason) implements ExitAction {
    }
}
