package javisor.vmm.shell;

import java.io.IOException;
import java.io.InputStreamReader;
import java.io.OutputStream;
import java.io.Reader;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;

import static org.junit.jupiter.api.Assumptions.assumeTrue;

/**
 * A command run on a pseudo-terminal, as a person would run it: python3's pty module gives the child a
 * terminal (120x40, TERM=xterm) and relays this side's keys to it and its screen output back. The output is
 * kept with terminal control sequences and carriage returns removed, so tests can look for plain text.
 */
final class PtySession implements AutoCloseable {
    private static final String DRIVER = """
            import os, pty, select, struct, sys, fcntl, termios
            pid, fd = pty.fork()
            if pid == 0:
                os.execvp(sys.argv[1], sys.argv[1:])
            fcntl.ioctl(fd, termios.TIOCSWINSZ, struct.pack('HHHH', 40, 120, 0, 0))
            keys = sys.stdin.fileno()
            while True:
                ready, _, _ = select.select([fd] + ([keys] if keys is not None else []), [], [], 0.1)
                if fd in ready:
                    try:
                        data = os.read(fd, 4096)
                    except OSError:
                        data = b''
                    if not data:
                        break
                    os.write(sys.stdout.fileno(), data)
                if keys is not None and keys in ready:
                    data = os.read(keys, 4096)
                    if data:
                        os.write(fd, data)
                    else:
                        keys = None
            _, status = os.waitpid(pid, 0)
            sys.exit(os.waitstatus_to_exitcode(status))
            """;

    private final Process process;
    private final OutputStream keys;
    private final StringBuilder raw = new StringBuilder();
    private final Thread pump;
    private int mark;

    private PtySession(Process process) {
        this.process = process;
        this.keys = process.getOutputStream();
        this.pump = Thread.ofPlatform().daemon().name("pty-reader").start(this::pump);
    }

    /**
     * Skips the test where python3 is missing or has no pty module. A slow start is not a missing python3: in the
     * KVM box a cold python3 took over the 10 s this waited before, and the test was skipped (run of 2026-12-06).
     */
    static void assumePython() {
        boolean ok;
        try {
            Process p = new ProcessBuilder("python3", "-c", "import pty").redirectErrorStream(true).start();
            ok = p.waitFor(120, TimeUnit.SECONDS) && p.exitValue() == 0;
        } catch (IOException | InterruptedException e) {
            ok = false;
        }
        assumeTrue(ok, "needs python3 (its pty module gives the shell a terminal)");
    }

    static PtySession start(Path dir, List<String> command) throws IOException {
        Path driver = dir.resolve("pty-driver.py");
        Files.writeString(driver, DRIVER);
        List<String> argv = new ArrayList<>(List.of("python3", driver.toString()));
        argv.addAll(command);
        ProcessBuilder pb = new ProcessBuilder(argv).redirectErrorStream(true);
        pb.environment().put("TERM", "xterm");
        pb.environment().put(InteractiveShell.HISTORY_ENV, dir.resolve("history").toString());
        return new PtySession(pb.start());
    }

    private void pump() {
        try (Reader r = new InputStreamReader(process.getInputStream(), StandardCharsets.UTF_8)) {
            char[] buf = new char[4096];
            for (int n = r.read(buf); n >= 0; n = r.read(buf)) {
                synchronized (raw) {
                    raw.append(buf, 0, n);
                    raw.notifyAll();
                }
            }
        } catch (IOException e) {
            // the child went away; what it printed so far is kept
        }
    }

    /** Types {@code text} (use \r for Enter, \u001d for Ctrl-]). */
    void type(String text) throws IOException {
        keys.write(text.getBytes(StandardCharsets.UTF_8));
        keys.flush();
    }

    /** Everything shown so far, as plain text. */
    String screen() {
        synchronized (raw) {
            return plain(raw.toString());
        }
    }

    /**
     * Waits until {@code text} appears after the last match, and moves past it; so successive calls see output
     * in order. Fails with the whole screen when it does not appear within {@code timeout}.
     */
    void await(String text, Duration timeout) throws InterruptedException {
        long deadline = System.nanoTime() + timeout.toNanos();
        synchronized (raw) {
            while (true) {
                String s = plain(raw.toString());
                int at = s.indexOf(text, mark);
                if (at >= 0) {
                    mark = at + text.length();
                    return;
                }
                long left = deadline - System.nanoTime();
                if (left <= 0) {
                    throw new AssertionError("'" + text + "' did not appear after position " + mark
                            + "; screen:\n" + s);
                }
                raw.wait(Math.max(1, left / 1_000_000));
            }
        }
    }

    /** The screen since the last match. */
    String sinceLastMatch() {
        return screen().substring(Math.min(mark, screen().length()));
    }

    int waitFor(Duration timeout) throws InterruptedException {
        if (!process.waitFor(timeout.toMillis(), TimeUnit.MILLISECONDS)) {
            throw new AssertionError("the shell did not exit; screen:\n" + screen());
        }
        pump.join(timeout.toMillis());
        return process.exitValue();
    }

    /** Without CSI/OSC sequences, keypad-mode switches and carriage returns. */
    static String plain(String s) {
        return s.replaceAll("\u001b\\[[0-9;?]*[ -/]*[@-~]", "").replaceAll("\u001b\\][^\u0007]*\u0007", "")
                .replaceAll("\u001b[=>]", "").replace("\r", "");
    }

    @Override
    public void close() {
        if (process.isAlive()) {
            process.descendants().forEach(ProcessHandle::destroyForcibly);
            process.destroyForcibly();
        }
    }
}
