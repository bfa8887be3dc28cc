package javisor.vmm;

import java.util.concurrent.locks.LockSupport;
import java.util.function.IntSupplier;

/**
 * What SIGTERM or SIGINT does to a command: a stop runs in a shutdown hook, and the process ends with the status the
 * command chose. The hook halts the JVM itself: a shutdown sequence left to complete ends the process with 128 + the
 * signal (143), and a main thread woken to halt with its own status races that sequence, so the status was either
 * (CI saw 0 from {@code javisor firecracker} where 143 was due; RunSignalTest saw 143 from {@code javisor run}
 * where 0 was).
 *
 * <p>A command whose main thread learns of the signal ({@link #remove} answers false) leaves the exit to the hook:
 * {@link #awaitExit} parks it for good.
 */
public final class SignalStop {
    private final Thread hook;

    private SignalStop(Thread hook) {
        this.hook = hook;
        Runtime.getRuntime().addShutdownHook(hook);
    }

    /**
     * From here on a signal runs {@code stop}, then halts with {@code status} (asked only after the stop; it may
     * wait for the command's main thread), or with {@link ExitStatus#HOST_ERROR}, the reason on standard error, when
     * the stop threw: not the JVM's own 143, which would read as a clean stop by the signal.
     */
    public static SignalStop halting(Runnable stop, IntSupplier status) {
        return new SignalStop(Thread.ofPlatform().name("signal-stop").unstarted(() -> {
            int ending;
            try {
                stop.run();
                ending = status.getAsInt();
            } catch (RuntimeException | Error e) {
                System.err.println("javisor: stopping failed: " + e);
                ending = ExitStatus.HOST_ERROR;
            }
            System.out.flush();
            System.err.flush();
            Runtime.getRuntime().halt(ending);
        }));
    }

    /**
     * From here on a signal runs {@code stop}, and the JVM's shutdown then ends the process with 128 + the signal
     * (Firecracker's 143 for SIGTERM), or, in a process that is not the command's own (a run handed to the resident
     * Javisor), whoever owns the process decides.
     */
    public static SignalStop stopping(Runnable stop) {
        return new SignalStop(Thread.ofPlatform().name("signal-stop").unstarted(stop));
    }

    /**
     * Unregisters the stop, as a command that ends by itself must (a hook left in a long-lived process holds what it
     * stops for good). Returns false when a signal has already started it: the hook is ending the process.
     */
    public boolean remove() {
        try {
            Runtime.getRuntime().removeShutdownHook(hook);
            return true;
        } catch (IllegalStateException shutdownInProgress) {
            return false;
        }
    }

    /** Parks the calling thread for good: the process ends in the shutdown hook. */
    public static int awaitExit() {
        for (;;) {
            LockSupport.park();
        }
    }
}
