package javisor.vmm;

import java.io.PrintStream;
import java.text.MessageFormat;
import java.util.Locale;
import java.util.ResourceBundle;

/**
 * Javisor's logging backend for {@link System.Logger}: one line per message on standard error, filtered by one
 * global level. Small on purpose: java.util.logging would add start-up time to every run, and the guest's
 * console owns standard output.
 */
public final class ConsoleLoggerFinder extends System.LoggerFinder {
    private static volatile System.Logger.Level level = System.Logger.Level.WARNING;

    /** Called by the service loader. */
    public ConsoleLoggerFinder() {
    }

    /** Sets the level by name: error, warning, info, debug, trace (or off, all). */
    public static void setLevel(String name) {
        level = switch (name.toLowerCase(Locale.ROOT)) {
            case "off" -> System.Logger.Level.OFF;
            case "error" -> System.Logger.Level.ERROR;
            case "warning", "warn" -> System.Logger.Level.WARNING;
            case "info" -> System.Logger.Level.INFO;
            case "debug" -> System.Logger.Level.DEBUG;
            case "trace", "all" -> System.Logger.Level.TRACE;
            default -> throw new IllegalArgumentException("unknown log level '" + name
                    + "' (expected error, warning, info, debug or trace)");
        };
    }

    public static System.Logger.Level level() {
        return level;
    }

    @Override
    public System.Logger getLogger(String name, Module module) {
        return new ConsoleLogger(name);
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
                PrintStream err = System.err;
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
