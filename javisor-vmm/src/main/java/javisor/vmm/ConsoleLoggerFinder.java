package javisor.vmm;

import java.util.Locale;

import javisor.sys.Logs;

/**
 * Javisor's logging backend for {@link System.Logger}: the loggers of {@link Logs} (one line per message on
 * standard error, one global level), for code that asks {@link System#getLogger}. Small on purpose:
 * java.util.logging would add start-up time to every run, and the guest's console owns standard output.
 */
public final class ConsoleLoggerFinder extends System.LoggerFinder {
    /** Called by the service loader. */
    public ConsoleLoggerFinder() {
    }

    /** Sets the level by name: error, warning, info, debug, trace (or off, all). */
    public static void setLevel(String name) {
        Logs.setLevel(switch (name.toLowerCase(Locale.ROOT)) {
            case "off" -> System.Logger.Level.OFF;
            case "error" -> System.Logger.Level.ERROR;
            case "warning", "warn" -> System.Logger.Level.WARNING;
            case "info" -> System.Logger.Level.INFO;
            case "debug" -> System.Logger.Level.DEBUG;
            case "trace", "all" -> System.Logger.Level.TRACE;
            default -> throw new IllegalArgumentException("unknown log level '" + name
                    + "' (expected error, warning, info, debug or trace)");
        });
    }

    public static System.Logger.Level level() {
        return Logs.level();
    }

    @Override
    public System.Logger getLogger(String name, Module module) {
        return Logs.get(name);
    }
}
