package javisor.sys.seccomp;

import java.lang.System.Logger.Level;
import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.util.List;
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
 * <li>{@code learn-all}: an empty allowlist, every call runs and is reported once per profile: how the lists
 * are measured. At exit each profile's calls are printed as one line.</li>
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
     * from here would run under it too).
     */
    public static void enter(ThreadProfile profile, Mode mode) {
        install(profile.label(), profile.allowed(), mode);
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
        if (mode != Mode.ON) {
            printLearnedAtExit(supervisor);
        }
        SeccompFilter filter = new SeccompFilter(label, mode == Mode.LEARN_ALL ? List.of() : allowed,
                SeccompAbi.SECCOMP_RET_USER_NOTIF);
        SeccompSupervisor.Registration registration = supervisor.expect(label, mode != Mode.ON);
        try (Arena arena = Arena.ofConfined()) {
            MemorySegment program = filter.encode(arena);
            // From here to installed() nothing may allocate, load a class or make a call the filter may hold.
            registration.installed(Seccomp.installOnCurrentThread(program, true));
        }
        supervisor.wake();
    }

    private static synchronized void printLearnedAtExit(SeccompSupervisor supervisor) {
        if (summaryHooked) {
            return;
        }
        summaryHooked = true;
        Runtime.getRuntime().addShutdownHook(Thread.ofPlatform().name("seccomp-summary").unstarted(() ->
                supervisor.learned().forEach((filter, nrs) -> LOG.log(Level.WARNING, "seccomp learned " + filter
                        + ": " + nrs.stream().map(SyscallNames::describe).collect(Collectors.joining(" "))))));
    }
}
