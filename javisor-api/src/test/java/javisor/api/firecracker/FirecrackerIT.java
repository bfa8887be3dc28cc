package javisor.api.firecracker;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.function.Predicate;

import com.fasterxml.jackson.databind.JsonNode;
import javisor.sys.kvm.Kvm;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

import static org.assertj.core.api.Assertions.assertThat;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;

/**
 * {@code javisor firecracker} as Firecracker's users run it, on real KVM (in the KVM box where the host has none):
 * a process of its own (the jars in target/lib), driven through its API socket or its config file, its serial
 * console on standard output. Runs after package, so that the jars are this build's.
 */
@Tag("kvm")
class FirecrackerIT {
    private static final Path ROOT = Path.of(System.getProperty("javisor.root", "..")).toAbsolutePath().normalize();
    private static final Path LIB = ROOT.resolve("javisor-api/target/lib");
    private static final Path GUESTS = ROOT.resolve("guests/target/guests");
    /** JVMs start about ten times slower in the box: bounds against hangs, not measures. */
    private static final long SLOW = System.getenv("JAVISOR_IN_BOX") != null ? 10 : 1;

    @TempDir
    Path tmp;
    private Process process;
    private Path out;
    private Path err;
    private Path socket;

    @BeforeAll
    static void requireKvm() {
        var cause = Kvm.unavailabilityCause();
        assertTrue(cause.isEmpty(), () -> "needs /dev/kvm: " + cause.orElse(""));
    }

    @AfterEach
    void stop() throws Exception {
        if (process != null && process.isAlive()) {
            process.destroyForcibly().waitFor(30, TimeUnit.SECONDS);
        }
    }

    private void launch(String... args) throws IOException {
        out = tmp.resolve("stdout");
        err = tmp.resolve("stderr");
        List<String> command = new ArrayList<>(List.of(Path.of(System.getProperty("java.home"), "bin", "java")
                .toString(), "-XX:+UseSerialGC", "-XX:TieredStopAtLevel=1", "--enable-native-access=javisor.sys",
                "-p", LIB.toString(), "-m", "javisor.api/javisor.api.firecracker.FirecrackerMain"));
        command.addAll(List.of(args));
        process = new ProcessBuilder(command).directory(tmp.toFile()).redirectOutput(out.toFile())
                .redirectError(err.toFile()).start();
    }

    private void launchWithApi() throws Exception {
        socket = tmp.resolve("fc.sock");
        launch("--api-sock", socket.toString(), "--id", "it-vm", "--level", "Info");
        long deadline = System.nanoTime() + Duration.ofSeconds(20 * SLOW).toNanos();
        while (!Files.exists(socket)) {
            if (!process.isAlive() || System.nanoTime() > deadline) {
                fail("the API socket did not appear; stderr:\n" + Files.readString(err));
            }
            Thread.sleep(20);
        }
    }

    private UnixHttp.Answer api(String method, String path, String body) throws IOException {
        return UnixHttp.send(socket, method, path, body);
    }

    private void expect204(String method, String path, String body) throws IOException {
        UnixHttp.Answer a = api(method, path, body);
        assertThat(a.status()).as("%s %s: %s", method, path, a.body()).isEqualTo(204);
    }

    private String console() throws IOException {
        return Files.readString(out, StandardCharsets.ISO_8859_1);
    }

    private String awaitConsole(Predicate<String> ready, Duration timeout) throws Exception {
        long deadline = System.nanoTime() + timeout.multipliedBy(SLOW).toNanos();
        while (System.nanoTime() < deadline) {
            String c = console();
            if (ready.test(c)) {
                return c;
            }
            if (!process.isAlive()) {
                fail("the process ended (status " + process.exitValue() + "); console:\n" + c + "\nstderr:\n"
                        + Files.readString(err));
            }
            Thread.sleep(50);
        }
        return fail("the console did not show what was awaited; console:\n" + console() + "\nstderr:\n"
                + Files.readString(err));
    }

    private int awaitExit(Duration timeout) throws Exception {
        if (!process.waitFor(timeout.multipliedBy(SLOW).toSeconds(), TimeUnit.SECONDS)) {
            fail("the process did not end; console:\n" + console() + "\nstderr:\n" + Files.readString(err));
        }
        return process.exitValue();
    }

    private static long ticks(String console) {
        return console.lines().filter(l -> l.startsWith("tick ")).count();
    }

    @Test
    @Timeout(600)
    void aGuestStartedThroughTheApiPausesResumesReportsMetricsAndStopsOnSigterm() throws Exception {
        launchWithApi();
        Path metrics = tmp.resolve("metrics.json");
        expect204("PUT", "/machine-config", "{\"vcpu_count\": 1, \"mem_size_mib\": 16}");
        expect204("PUT", "/boot-source", "{\"kernel_image_path\": \"" + GUESTS.resolve("uart_ticks.elf") + "\"}");
        expect204("PUT", "/metrics", "{\"metrics_path\": \"" + metrics + "\", \"emit_id\": true}");
        expect204("PUT", "/actions", "{\"action_type\": \"InstanceStart\"}");
        assertThat(api("GET", "/", null).body()).contains("\"state\":\"Running\"").contains("\"id\":\"it-vm\"");
        assertThat(api("PUT", "/boot-source", "{\"kernel_image_path\": \"x\"}").body())
                .contains("The requested operation is not supported after starting the microVM.");
        assertThat(api("PUT", "/actions", "{\"action_type\": \"InstanceStart\"}").status()).isEqualTo(400);
        awaitConsole(c -> ticks(c) >= 5, Duration.ofSeconds(30));

        expect204("PATCH", "/vm", "{\"state\": \"Paused\"}");
        assertThat(api("GET", "/", null).body()).contains("\"state\":\"Paused\"");
        long paused = ticks(console());
        Thread.sleep(1000 * SLOW);
        assertThat(ticks(console())).as("no tick while paused (at most the line being written)")
                .isLessThanOrEqualTo(paused + 1);
        expect204("PATCH", "/vm", "{\"state\": \"Resumed\"}");
        awaitConsole(c -> ticks(c) >= paused + 10, Duration.ofSeconds(30));

        expect204("PUT", "/actions", "{\"action_type\": \"FlushMetrics\"}");
        JsonNode line = Json.MAPPER.readTree(Files.readAllLines(metrics).getLast());
        assertThat(line.get("id").asText()).isEqualTo("it-vm");
        assertThat(line.at("/vcpu/exit_io_out").asLong()).as("the UART's writes").isPositive();
        assertThat(line.at("/put_api_requests/actions_count").asLong()).isGreaterThanOrEqualTo(3);
        assertThat(line.at("/javisor/vcpu_exits/0/io_out").asLong()).isPositive();
        assertThat(line.at("/api_server/process_startup_time_us").asLong()).isPositive();
        UnixHttp.Answer prometheus = api("GET", "/metrics", null);
        assertThat(prometheus.headers().get("content-type")).startsWith("text/plain; version=0.0.4");
        assertThat(prometheus.body()).containsPattern("javisor_vcpu_exits_total\\{vm=\"1\",name=\"uart_ticks.elf\","
                + "vcpu=\"0\",reason=\"io_out\"} [1-9]");

        process.destroy(); // SIGTERM: the VM stops, the socket goes, a last metrics line is written
        assertThat(awaitExit(Duration.ofSeconds(30))).as("killed by SIGTERM, as Firecracker").isEqualTo(143);
        assertThat(socket).doesNotExist();
        assertThat(Files.readAllLines(metrics)).hasSizeGreaterThanOrEqualTo(2);
    }

    @Test
    @Timeout(300)
    void aConfigFileStartBootsFirstAndThenServesItsSocket() throws Exception {
        socket = tmp.resolve("fc.sock");
        Path config = Files.writeString(tmp.resolve("vm.json"), """
                {"boot-source": {"kernel_image_path": "%s"}, "machine-config": {"vcpu_count": 1, "mem_size_mib": 16}}
                """.formatted(GUESTS.resolve("uart_ticks.elf")));
        launch("--api-sock", socket.toString(), "--config-file", config.toString(), "--id", "from-file");
        awaitConsole(c -> ticks(c) >= 1 && Files.exists(socket), Duration.ofSeconds(30));
        assertThat(api("GET", "/", null).body()).contains("\"state\":\"Running\"").contains("\"id\":\"from-file\"");
        assertThat(api("GET", "/machine-config", null).body()).contains("\"mem_size_mib\":16");
        assertThat(api("PUT", "/actions", "{\"action_type\": \"InstanceStart\"}").status())
                .as("the config file started it").isEqualTo(400);
        expect204("PATCH", "/vm", "{\"state\": \"Paused\"}");
        assertThat(api("GET", "/", null).body()).contains("\"state\":\"Paused\"");
        process.destroy();
        assertThat(awaitExit(Duration.ofSeconds(30))).isEqualTo(143);
        assertThat(socket).doesNotExist();
    }

    /** Debian's kernel and the test initramfs, from the scripts (their cache outside the tree). */
    private static Map<String, String> debian() throws Exception {
        Map<String, String> m = new HashMap<>();
        Path errors = Files.createTempFile("firecracker-it", ".err");
        for (String script : List.of("fetch-debian-kernel.sh", "make-initramfs.sh")) {
            // stdin from /dev/null: a script's tool that reads it must not wait for the test
            Process p = new ProcessBuilder("bash", ROOT.resolve("scripts").resolve(script).toString())
                    .redirectInput(ProcessBuilder.Redirect.from(new java.io.File("/dev/null")))
                    .redirectError(errors.toFile()).start();
            String text = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
            assertThat(p.waitFor()).as(script + " (status 3: Debian's archive cannot be reached): "
                    + Files.readString(errors)).isZero();
            for (String l : text.split("\n")) {
                int eq = l.indexOf('=');
                if (eq > 0) {
                    m.put(l.substring(0, eq), l.substring(eq + 1));
                } else if (!l.isBlank()) {
                    m.put("initramfs", l.strip());
                }
            }
        }
        Files.delete(errors);
        return m;
    }

    @Test
    @Timeout(900)
    void debianBootsThroughTheApiWithItsDevicesAndShutsDownOnCtrlAltDel() throws Exception {
        Map<String, String> k = debian();
        Path disk = tmp.resolve("data.img");
        Files.write(disk, "firecracker drive".getBytes(StandardCharsets.US_ASCII));
        try (var f = java.nio.channels.FileChannel.open(disk, java.nio.file.StandardOpenOption.WRITE)) {
            f.truncate(1 << 20);
            f.write(java.nio.ByteBuffer.allocate(1), (1 << 20) - 1);
        }
        launchWithApi();
        expect204("PUT", "/boot-source", "{\"kernel_image_path\": \"" + k.get("vmlinux") + "\", \"initrd_path\": \""
                + k.get("initramfs") + "\", \"boot_args\": \"console=ttyS0 noxsave panic=-1 reboot=k "
                + "javisor.virtiotest javisor.acpid\"}");
        expect204("PUT", "/machine-config", "{\"vcpu_count\": 2, \"mem_size_mib\": 256}");
        expect204("PUT", "/drives/data", "{\"drive_id\": \"data\", \"path_on_host\": \"" + disk
                + "\", \"is_root_device\": false, \"is_read_only\": true}");
        expect204("PUT", "/entropy", "{}");
        expect204("PUT", "/actions", "{\"action_type\": \"InstanceStart\"}");
        String ready = awaitConsole(c -> c.contains("javisor-initramfs: ready"), Duration.ofSeconds(300));
        assertThat(ready).contains("smpboot: Allowing 2 CPUs")
                .contains("javisor-initramfs: vda 2048 sectors, read-only 1, serial data")
                .contains("javisor-initramfs: vda starts with firecracker driv")
                .contains("javisor-initramfs: hwrng")
                .contains("javisor-initramfs: acpid listening on event");
        assertThat(api("GET", "/vm/config", null).body()).contains("\"drive_id\":\"data\"");
        expect204("PUT", "/actions", "{\"action_type\": \"SendCtrlAltDel\"}");
        assertThat(awaitExit(Duration.ofSeconds(120))).as("powered off by itself").isZero();
        assertThat(console()).contains("javisor-initramfs: power button pressed, powering off");
        assertThat(socket).doesNotExist();
    }

    @Test
    @Timeout(900)
    void aConfigFileBootsDebianWithNoApi() throws Exception {
        Map<String, String> k = debian();
        Path config = tmp.resolve("vm.json");
        Files.writeString(config, """
                {
                  "boot-source": {"kernel_image_path": "%s", "initrd_path": "%s",
                                  "boot_args": "console=ttyS0 noxsave panic=-1 javisor.poweroff"},
                  "machine-config": {"vcpu_count": 1, "mem_size_mib": 192},
                  "logger": {"level": "Info", "log_path": "%s"}
                }
                """.formatted(k.get("vmlinux"), k.get("initramfs"), tmp.resolve("fc.log")));
        launch("--no-api", "--config-file", config.toString());
        assertThat(awaitExit(Duration.ofSeconds(300))).as("stderr: " + Files.readString(err)).isZero();
        assertThat(console()).contains("javisor-initramfs: Linux " + k.get("version") + " on 1 CPU(s)")
                .contains("javisor-initramfs: powering off");
    }
}
