package javisor.vmm;

/**
 * A command that serves until a signal, for {@link UntilSignalTest}: prints "ready", and on SIGTERM runs a stop that
 * prints "stopping" and, with the argument "fail", then throws.
 */
public final class UntilSignalProbe {
    private UntilSignalProbe() {
    }

    public static void main(String[] args) {
        boolean fail = args.length > 0 && args[0].equals("fail");
        UntilSignal signal = UntilSignal.stopping(() -> {
            System.out.println("stopping");
            if (fail) {
                throw new IllegalStateException("the state file could not be removed");
            }
        });
        System.out.println("ready");
        System.out.flush();
        System.exit(signal.await());
    }
}
