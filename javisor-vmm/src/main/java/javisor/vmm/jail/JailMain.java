package javisor.vmm.jail;

import java.io.PrintStream;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.TimeUnit;

import javisor.vmm.ExitStatus;
import javisor.vmm.SignalStop;

/**
 * {@code javisor jail}: makes a jail ({@link JailPlanner}, {@link JailBuilder}), starts the VMM in it
 * ({@link JailProcess}), waits for it and exits with its status, then removes the jail ({@link JailCleanup}).
 * The jailer cannot exec the VMM as Firecracker's does: a JVM cannot enter namespaces itself, and someone has to
 * remove the cgroup and the folder afterwards. It passes SIGTERM and SIGINT on to the VMM, which stops its VM.
 *
 * <p>The launcher tells it where Javisor is: {@code -Djavisor.home} (the tree), {@code -Djavisor.vmm.jvm-flags}
 * (the VMM's JVM flags, space-separated); the Java runtime is the one this jailer runs on.
 */
public final class JailMain {
    /** How long a VMM has to stop its VM after SIGTERM before it is killed. */
    private static final long STOP_SECONDS = 20;

    private JailMain() {
    }

    public static void main(String[] args) {
        int status = run(List.of(args), System.out, System.err);
        System.out.flush();
        System.err.flush();
        Runtime.getRuntime().halt(status);
    }

    static int run(List<String> args, PrintStream out, PrintStream err) {
        JailOptions options;
        try {
            options = JailArguments.parse(args);
        } catch (IllegalArgumentException e) {
            err.println("javisor jail: " + e.getMessage());
            err.println("Run 'javisor jail --help' for usage.");
            return ExitStatus.USAGE;
        }
        if (options == null) {
            out.print(JailArguments.USAGE);
            return ExitStatus.OK;
        }
        JailPlan plan;
        try {
            Path tree = Path.of(System.getProperty("javisor.home", ".")).toAbsolutePath().normalize();
            Path runtime = Path.of(System.getProperty("java.home"));
            String flags = System.getProperty("javisor.vmm.jvm-flags", "").strip();
            HostFacts host = HostProbe.probe(options, tree, runtime,
                    flags.isEmpty() ? List.of() : List.of(flags.split("\\s+")));
            plan = JailPlanner.plan(options, host);
            JailBuilder.build(plan);
        } catch (JailException e) {
            err.println("javisor jail: " + e.getMessage());
            return e.status();
        }
        return runJailed(plan, err);
    }

    private static int runJailed(JailPlan plan, PrintStream err) {
        Object cleaned = new Object();
        boolean[] done = {false};
        Runnable cleanup = () -> {
            synchronized (cleaned) {
                if (!done[0]) {
                    done[0] = true;
                    JailCleanup.clean(plan, err);
                }
            }
        };
        Process jail;
        try {
            jail = JailProcess.start(plan);
        } catch (JailException e) {
            err.println("javisor jail: " + e.getMessage());
            cleanup.run();
            return e.status();
        }
        // SIGTERM/SIGINT to the jailer: the VMM (the unshare process's descendants) gets SIGTERM and stops its VM;
        // unshare then ends with its status, the jail is removed, and the jailer exits with the VMM's status.
        SignalStop.halting(() -> {
            jail.descendants().forEach(ProcessHandle::destroy);
            try {
                if (!jail.waitFor(STOP_SECONDS, TimeUnit.SECONDS)) {
                    jail.destroyForcibly();
                    jail.waitFor(STOP_SECONDS, TimeUnit.SECONDS);
                }
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
            cleanup.run();
        }, () -> jail.isAlive() ? ExitStatus.HOST_ERROR : jail.exitValue());
        int status;
        try {
            status = jail.waitFor();
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            status = ExitStatus.HOST_ERROR;
        }
        cleanup.run();
        return status;
    }
}
