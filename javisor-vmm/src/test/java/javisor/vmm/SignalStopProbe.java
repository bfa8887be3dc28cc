package javisor.vmm;

/**
 * A command that waits for a signal, for {@link SignalStopTest}: registers a {@link SignalStop} as its argument
 * says, prints "ready", and parks. The stop prints "stopping"; with "fail" it then throws.
 */
public final class SignalStopProbe {
    private SignalStopProbe() {
    }

    public static void main(String[] args) {
        String mode = args.length > 0 ? args[0] : "ok";
        Runnable stop = () -> {
            System.out.println("stopping");
            if (mode.equals("fail")) {
                throw new IllegalStateException("the state file could not be removed");
            }
        };
        switch (mode) {
            case "stopping" -> SignalStop.stopping(stop);
            case "status" -> SignalStop.halting(stop, () -> 7);
            case "removed" -> System.out.println("removed " + SignalStop.halting(stop, () -> 7).remove());
            default -> SignalStop.halting(stop, () -> ExitStatus.OK);
        }
        System.out.println("ready");
        System.out.flush();
        SignalStop.awaitExit();
    }
}
