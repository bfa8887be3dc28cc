package javisor.vmm.shell;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.OutputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.ConcurrentHashMap;

import javisor.vm.config.VmConfig;
import javisor.vmm.Vmm;

/**
 * Each VM's console in memory (the latest VM with that id), optionally also in a log file per VM, as the
 * hypervisor's shell mode keeps them away from the shell's own output.
 */
final class Consoles implements Vmm.ConsoleFactory {
    private final Map<Long, ByteArrayOutputStream> byId = new ConcurrentHashMap<>();
    private final Optional<Path> logDir;

    private Consoles(Optional<Path> logDir) {
        this.logDir = logDir;
    }

    static Consoles inMemory() {
        return new Consoles(Optional.empty());
    }

    static Consoles logsIn(Path dir) {
        return new Consoles(Optional.of(dir));
    }

    @Override
    public OutputStream consoleFor(VmConfig config) throws IOException {
        ByteArrayOutputStream memory = new ByteArrayOutputStream();
        byId.put(config.base().id(), memory);
        if (logDir.isEmpty()) {
            return memory;
        }
        OutputStream file = Files.newOutputStream(logFileFor(config).orElseThrow());
        return new OutputStream() {
            @Override
            public void write(int b) throws IOException {
                memory.write(b);
                file.write(b);
            }

            @Override
            public void flush() throws IOException {
                file.flush();
            }

            @Override
            public void close() throws IOException {
                file.close();
            }
        };
    }

    @Override
    public Optional<Path> logFileFor(VmConfig config) {
        return logDir.map(d -> d.resolve("vm-" + config.base().id() + ".log"));
    }

    /** What VM {@code id}'s guest has printed so far. */
    String output(long id) {
        ByteArrayOutputStream b = byId.get(id);
        return b == null ? "" : b.toString(StandardCharsets.UTF_8);
    }

    /** Waits until VM {@code id}'s output contains {@code text} {@code times} times; false on timeout. */
    boolean await(long id, String text, int times, Duration timeout) throws InterruptedException {
        long deadline = System.nanoTime() + timeout.toNanos();
        while (System.nanoTime() < deadline) {
            if (count(output(id), text) >= times) {
                return true;
            }
            Thread.sleep(5);
        }
        return false;
    }

    static int count(String s, String part) {
        int n = 0;
        for (int at = s.indexOf(part); at >= 0; at = s.indexOf(part, at + part.length())) {
            n++;
        }
        return n;
    }
}
