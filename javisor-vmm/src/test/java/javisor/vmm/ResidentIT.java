package javisor.vmm;

import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.FileTime;
import java.nio.file.attribute.PosixFilePermission;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;

import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.MethodOrderer;
import org.junit.jupiter.api.Order;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestMethodOrder;
import org.junit.jupiter.api.Timeout;

import static org.assertj.core.api.Assertions.assertThat;
import static org.junit.jupiter.api.Assertions.fail;

/**
 * Issue #17 item 2's resident Javisor as a user runs it: {@code ./javisor resident} in the background, then
 * {@code ./javisor run} (bash, no JVM) hands its VM to it. {@code JAVISOR_RESIDENT=required} makes the launcher
 * fail rather than start a JVM of its own, so every run here that succeeds was the resident's.
 */
@Tag("kvm")
@Timeout(300)
@TestMethodOrder(MethodOrderer.OrderAnnotation.class)
class ResidentIT {
    private static final Path ROOT = Path.of(System.getProperty("javisor.root", "..")).toAbsolutePath().normalize();
    private static final Path STATE = ROOT.resolve("javisor-vmm/target/resident");
    private static final Path STAMP = ROOT.resolve("javisor-vmm/target/lib/.built");
    private static final Map<String, String> REQUIRED = Map.of("JAVISOR_RESIDENT", "required");

    private static Process resident;
    private static Path residentErr;
    /** A file the resident watches besides the tree's sources, which the tests must not touch. */
    private static Path watched;

    @BeforeAll
    static void startTheResident() throws Exception {
        TestGuests.requireKvm();
        LauncherIT.theseJarsAreTheBuild();
        Files.deleteIfExists(STATE);
        residentErr = Files.createTempFile("resident", ".err");
        watched = Files.createTempFile("resident", ".c");
        ProcessBuilder pb = new ProcessBuilder("./javisor", "resident", "--watch", watched.toString())
                .directory(ROOT.toFile())
                .redirectOutput(ProcessBuilder.Redirect.DISCARD).redirectError(residentErr.toFile());
        pb.environment().remove("JAVA_HOME");
        resident = pb.start();
        // A JVM starts about ten times slower in the KVM box, and the launcher may link its runtime image first.
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(240);
        while (!Files.exists(STATE)) {
            if (!resident.isAlive() || System.nanoTime() > deadline) {
                fail("no state file from `javisor resident`; its stderr: " + Files.readString(residentErr));
            }
            Thread.sleep(50);
        }
    }

    @AfterAll
    static void stopIt() throws IOException {
        if (resident != null && resident.isAlive()) {
            resident.destroyForcibly();
        }
        Files.deleteIfExists(residentErr);
        Files.deleteIfExists(watched);
    }

    /** {@code ./javisor ARGS} from {@code dir} with JAVISOR_RESIDENT=required, {@code input} on its stdin. */
    private static LauncherIT.Run handed(Path dir, String input, String... args) throws Exception {
        return LauncherIT.launch(dir, input, REQUIRED, args);
    }

    @Test
    @Order(1)
    void theStateFileIsTheUsersAlone() throws IOException {
        assertThat(Files.getPosixFilePermissions(STATE))
                .isEqualTo(Set.of(PosixFilePermission.OWNER_READ, PosixFilePermission.OWNER_WRITE));
        assertThat(Files.readString(STATE)).matches("\\d+ [0-9a-f]{64} " + resident.pid() + "\n");
    }

    @Test
    @Order(2)
    void runsTheVmWithPathsFromTheCallersFolder() throws Exception {
        Path guests = TestGuests.image("exit42.elf").getParent();
        for (int i = 0; i < 3; i++) {
            LauncherIT.Run run = handed(guests, "", "run", "--kernel", "exit42.elf");
            assertThat(run.out()).isEqualTo("exit42\n");
            assertThat(run.status()).as(run.err()).isEqualTo(85);
        }
    }

    @Test
    @Order(3)
    void standardInputIsTheGuestConsolesInput() throws Exception {
        LauncherIT.Run run = handed(ROOT, "hi\n", "run", "--kernel", TestGuests.image("uart_echo.elf").toString());
        assertThat(run.out()).contains("uart_echo: got \"hi\"");
        int sum = ('h' + 'i') & 0xff;
        assertThat(run.status()).as(run.err()).isEqualTo(((sum << 1) | 1) & 0xff);
    }

    @Test
    @Order(4)
    void aRunOutlastsTheHandshakesBoundAndTakesInputAsItComes() throws Exception {
        // uart_echo waits for its line; it comes after the 10 s that bound the resident's handshake reads.
        ProcessBuilder pb = new ProcessBuilder(ROOT.resolve("javisor").toString(), "run", "--kernel",
                TestGuests.image("uart_echo.elf").toString()).directory(ROOT.toFile())
                .redirectError(ProcessBuilder.Redirect.DISCARD);
        pb.environment().putAll(REQUIRED);
        Process client = pb.start();
        try (OutputStream stdin = client.getOutputStream()) {
            Thread.sleep(12_000);
            stdin.write("ok\n".getBytes(StandardCharsets.UTF_8));
        }
        assertThat(client.waitFor(60, TimeUnit.SECONDS)).isTrue();
        assertThat(new String(client.getInputStream().readAllBytes(), StandardCharsets.UTF_8))
                .startsWith("uart_echo: type a line\n").contains("uart_echo: got \"ok\"");
        int sum = ('o' + 'k') & 0xff;
        assertThat(client.exitValue()).isEqualTo(((sum << 1) | 1) & 0xff);
    }

    @Test
    @Order(5)
    void errorsComeBackOnStandardErrorWithTheStatus() throws Exception {
        LauncherIT.Run missing = handed(ROOT, "", "run", "--kernel", "no-such-kernel.elf");
        assertThat(missing.status()).isEqualTo(ExitStatus.USAGE);
        assertThat(missing.err()).contains(ROOT.resolve("no-such-kernel.elf").toString());
        assertThat(missing.out()).isEmpty();

        LauncherIT.Run bad = handed(ROOT, "", "run", "--cpus", "zero", "--kernel", "x.elf");
        assertThat(bad.status()).isEqualTo(ExitStatus.USAGE);
        assertThat(bad.err()).contains("--cpus expects a number, got 'zero'");

        LauncherIT.Run logged = handed(ROOT, "", "run", "--log", "debug", "--kernel", "x.elf");
        assertThat(logged.status()).isEqualTo(ExitStatus.HOST_ERROR);
        assertThat(logged.err()).contains("the resident Javisor refused the run (--log asks for a log of the run's "
                + "own); running here");
    }

    @Test
    @Order(6)
    void aWrongTokenIsRefusedAndTheResidentServesOn() throws Exception {
        int port = Integer.parseInt(Files.readString(STATE).split(" ")[0]);
        try (Socket s = new Socket(InetAddress.getLoopbackAddress(), port)) {
            s.getOutputStream().write("0123\nrun 1\n/\0run\0".getBytes(StandardCharsets.UTF_8));
            assertThat(new String(s.getInputStream().readAllBytes(), StandardCharsets.UTF_8))
                    .isEqualTo("no wrong token\n");
        }
        LauncherIT.Run run = handed(ROOT, "", "run", "--kernel", TestGuests.image("exit42.elf").toString());
        assertThat(run.status()).as(run.err()).isEqualTo(85);
    }

    @Test
    @Order(7)
    void aClientThatGoesAwayTakesItsVmWithIt() throws Exception {
        ProcessBuilder pb = new ProcessBuilder(ROOT.resolve("javisor").toString(), "run", "--kernel",
                TestGuests.image("spin.elf").toString()).directory(ROOT.toFile())
                .redirectOutput(ProcessBuilder.Redirect.DISCARD).redirectError(ProcessBuilder.Redirect.DISCARD);
        pb.environment().putAll(REQUIRED);
        Process client = pb.start();
        awaitVcpuThreads(true, client);
        client.destroyForcibly(); // SIGKILL: no trap runs; the resident sees the connection end
        client.getOutputStream().close(); // and the cat that forwarded its standard input ends too
        awaitVcpuThreads(false, null);
        assertThat(resident.isAlive()).isTrue();
    }

    @Test
    @Order(8)
    void aResidentOlderThanTheBuildIsPassedOver() throws Exception {
        FileTime started = Files.getLastModifiedTime(STATE);
        Files.setLastModifiedTime(STATE, FileTime.fromMillis(Files.getLastModifiedTime(STAMP).toMillis() - 60_000));
        try {
            LauncherIT.Run run = handed(ROOT, "", "run", "--kernel", TestGuests.image("exit42.elf").toString());
            assertThat(run.status()).isEqualTo(ExitStatus.HOST_ERROR);
            assertThat(run.err()).contains("the resident Javisor predates this build")
                    .contains("JAVISOR_RESIDENT=required, but no resident Javisor took the run");
        } finally {
            Files.setLastModifiedTime(STATE, started);
        }
    }

    @Test
    @Order(9)
    void aChangedSourceMakesItRefuseRuns() throws Exception {
        Files.writeString(watched, "int edited;\n");
        LauncherIT.Run run = handed(ROOT, "", "run", "--kernel", TestGuests.image("exit42.elf").toString());
        assertThat(run.status()).isEqualTo(ExitStatus.HOST_ERROR);
        assertThat(run.err()).contains("the resident Javisor refused the run (the sources changed since it "
                + "started: " + watched + " changed; restart it after the build); running here");
        assertThat(resident.isAlive()).isTrue();
    }

    @Test
    @Order(10)
    void sigtermEndsItAndTakesTheStateFileAway() throws Exception {
        resident.destroy(); // SIGTERM to the JVM the launcher became
        assertThat(resident.waitFor(60, TimeUnit.SECONDS)).isTrue();
        assertThat(resident.exitValue()).as(Files.readString(residentErr)).isZero();
        assertThat(STATE).doesNotExist();

        LauncherIT.Run run = handed(ROOT, "", "run", "--kernel", TestGuests.image("exit42.elf").toString());
        assertThat(run.status()).isEqualTo(ExitStatus.HOST_ERROR);
        assertThat(run.err()).contains("no resident Javisor took the run");
    }

    /** Waits until the resident has vCPU threads ({@code running}) or has none; fails when the client ends first. */
    private static void awaitVcpuThreads(boolean running, Process client) throws Exception {
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(60);
        while (vcpuThreads().isEmpty() == running) {
            if (client != null && !client.isAlive()) {
                fail("the client ended with " + client.exitValue() + " before its VM ran");
            }
            if (System.nanoTime() > deadline) {
                fail("the resident's vCPU threads: " + vcpuThreads() + ", expected " + (running ? "some" : "none"));
            }
            Thread.sleep(50);
        }
    }

    private static List<String> vcpuThreads() throws IOException {
        try (Stream<Path> tasks = Files.list(Path.of("/proc", Long.toString(resident.pid()), "task"))) {
            return tasks.map(t -> {
                try (InputStream in = Files.newInputStream(t.resolve("comm"))) {
                    return new String(in.readAllBytes(), StandardCharsets.UTF_8).strip();
                } catch (IOException e) {
                    return ""; // the thread ended meanwhile
                }
            }).filter(name -> name.contains("-VCpu[")).toList();
        }
    }
}
