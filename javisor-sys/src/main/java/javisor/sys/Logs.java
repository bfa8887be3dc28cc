package javisor.sys;

import java.io.PrintStream;
import java.text.MessageFormat;
import java.util.Locale;
import java.util.ResourceBundle;

/**
 * Javisor's loggers: one line per message on standard error, filtered by one global level (the guest's console
 * owns standard output). Javisor's classes take theirs from {@link #get} rather than {@link System#getLogger}:
 * the JDK's first System.getLogger call looks the LoggerFinder up with a ServiceLoader that opens every module
 * jar, 4-5 ms of every start. {@code javisor.vmm.ConsoleLoggerFinder} hands the same loggers to other users
 * of System.Logger.
 */
public final class Logs {
    private static volatile System.Logger.Level level = System.Logger.Level.WARNING;
    /** Where the lines go; null for standard error as it is at the time of each message. */
    private static volatile PrintStream output;

    private Logs() {
    }

    public static System.Logger get(String name) {
        return new ConsoleLogger(name);
    }

    public static System.Logger.Level level() {
        return level;
    }

    public static void setLevel(System.Logger.Level newLevel) {
        level = newLevel;
    }

    /**
     * Sends every logger's lines to {@code out} from now on (Firecracker's {@code --log-path}); null for standard
     * error again. The caller owns {@code out}.
     */
    public static void setOutput(PrintStream out) {
        output = out;
    }

    private record ConsoleLogger(String name) implements System.Logger {
        @Override
        public String getName() {
            return name;
        }

        /** The chosen level applies to Javisor's loggers; the JDK's own stay at WARNING (their debug is noise). */
        @Override
        public boolean isLoggable(Level l) {
            Level threshold = name.startsWith("javisor") ? level : Level.WARNING;
            return l != Level.OFF && threshold != Level.OFF && l.getSeverity() >= threshold.getSeverity();
        }

        @Override
        public void log(Level l, ResourceBundle bundle, String msg, Throwable thrown) {
            if (isLoggable(l)) {
                PrintStream chosen = output;
                PrintStream err = chosen != null ? chosen : System.err;
                err.println("[" + l.name().toLowerCase(Locale.ROOT) + "] " + name + ": " + msg);
                if (thrown != null && level.getSeverity() <= Level.DEBUG.getSeverity()) {
                    thrown.printStackTrace(err);
                } else if (thrown != null) {
                    err.println("  " + thrown);
                }
            }
        }

        @Override
        public void log(Level l, ResourceBundle bundle, String format, Object... params) {
            if (isLoggable(l)) {
                log(l, bundle, params == null || params.length == 0 ? format
                        : MessageFormat.format(format, params), (Throwable) null);
            }
        }
    }
}
