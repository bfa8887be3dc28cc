package javisor.api.firecracker;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.concurrent.TimeUnit;

import org.junit.jupiter.api.RepeatedTest;
import org.junit.jupiter.api.io.TempDir;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.fail;

/**
 * SIGTERM to {@code javisor firecracker} waiting for its API client ends it with 143, as Firecracker, and removes
 * the socket. No KVM needed: nothing has started a microVM. The status came from a race (the main thread's halt
 * with 0 against the JVM's shutdown sequence): 0 on this host every time, 143 mostly in the KVM box; so, repeated.
 */
class FirecrackerSignalTest {
    private static final long PATIENCE_SECONDS = 60;

    @TempDir
    Path tmp;

    @RepeatedTest(3)
    void sigtermWhileWaitingForTheClientEndsWith143AndRemovesTheSocket() throws Exception {
        Path socket = tmp.resolve("fc.sock");
        Path err = tmp.resolve("err");
        String modulePath = System.getProperty("jdk.module.path");
        assertThat(modulePath).as("tests run on the module path").isNotNull();
        Process child = new ProcessBuilder(ProcessHandle.current().info().command().orElse("java"),
                "-XX:TieredStopAtLevel=1", "--enable-native-access=javisor.sys", "-p", modulePath,
                "-m", "javisor.api/javisor.api.firecracker.FirecrackerMain", "--api-sock", socket.toString())
                .redirectOutput(tmp.resolve("out").toFile()).redirectError(err.toFile()).start();
        try {
            long limit = System.nanoTime() + TimeUnit.SECONDS.toNanos(PATIENCE_SECONDS);
            while (!Files.exists(socket)) {
                if (!child.isAlive() || System.nanoTime() > limit) {
                    fail("the API socket did not appear; stderr:\n" + Files.readString(err));
                }
                Thread.sleep(5);
            }
            child.destroy(); // SIGTERM
            if (!child.waitFor(PATIENCE_SECONDS, TimeUnit.SECONDS)) {
                fail("javisor firecracker did not end after SIGTERM; stderr:\n" + Files.readString(err));
            }
            assertThat(child.exitValue()).as(Files.readString(err)).isEqualTo(143);
            assertThat(socket).doesNotExist();
        } finally {
            child.destroyForcibly();
        }
    }
}
