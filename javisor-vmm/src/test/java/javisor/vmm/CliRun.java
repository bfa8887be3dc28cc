package javisor.vmm;

import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;

/**
 * Runs the javisor command line in this JVM and captures what it prints. Log messages go to System.err,
 * which is redirected for the run, so they are captured too.
 */
record CliRun(int status, String out, String err) {
    static CliRun of(String... args) {
        // Never the test JVM's System.in: surefire talks to its forked JVM through it.
        return withInput(new byte[0], args);
    }

    /** As {@link #of}, with {@code input} as standard input (what is typed at the console under {@code run}). */
    static CliRun withInput(byte[] input, String... args) {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        ByteArrayOutputStream err = new ByteArrayOutputStream();
        int status;
        try (PrintStream o = new PrintStream(out, true, StandardCharsets.UTF_8);
             PrintStream e = new PrintStream(err, true, StandardCharsets.UTF_8)) {
            PrintStream systemErr = System.err;
            System.setErr(e);
            try {
                status = Cli.run(args, new ByteArrayInputStream(input), o, e);
            } finally {
                System.setErr(systemErr);
            }
        }
        return new CliRun(status, out.toString(StandardCharsets.UTF_8), err.toString(StandardCharsets.UTF_8));
    }
}
