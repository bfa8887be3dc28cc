package javisor.vmm;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Random;
import java.util.concurrent.TimeUnit;
import java.util.function.BooleanSupplier;

import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

import static org.assertj.core.api.Assertions.assertThat;
import static org.junit.jupiter.api.Assertions.fail;

/**
 * Issue #16: kill -9 of Javisor at random points never corrupts a flushed disk image or a config file. Javisor
 * runs as a process of its own (the jars in target/lib, as the launcher runs them) on one VM from a config folder:
 * {@code blk_journal.elf} writing numbered records to its virtio-blk disk in that folder and saying which a flush
 * covered. SIGKILL (destroyForcibly) comes 50 times at a seeded random moment, in three scenarios:
 * <ul>
 *   <li>boot: between the process's start and the guest's first console output;</li>
 *   <li>disk: while the guest writes and flushes ({@code javisor run});</li>
 *   <li>edits: while {@code javisor shell}, the guest still writing, edits the config folder with echo, cp,
 *       cp -r, mv (across file systems too), rm -r and touch.</li>
 * </ul>
 * After every kill: the image has its size and, in each slot, zeros or an intact record, never older than one
 * the guest saw flushed there; every config file is its old or a new content, every copied tree whole or
 * absent. The next run boots the same VM from the same folder, and the guest checks the whole disk again.
 * {@code -Djavisor.kill.seed=S} replays a run's kill moments; {@code -Djavisor.kill.count=N} sets how many.
 */
@Tag("kvm")
@Timeout(1200)
class KillNineIT {
    private static final Path ROOT = Path.of(System.getProperty("javisor.root", "..")).toAbsolutePath().normalize();
    private static final Path LIB = ROOT.resolve("javisor-vmm/target/lib");
    private static final int KILLS = Integer.getInteger("javisor.kill.count", 50);
    /** 256 slots of 4 KiB: the journal wraps round it in the box within seconds, overwriting flushed records. */
    private static final long DISK = 1 << 20;
    /** How long after the first flush a disk kill may come, and after the shell's first answer an edit kill. */
    private static final Duration DISK_WINDOW = Duration.ofMillis(1500);
    private static final Duration EDIT_WINDOW = Duration.ofMillis(2000);
    private static final long POLL_MS = 20;
    /** Bounds against hangs (a JVM starts about ten times slower in the KVM box), not measures. */
    private static final Duration START_LIMIT = Duration.ofSeconds(120);

    enum Scenario { BOOT, DISK, EDITS }

    @TempDir
    Path tmp;

    private JournalImage journal;
    private ConfigDirEdits folder;
    private int editRound;
    private int runs;
    /** The JVM flags that use the AOT cache, once trained. */
    private List<String> cacheFlags = List.of();

    @Test
    void killNineNeverCorruptsAFlushedImageOrAConfigFile() throws Exception {
        TestGuests.requireKvm();
        long seed = Long.getLong("javisor.kill.seed", System.nanoTime());
        System.out.println("KillNineIT: seed " + seed + " (replay with -Djavisor.kill.seed=" + seed + "), "
                + KILLS + " kills");
        Random random = new Random(seed);
        Path elsewhere = otherFileSystem();
        folder = ConfigDirEdits.create(tmp, elsewhere, config("batch=4"));
        journal = JournalImage.create(folder.dir().resolve(ConfigDirEdits.DISK), DISK);
        trainStartUpCache();

        List<Scenario> plan = new ArrayList<>();
        for (int i = 1; i < KILLS; i++) {
            plan.add(Scenario.values()[i % 3]);
        }
        Collections.shuffle(plan, random);
        plan.addFirst(Scenario.DISK); // the first run also measures how long a boot takes
        long bootNanos = 0;
        int beforeOutput = 0;
        int temporaries = 0;
        long stepsDone = 0;
        long started = System.nanoTime();
        for (int kill = 0; kill < plan.size(); kill++) {
            Scenario s = plan.get(kill);
            Outcome o = switch (s) {
                case BOOT -> killDuringBoot(random, bootNanos);
                case DISK -> killDuringDiskWrites(random);
                case EDITS -> killDuringEdits(random);
            };
            if (o.bootNanos() > 0) { // the quickest boot yet: a boot kill should come before the first output
                bootNanos = bootNanos == 0 ? o.bootNanos() : Math.min(bootNanos, o.bootNanos());
            }
            if (s == Scenario.BOOT && o.console().isEmpty()) {
                beforeOutput++;
            }
            temporaries += checkAfterKill(kill, s, o);
            stepsDone += steps(o);
        }
        // A last boot of the same VM: the guest checks the whole disk and carries on writing.
        Outcome last = killDuringDiskWrites(random);
        checkAfterKill(plan.size(), Scenario.DISK, last);
        assertThat(last.console()).contains("blk_journal: 256 slots");

        long boots = plan.stream().filter(s -> s == Scenario.BOOT).count();
        System.out.printf("KillNineIT: %d kills (boot %d, of which %d before the guest's first output; disk %d; "
                        + "edits %d, in which %d of %d edit steps were done) in %d s; highest flushed record %d; "
                        + "%d temporary names left beside their targets, nothing else%n", plan.size(), boots,
                beforeOutput, plan.stream().filter(s -> s == Scenario.DISK).count(),
                plan.stream().filter(s -> s == Scenario.EDITS).count(), stepsDone, editRound * ConfigDirEdits.STEPS,
                (System.nanoTime() - started) / 1_000_000_000L, journal.highestFlushed(), temporaries);
        assertThat(journal.highestFlushed()).as("records flushed over all runs").isGreaterThan(KILLS);
        assertThat(beforeOutput).as("boot kills that came before the guest's first output").isPositive();
    }

    /**
     * Trains an AOT cache (JDK 25, as the launcher does) on one whole run of the shell, a VM and the file commands
     * on a folder of its own: JVMs start about ten times slower in the KVM box, and 50 starts are most of this
     * test's time. Without the cache (a training that failed) the runs are only slower.
     */
    private void trainStartUpCache() throws Exception {
        Path train = Files.createDirectories(tmp.resolve("train"));
        Files.writeString(train.resolve(ConfigDirEdits.CONFIG), config("batch=4 count=2"));
        JournalImage.create(train.resolve(ConfigDirEdits.DISK), DISK);
        Path aot = tmp.resolve("javisor.aot");
        long t0 = System.nanoTime();
        Launched l = launch(List.of("-XX:AOTCacheOutput=" + aot),
                List.of("shell", "--config-dir", "train", "--log-dir", tmp.resolve("logs-train").toString()));
        l.process.getOutputStream().write("""
                echo trained > train/notes.toml
                cp train/notes.toml train/copy.toml
                cp -r train train/../train-copy
                mv train-copy/copy.toml train/moved.toml
                rm -r train-copy
                touch train/moved.toml
                wait -t 300
                exit
                """.getBytes(StandardCharsets.UTF_8));
        l.process.getOutputStream().close();
        boolean ended = l.process.waitFor(START_LIMIT.toSeconds() * 3, TimeUnit.SECONDS);
        if (ended && Files.isRegularFile(aot)) {
            cacheFlags = List.of("-XX:AOTCache=" + aot, "-Xlog:aot=off", "-Xlog:cds=off");
        } else {
            l.process.destroyForcibly();
        }
        System.out.printf("KillNineIT: AOT cache %s in %d s%n", cacheFlags.isEmpty() ? "not made, runs without it"
                : "trained", (System.nanoTime() - t0) / 1_000_000_000L);
    }

    /** What one killed run left: its console, the shell's output, and its time to the first console output. */
    private record Outcome(String console, String out, String err, long bootNanos) {
    }

    private Outcome killDuringBoot(Random random, long bootNanos) throws Exception {
        long delay = (long) (random.nextDouble() * bootNanos);
        Launched l = launch(List.of("run", "--config-dir", "cfg", "--console", consoleOf(++runs).toString()));
        l.sleepNanos(delay);
        return l.kill(0);
    }

    private Outcome killDuringDiskWrites(Random random) throws Exception {
        Launched l = launch(List.of("run", "--config-dir", "cfg", "--console", consoleOf(++runs).toString()));
        long boot = l.awaitConsole("\nflushed ");
        l.sleepNanos((long) (random.nextDouble() * DISK_WINDOW.toNanos()));
        return l.kill(boot);
    }

    private Outcome killDuringEdits(Random random) throws Exception {
        int run = ++runs;
        Path logs = tmp.resolve("logs-" + run);
        Launched l = launch(List.of("shell", "--config-dir", "cfg", "--log-dir", logs.toString()));
        l.console = logs.resolve("vm-1-journal.log");
        // Enough rounds to outlast the window; standard input stays open, so the shell never ends by itself.
        StringBuilder lines = new StringBuilder("pwd\n"); // the first answer, before any edit
        int firstStep = random.nextInt(ConfigDirEdits.STEPS); // a run killed in its first round: any edit
        for (int r = 0; r < 40; r++) {
            folder.round(++editRound, firstStep).forEach(line -> lines.append(line).append('\n'));
        }
        l.process.getOutputStream().write(lines.toString().getBytes(StandardCharsets.UTF_8));
        l.process.getOutputStream().flush();
        String cwd = tmp.toRealPath().toString(); // what pwd prints
        l.await(() -> l.out().lines().anyMatch(cwd::equals), "the shell's first answer");
        l.sleepNanos((long) (random.nextDouble() * EDIT_WINDOW.toNanos()));
        return l.kill(0);
    }

    /** The checks after a kill; returns the temporary names the edits left. */
    private int checkAfterKill(int kill, Scenario s, Outcome o) throws IOException {
        journal.flushedIn(o.console());
        List<String> problems = new ArrayList<>(journal.problems());
        ConfigDirEdits.Check edits = folder.check();
        problems.addAll(edits.problems());
        if (o.console().contains("FAIL")) {
            problems.add("the guest's own check of the disk failed: " + o.console());
        }
        long steps = steps(o);
        System.out.printf("KillNineIT: kill %d (%s): %d records flushed so far%s%s%n", kill + 1, s,
                journal.highestFlushed(), s == Scenario.EDITS ? ", " + steps + " edit steps done" : "",
                edits.temporaries() > 0 ? ", " + edits.temporaries() + " temporary names" : "");
        if (!problems.isEmpty()) {
            fail("after kill " + (kill + 1) + " (" + s + "):\n  " + String.join("\n  ", problems)
                    + "\nconsole:\n" + o.console() + "\nstderr:\n" + o.err());
        }
        return edits.temporaries();
    }

    /** The edit steps a shell finished before its kill: its pwd answers, less the one before the edits. */
    private long steps(Outcome o) throws IOException {
        String cwd = tmp.toRealPath().toString();
        return Math.max(0, o.out().lines().filter(cwd::equals).count() - 1);
    }

    private Path consoleOf(int run) {
        return tmp.resolve("console-" + run + ".log");
    }

    private Launched launch(List<String> args) throws IOException {
        return launch(cacheFlags, args);
    }

    /** Javisor with the launcher's JVM flags (docs/performance.md) and {@code jvmFlags}. */
    private Launched launch(List<String> jvmFlags, List<String> args) throws IOException {
        List<String> command = new ArrayList<>(List.of(Path.of(System.getProperty("java.home"), "bin", "java")
                .toString(), "-XX:+UseSerialGC", "-XX:TieredStopAtLevel=1", "-XX:CompileThresholdScaling=10",
                "--enable-native-access=javisor.sys"));
        command.addAll(jvmFlags);
        command.addAll(List.of("-p", LIB.toString(), "-m", "javisor.vmm/javisor.vmm.Main"));
        command.addAll(args);
        int run = runs;
        Path out = tmp.resolve("out-" + run);
        Path err = tmp.resolve("err-" + run);
        Process p = new ProcessBuilder(command).directory(tmp.toFile()).redirectOutput(out.toFile())
                .redirectError(err.toFile()).start();
        Launched l = new Launched(p, out, err, System.nanoTime());
        l.console = consoleOf(run);
        return l;
    }

    /** A started Javisor and the files its output goes to. */
    private static final class Launched {
        final Process process;
        final Path out;
        final Path err;
        final long start;
        Path console;

        Launched(Process process, Path out, Path err, long start) {
            this.process = process;
            this.out = out;
            this.err = err;
            this.start = start;
        }

        String console() {
            return read(console);
        }

        String out() {
            return read(out);
        }

        /** Waits for {@code text} on the console; returns the time from the start to the first output. */
        long awaitConsole(String text) throws InterruptedException {
            long first = 0;
            long limit = start + START_LIMIT.toNanos();
            long seenSize = 0;
            while (seenSize == 0 || !("\n" + console()).contains(text)) {
                long size = size(console);
                if (first == 0 && size > 0) {
                    first = System.nanoTime() - start;
                }
                if (size == seenSize) { // the test JVM shares the box's one CPU: read only what grew
                    checkAlive(limit, "'" + text.strip() + "' on the console");
                    Thread.sleep(POLL_MS);
                }
                seenSize = size;
            }
            return first != 0 ? first : System.nanoTime() - start;
        }

        void await(BooleanSupplier condition, String what) throws InterruptedException {
            long limit = start + START_LIMIT.toNanos();
            while (!condition.getAsBoolean()) {
                checkAlive(limit, what);
                Thread.sleep(POLL_MS);
            }
        }

        private void checkAlive(long limit, String what) {
            boolean alive = process.isAlive();
            if (!alive || System.nanoTime() > limit) {
                String state = alive ? "\nwhere it waited:\n" + whereItWaits(process.pid()) : "";
                process.destroyForcibly();
                fail("Javisor " + (alive ? "gave no " : "ended (status " + process.exitValue() + ") before ")
                        + what + "; stderr:\n" + read(err) + "\nconsole:\n" + console() + state);
            }
        }

        /**
         * What a Javisor that hung was doing: each thread's state and kernel stack (/proc, as root in the box) and
         * the JVM's thread dump, so that a hang seen once (in CI) tells its cause.
         */
        private static String whereItWaits(long pid) {
            StringBuilder s = new StringBuilder();
            try (var tasks = Files.list(Path.of("/proc/" + pid + "/task"))) {
                for (Path task : tasks.sorted().toList()) {
                    try {
                        String stat = read(task.resolve("stat")); // "tid (name) S ..."
                        int close = stat.lastIndexOf(')');
                        s.append(task.getFileName()).append(' ').append(stat, stat.indexOf('(') + 1, close)
                                .append(" state ").append(stat.charAt(close + 2))
                                .append(" wchan ").append(read(task.resolve("wchan"))).append('\n')
                                .append(read(task.resolve("stack")).indent(4));
                    } catch (RuntimeException e) { // the thread ended, or /proc refused
                        s.append(task.getFileName()).append(": ").append(e).append('\n');
                    }
                }
            } catch (IOException e) {
                s.append("/proc: ").append(e).append('\n');
            }
            try {
                Path dump = Files.createTempFile("kill-nine-threads", ".txt");
                Process jcmd = new ProcessBuilder(Path.of(System.getProperty("java.home"), "bin", "jcmd").toString(),
                        Long.toString(pid), "Thread.print").redirectErrorStream(true).redirectOutput(dump.toFile())
                        .start();
                if (jcmd.waitFor(60, TimeUnit.SECONDS)) {
                    s.append(read(dump));
                    Files.delete(dump);
                } else {
                    jcmd.destroyForcibly();
                    s.append("jcmd Thread.print gave no answer in 60 s\n");
                }
            } catch (IOException e) {
                s.append("jcmd: ").append(e).append('\n');
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
            return s.toString();
        }

        void sleepNanos(long nanos) throws InterruptedException {
            TimeUnit.NANOSECONDS.sleep(nanos);
        }

        /** SIGKILL (destroyForcibly on Linux), which the process must still be alive to get. */
        Outcome kill(long bootNanos) throws Exception {
            if (!process.isAlive()) {
                fail("Javisor ended (status " + process.exitValue() + ") before its kill; stderr:\n" + read(err)
                        + "\nconsole:\n" + console());
            }
            process.destroyForcibly();
            if (!process.waitFor(60, TimeUnit.SECONDS)) {
                fail("Javisor did not die of SIGKILL");
            }
            try {
                process.getOutputStream().close();
            } catch (IOException e) {
                // the pipe broke with the process: as good as closed
            }
            return new Outcome(console(), read(out), read(err), bootNanos);
        }

        private static long size(Path p) {
            try {
                return Files.exists(p) ? Files.size(p) : 0;
            } catch (IOException e) {
                throw new IllegalStateException(e);
            }
        }

        private static String read(Path p) {
            try {
                return Files.exists(p) ? Files.readString(p) : "";
            } catch (IOException e) {
                throw new IllegalStateException(e);
            }
        }
    }

    /** The VM: the journal guest, 16 MiB, its disk in the config folder (relative to the config). */
    private static String config(String cmdline) {
        return GuestToml.of(1, "blk_journal.elf").named("journal").cmdline(cmdline)
                .devices("emu_devices = [[\"vda\", 0xd000_0000, 0x1000, 16, 0xE1, [], \"" + ConfigDirEdits.DISK
                        + "\"]]")
                .text();
    }

    /** A folder on another file system than the temporary folder, for mv's copy path: /dev/shm or target. */
    private Path otherFileSystem() throws IOException {
        for (Path candidate : List.of(Path.of("/dev/shm"), ROOT.resolve("javisor-vmm/target"))) {
            if (Files.isDirectory(candidate) && Files.isWritable(candidate)
                    && !Files.getFileStore(candidate).equals(Files.getFileStore(tmp))) {
                Path dir = Files.createTempDirectory(candidate, "kill-nine-");
                dir.toFile().deleteOnExit();
                System.out.println("KillNineIT: mv across file systems into " + dir);
                return dir;
            }
        }
        System.out.println("KillNineIT: no second file system: mv renames only");
        return Files.createDirectories(tmp.resolve("elsewhere"));
    }
}
