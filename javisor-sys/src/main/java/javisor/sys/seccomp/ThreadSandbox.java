package javisor.sys.seccomp;

import java.lang.System.Logger.Level;
import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.util.List;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.FutureTask;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.Locale;
import java.util.stream.Collectors;

import javisor.sys.LibC;
import javisor.sys.Logs;

/**
 * Puts the calling thread in its sandbox: the seccomp filter of its {@link ThreadProfile}, as the switch
 * {@value #PROPERTY} says (docs/security.md):
 * <ul>
 * <li>{@code off} (the default): nothing is installed;</li>
 * <li>{@code on}: the profile's allowlist; any other call fails with EPERM and is reported;</li>
 * <li>{@code learn}: the profile's allowlist; any other call runs, and is reported once per profile;</li>
 * <li>{@code learn-all}: only the JVM's own calls ({@link ThreadProfile#JVM_RUNTIME}) are allowed, every other
 * call runs and is reported once per profile: how the lists are measured. At exit each profile's calls are printed
 * as one line.</li>
 * </ul>
 * The filter is installed once, when the thread starts its work, and then costs its allowed calls nothing (see
 * {@link SeccompFilter}).
 */
public final class ThreadSandbox {
    /** The switch: a system property ({@code JAVISOR_JAVA_OPTS=-Djavisor.seccomp=on}). */
    public static final String PROPERTY = "javisor.seccomp";
    private static final System.Logger LOG = Logs.get("javisor.sys.seccomp");

    /** What the switch can say. */
    public enum Mode {
        OFF, ON, LEARN, LEARN_ALL;

        /** The switch's value: off, on, learn or learn-all. */
        public static Mode parse(String value) {
            return switch (value.strip().toLowerCase(Locale.ROOT)) {
                case "", "off", "false" -> OFF;
                case "on", "true" -> ON;
                case "learn" -> LEARN;
                case "learn-all" -> LEARN_ALL;
                default -> throw new IllegalArgumentException(
                        "-D" + PROPERTY + "=" + value + ": expected off, on, learn or learn-all");
            };
        }
    }

    private static volatile Mode configured;
    private static boolean summaryHooked;
    /** Starts threads for filtered ones; made with the first filter, by a thread that has none. */
    private static volatile Starter starter;

    private ThreadSandbox() {
    }

    /** The mode {@value #PROPERTY} asks for, read once. */
    public static Mode mode() {
        Mode m = configured;
        if (m == null) {
            m = Mode.parse(System.getProperty(PROPERTY, "off"));
            configured = m;
        }
        return m;
    }

    /** Installs {@code profile}'s filter on the calling thread as {@link #mode()} says; nothing when off. */
    public static void enter(ThreadProfile profile) {
        enter(profile, mode());
    }

    /**
     * Installs {@code profile}'s filter on the calling thread in {@code mode}. The thread keeps it until it ends,
     * and threads it creates from now on inherit it (a ForkJoinPool worker or a virtual thread's carrier started
     * from here would run under it too): Javisor's threads are started with {@link #start} instead.
     */
    public static void enter(ThreadProfile profile, Mode mode) {
        if (mode != Mode.OFF) { // off: the profile's numbers are never made (javisor run's start-up)
            install(profile.label(), profile.allowed(), mode);
        }
    }

    /**
     * Installs on the calling thread a filter named {@code label} that allows {@code allowed} in {@code mode}, its
     * listener served by the {@link SeccompSupervisor}; nothing when {@code mode} is off.
     */
    public static void install(String label, List<Integer> allowed, Mode mode) {
        if (mode == Mode.OFF) {
            return;
        }
        SeccompSupervisor supervisor = SeccompSupervisor.get(); // before the filter: it must not inherit it
        startStarter();
        if (mode != Mode.ON) {
            printLearnedAtExit(supervisor);
        }
        // learn-all still lets the JVM's own calls through: HotSpot makes some of them in a state a safepoint
        // waits for, and a held one would wait on the supervisor, which waits on the safepoint (measured: a
        // javisor-virtio run with nothing allowed hung so within a minute).
        SeccompFilter filter = new SeccompFilter(label,
                mode == Mode.LEARN_ALL ? ThreadProfile.jvmRuntime() : allowed, SeccompAbi.SECCOMP_RET_USER_NOTIF);
        SeccompSupervisor.Registration registration = supervisor.expect(label, mode != Mode.ON);
        try (Arena arena = Arena.ofConfined()) {
            MemorySegment program = filter.encode(arena);
            // From here to installed() nothing may allocate, load a class or make a call the filter may hold.
            // With on, the kernel's audit log records each refusal too, should the process not live to report it;
            // not when learning, where every learned call would be logged each time it is made.
            registration.installed(Seccomp.installOnCurrentThread(program, true, mode == Mode.ON));
        }
        supervisor.wake();
    }

    /**
     * Starts {@code thread} so that it inherits no filter: from a thread without one. A thread inherits its
     * creator's filters and a second filter only narrows the first (a call must pass both), so a device's I/O
     * thread started by a vCPU thread (a guest's DRIVER_OK is a vCPU's MMIO write) would otherwise be held to the
     * vCPU's list as well as its own. Once a filter is installed, threads are started by a starter thread made
     * before it; before that, by the caller, as {@link Thread#start} would.
     */
    public static void start(Thread thread) {
        unfiltered(thread::start);
    }

    /**
     * Runs {@code action} on a thread without a filter and waits for it: for code that starts threads the JDK's
     * way (an executor's first worker, a virtual thread's carrier). Runs it on the caller when no filter was ever
     * installed.
     */
    public static void unfiltered(Runnable action) {
        Starter s = starter;
        if (s == null || Thread.currentThread() == s.thread) {
            action.run();
        } else {
            s.runAndWait(action);
        }
    }

    private static synchronized void startStarter() {
        if (starter == null) {
            if (Seccomp.currentThreadFiltered()) {
                throw new IllegalStateException("the seccomp starter must be made by a thread without a filter");
            }
            starter = new Starter();
        }
    }

    /** A daemon thread without a filter that runs what filtered threads hand it (thread starts), one at a time. */
    private static final class Starter {
        private final BlockingQueue<FutureTask<Void>> work =
                new LinkedBlockingQueue<>();
        private final Thread thread = Thread.ofPlatform().name("seccomp-starter").daemon().start(this::loop);

        private void loop() {
            while (true) {
                try {
                    work.take().run();
                } catch (InterruptedException e) {
                    return;
                }
            }
        }

        void runAndWait(Runnable action) {
            FutureTask<Void> task = new FutureTask<>(action, null);
            work.add(task);
            try {
                task.get();
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                throw new IllegalStateException("interrupted while a thread was being started", e);
            } catch (ExecutionException e) {
                if (e.getCause() instanceof RuntimeException r) {
                    throw r;
                }
                if (e.getCause() instanceof Error err) {
                    throw err;
                }
                throw new IllegalStateException(e.getCause());
            }
        }
    }

    private static synchronized void printLearnedAtExit(SeccompSupervisor supervisor) {
        if (summaryHooked) {
            return;
        }
        summaryHooked = true;
        Runtime.getRuntime().addShutdownHook(Thread.ofPlatform().name("seccomp-summary").unstarted(() ->
                supervisor.learned().forEach((filter, nrs) -> LOG.log(Level.WARNING, "seccomp learned " + filter
                        + ": " + nrs.stream().map(nr -> SyscallNames.name(nr).orElse(String.valueOf(nr))).collect(Collectors.joining(" "))))));
    }
}
