package javisor.api.firecracker;

import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.FileTime;
import java.time.Instant;
import java.util.List;
import java.util.concurrent.TimeUnit;

import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import static org.assertj.core.api.Assertions.assertThat;

/** The launcher's firecracker mode: by its word, and under the name {@code firecracker} (a link to it). */
class FirecrackerLauncherIT {
    private static final Path ROOT = Path.of(System.getProperty("javisor.root", "..")).toAbsolutePath().normalize();

    @TempDir
    Path tmp;

    @BeforeAll
    static void theseJarsAreTheBuild() throws Exception {
        // As LauncherIT: the jars were packaged by this build, so the launcher must not start a nested one.
        Path stamp = ROOT.resolve("javisor-vmm/target/lib/.built");
        if (!Files.exists(stamp)) {
            Files.createFile(stamp);
        }
        Files.setLastModifiedTime(stamp, FileTime.from(Instant.now()));
    }

    private record Run(int status, String out, String err) {
    }

    private Run launch(Path launcher, String... args) throws Exception {
        List<String> command = new java.util.ArrayList<>(List.of(launcher.toString()));
        command.addAll(List.of(args));
        ProcessBuilder pb = new ProcessBuilder(command).directory(tmp.toFile());
        pb.environment().put("JAVISOR_BOX", "never");
        pb.environment().remove("JAVA_HOME");
        Path out = tmp.resolve("out");
        Path err = tmp.resolve("err");
        Process p = pb.redirectOutput(out.toFile()).redirectError(err.toFile()).start();
        assertThat(p.waitFor(240, TimeUnit.SECONDS)).as("the launcher ended").isTrue();
        return new Run(p.exitValue(), Files.readString(out), Files.readString(err));
    }

    @Test
    void underTheNameFirecrackerTheLauncherIsFirecrackersCommandLine() throws Exception {
        Path link = Files.createSymbolicLink(tmp.resolve("firecracker"), ROOT.resolve("javisor"));
        Run help = launch(link, "--help");
        assertThat(help.status()).as(help.err()).isZero();
        assertThat(help.out()).startsWith("Usage: javisor firecracker");
        Run bad = launch(link, "--api-sock");
        assertThat(bad.status()).isEqualTo(2);
        assertThat(bad.err()).contains("javisor firecracker: option --api-sock needs a value");
    }

    @Test
    void javisorRunsModulePathHasNeitherJettyNorJackson() throws Exception {
        try (var jars = Files.list(ROOT.resolve("javisor-vmm/target/lib"))) {
            assertThat(jars.map(j -> j.getFileName().toString()).toList()).isNotEmpty()
                    .noneMatch(name -> name.startsWith("jetty") || name.startsWith("jackson")
                            || name.startsWith("slf4j") || name.startsWith("javisor-api"));
        }
    }

    @Test
    void javisorFirecrackerServesTheApiWithoutKvmUntilInstanceStart() throws Exception {
        Path socket = tmp.resolve("fc.sock");
        ProcessBuilder pb = new ProcessBuilder(ROOT.resolve("javisor").toString(), "firecracker", "--api-sock",
                socket.toString()).directory(tmp.toFile());
        pb.environment().put("JAVISOR_BOX", "never");
        Process p = pb.redirectErrorStream(true).redirectOutput(tmp.resolve("log").toFile()).start();
        try {
            // The launcher's first run may link its runtime image; JVMs start ten times slower in the KVM box.
            long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(System.getenv("JAVISOR_IN_BOX") != null
                    || System.getenv("KVMBOX") != null ? 600 : 120);
            while (!Files.exists(socket) && p.isAlive() && System.nanoTime() < deadline) {
                Thread.sleep(20);
            }
            assertThat(socket).as(Files.readString(tmp.resolve("log"))).exists();
            assertThat(UnixHttp.send(socket, "GET", "/version", null).body()).isEqualTo("{\"firecracker_version\":\""
                    + FirecrackerInstance.FIRECRACKER_API_VERSION + "\"}");
        } finally {
            p.destroy();
            assertThat(p.waitFor(30, TimeUnit.SECONDS)).isTrue();
        }
        assertThat(socket).as("removed on SIGTERM").doesNotExist();
    }
}
