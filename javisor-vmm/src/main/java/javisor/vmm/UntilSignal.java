package javisor.vmm;

import java.util.concurrent.locks.LockSupport;

/**
 * How a command that serves until SIGTERM or SIGINT ends (the resident Javisor, {@code javisor serve}): its stop
 * runs in a shutdown hook, which then halts the JVM with {@link ExitStatus#OK}, stopped as asked, or with
 * {@link ExitStatus#HOST_ERROR} when the stop threw. The hook halts itself: a JVM whose shutdown sequence completes
 * after a signal exits with 128 + the signal (143), and a main thread woken to halt with its own status raced that
 * sequence, so the status was either (CI saw 143).
 */
final class UntilSignal {
    private UntilSignal() {
    }

    /** Registers {@code stop} for SIGTERM and SIGINT; from here on a signal stops the command cleanly. */
    static UntilSignal stopping(Runnable stop) {
        Runtime.getRuntime().addShutdownHook(Thread.ofPlatform().unstarted(() -> {
            int status = ExitStatus.OK;
            try {
                stop.run();
            } catch (RuntimeException | Error e) {
                // what failed is said, and the status says it: not the JVM's own 143, which reads as "stopped"
                System.err.println("javisor: stopping failed: " + e);
                status = ExitStatus.HOST_ERROR;
            }
            System.out.flush();
            System.err.flush();
            Runtime.getRuntime().halt(status);
        }));
        return new UntilSignal();
    }

    /** Parks the calling thread for good: the process ends in the shutdown hook. */
    int await() {
        for (;;) {
            LockSupport.park();
        }
    }
}
