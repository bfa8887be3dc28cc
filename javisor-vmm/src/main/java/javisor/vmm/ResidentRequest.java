package javisor.vmm;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.InvalidPathException;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.util.ArrayList;
import java.util.List;

/**
 * What a launcher sends the resident Javisor when it opens a connection. The launcher is bash with no helper
 * process, so the format is what {@code printf} writes: two text lines, the token and a verb, then for {@code run}
 * the client's folder and each argument, each ended by a NUL (arguments may hold newlines). {@code input}: what
 * follows on the connection is the guest console's input.
 *
 * <pre>
 * TOKEN\n run ARGC[ input]\n CWD\0 ARG\0 ... (ARGC arguments, run first)   answered "ok ID\n" or "no REASON\n"
 * TOKEN\n attach ID\n                                          the run ID's second connection: stderr, status
 * </pre>
 *
 * Read from a connection anyone on the host can open: every length is bounded, and nothing after the header is
 * read (the rest of a run's connection is the guest console's input).
 */
sealed interface ResidentRequest {
    int MAX_LINE = 128;
    int MAX_ARGS = 4096;
    int MAX_STRING = 64 * 1024;
    int MAX_TOTAL = 1024 * 1024;

    /**
     * {@code javisor ARGS} given in the folder {@code cwd} ({@code args} starts with {@code run}); {@code input}:
     * the client forwards its standard input, the guest console's.
     */
    record Run(Path cwd, List<String> args, boolean input) implements ResidentRequest {
        public Run {
            args = List.copyOf(args);
        }
    }

    /** The second connection of run {@code id}. */
    record Attach(long id) implements ResidentRequest {
    }

    /** Why a connection's header was refused; the message is sent back and names what was wrong. */
    final class Refused extends Exception {
        Refused(String message) {
            super(message);
        }
    }

    /** Reads one header from {@code in}, which must hold exactly the header before whatever follows. */
    static ResidentRequest read(InputStream in, String token) throws IOException, Refused {
        String given = line(in, "token");
        // Compared in constant time: the port is open to every local user.
        if (!MessageDigest.isEqual(given.getBytes(StandardCharsets.UTF_8), token.getBytes(StandardCharsets.UTF_8))) {
            throw new Refused("wrong token");
        }
        String verb = line(in, "verb");
        int space = verb.indexOf(' ');
        String name = space < 0 ? verb : verb.substring(0, space);
        String value = space < 0 ? "" : verb.substring(space + 1);
        return switch (name) {
            case "run" -> {
                boolean input = value.endsWith(" input");
                int argc = number(input ? value.substring(0, value.length() - 6) : value, "run's argument count",
                        MAX_ARGS);
                int[] total = {0};
                Path cwd = folder(string(in, total));
                List<String> args = new ArrayList<>(argc);
                for (int i = 0; i < argc; i++) {
                    args.add(string(in, total));
                }
                yield new Run(cwd, args, input);
            }
            case "attach" -> new Attach(number(value, "attach's run id", Integer.MAX_VALUE));
            default -> throw new Refused("unknown verb '" + name + "' (expected run or attach)");
        };
    }

    private static Path folder(String cwd) throws Refused {
        try {
            Path p = Path.of(cwd);
            if (!p.isAbsolute()) {
                throw new Refused("the client's folder '" + cwd + "' is not an absolute path");
            }
            return p;
        } catch (InvalidPathException e) {
            throw new Refused("the client's folder is not a path: " + e.getMessage());
        }
    }

    private static int number(String value, String what, int max) throws Refused {
        if (value.isEmpty() || value.length() > 10 || !value.chars().allMatch(c -> c >= '0' && c <= '9')) {
            throw new Refused(what + " is not a number: '" + value + "'");
        }
        long n = Long.parseLong(value);
        if (n > max) {
            throw new Refused(what + " " + n + " is over " + max);
        }
        return (int) n;
    }

    /** A line ended by '\n', at most {@link #MAX_LINE} bytes. */
    private static String line(InputStream in, String what) throws IOException, Refused {
        return until(in, '\n', MAX_LINE, what + " line");
    }

    /** A string ended by NUL; {@code total} counts every string's bytes against {@link #MAX_TOTAL}. */
    private static String string(InputStream in, int[] total) throws IOException, Refused {
        String s = until(in, 0, MAX_STRING, "argument");
        total[0] += s.getBytes(StandardCharsets.UTF_8).length + 1;
        if (total[0] > MAX_TOTAL) {
            throw new Refused("the arguments are longer than " + MAX_TOTAL + " bytes in all");
        }
        return s;
    }

    private static String until(InputStream in, int end, int max, String what) throws IOException, Refused {
        ByteArrayOutputStream bytes = new ByteArrayOutputStream();
        for (int b; (b = in.read()) != end; ) {
            if (b < 0) {
                throw new Refused("the connection ended inside the " + what);
            }
            if (bytes.size() == max) {
                throw new Refused("the " + what + " is longer than " + max + " bytes");
            }
            bytes.write(b);
        }
        return bytes.toString(StandardCharsets.UTF_8);
    }
}
