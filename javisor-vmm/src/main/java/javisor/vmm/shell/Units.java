package javisor.vmm.shell;

import java.time.Duration;
import java.util.Locale;

/** Human-readable sizes and durations for tables. */
final class Units {
    private static final String[] BINARY = {"B", "KiB", "MiB", "GiB", "TiB", "PiB"};

    private Units() {
    }

    /** {@code 512 B}, {@code 64 MiB}, {@code 1.5 GiB}: binary units, one decimal when not whole. */
    static String bytes(long n) {
        int unit = 0;
        double v = n;
        while (v >= 1024 && unit < BINARY.length - 1) {
            v /= 1024;
            unit++;
        }
        if (v == Math.rint(v)) {
            return (long) v + " " + BINARY[unit];
        }
        return String.format(Locale.ROOT, "%.1f %s", v, BINARY[unit]);
    }

    /** An option's value in seconds ("2", "0.5"), from 0 to 10^9; anything else is refused naming the option. */
    static Duration seconds(String option, String text) {
        try {
            double d = Double.parseDouble(text);
            if (d >= 0 && d <= 1e9) {
                return Duration.ofNanos((long) (d * 1e9));
            }
        } catch (NumberFormatException e) {
            // reported below
        }
        throw new ShellException(option + " expects a number of seconds, got '" + text + "'");
    }

    /** {@code 4.2s}, {@code 3m 07s}, {@code 2h 05m}, {@code 3d 04h}: two fields at most. */
    static String duration(long nanos) {
        long ms = nanos / 1_000_000;
        if (ms < 60_000) {
            return String.format(Locale.ROOT, "%.1fs", ms / 1000.0);
        }
        long s = ms / 1000;
        if (s < 3600) {
            return String.format(Locale.ROOT, "%dm %02ds", s / 60, s % 60);
        }
        if (s < 86_400) {
            return String.format(Locale.ROOT, "%dh %02dm", s / 3600, s % 3600 / 60);
        }
        return String.format(Locale.ROOT, "%dd %02dh", s / 86_400, s % 86_400 / 3600);
    }

    /** {@code 0x100000}, as the config writes addresses. */
    static String hex(long n) {
        return "0x" + Long.toHexString(n);
    }
}
