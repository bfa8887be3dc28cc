package javisor.vmm;

import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.concurrent.TimeUnit;

import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.fail;

/**
 * SIGTERM to {@code javisor run} (its main class in a JVM of its own, as the launcher starts it): the VM is
 * stopped by the signal, the status says it stopped as asked (0, as {@code javisor serve}), and nothing is
 * reported as an error. It once printed {@code IllegalStateException: Shutdown in progress} and ended with 6 or
 * 143, whichever of two halts came first.
 */
@Timeout(300)
@Tag("kvm")
class RunSignalTest {
    private static final Duration PATIENCE = TestGuests.patience(Duration.ofSeconds(30));

    @TempDir
    Path tmp;

    @BeforeEach
    void checks() {
        TestGuests.requireKvm();
    }

    @Test
    void sigtermStopsTheVmAndEndsWithStatusZero() throws Exception {
        Path out = tmp.resolve("out");
        Path err = tmp.resolve("err");
        Process run = new ProcessBuilder(ChildJvm.command("javisor.vmm.Main", "run", "--kernel",
                TestGuests.image("spin.elf").toString())).redirectOutput(out.toFile()).redirectError(err.toFile())
                .start();
        try {
            long limit = System.nanoTime() + PATIENCE.toNanos();
            while (!Files.readString(out).contains("spinning")) {
                if (!run.isAlive() || System.nanoTime() > limit) {
                    fail("the guest did not print; stderr:\n" + Files.readString(err));
                }
                Thread.sleep(20);
            }
            run.destroy(); // SIGTERM
            if (!run.waitFor(PATIENCE.toSeconds(), TimeUnit.SECONDS)) {
                fail("javisor run did not end after SIGTERM; stderr:\n" + Files.readString(err));
            }
            String errors = Files.readString(err);
            assertThat(run.exitValue()).as(errors).isEqualTo(ExitStatus.OK);
            assertThat(errors).doesNotContain("Exception").doesNotContain("javisor:");
        } finally {
            run.destroyForcibly();
        }
    }
}
