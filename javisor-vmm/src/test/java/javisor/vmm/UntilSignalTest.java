package javisor.vmm;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.concurrent.TimeUnit;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.fail;

/**
 * How a command that serves until a signal ends ({@link UntilSignal}), in a child JVM sent SIGTERM: status 0 after
 * its stop, whichever thread of the JVM's shutdown gets there first; HOST_ERROR, with the reason on stderr, when the
 * stop throws (not the JVM's own 143, which would read as a clean stop by the signal).
 */
class UntilSignalTest {
    private static final long PATIENCE_SECONDS = 60;

    @TempDir
    Path tmp;

    @Test
    void sigtermEndsTheCommandWithStatusZeroAfterItsStop() throws Exception {
        Ended ended = serveThenTerminate("ok");
        assertThat(ended.status()).as(ended.err()).isEqualTo(ExitStatus.OK);
        assertThat(ended.out()).isEqualTo("ready\nstopping\n");
    }

    @Test
    void aStopThatThrowsEndsWithHostErrorAndSaysWhy() throws Exception {
        Ended ended = serveThenTerminate("fail");
        assertThat(ended.status()).as(ended.err()).isEqualTo(ExitStatus.HOST_ERROR);
        assertThat(ended.out()).isEqualTo("ready\nstopping\n");
        assertThat(ended.err()).contains(
                "javisor: stopping failed: java.lang.IllegalStateException: the state file could not be removed");
    }

    private record Ended(int status, String out, String err) {
    }

    private Ended serveThenTerminate(String mode) throws Exception {
        Path out = tmp.resolve("out");
        Path err = tmp.resolve("err");
        Process child = new ProcessBuilder(ChildJvm.command(UntilSignalProbe.class.getName(), mode))
                .redirectOutput(out.toFile()).redirectError(err.toFile()).start();
        try {
            long limit = System.nanoTime() + TimeUnit.SECONDS.toNanos(PATIENCE_SECONDS);
            while (!Files.readString(out).contains("ready")) {
                if (!child.isAlive() || System.nanoTime() > limit) {
                    fail("the probe did not get ready; stderr:\n" + Files.readString(err));
                }
                Thread.sleep(5);
            }
            child.destroy(); // SIGTERM
            if (!child.waitFor(PATIENCE_SECONDS, TimeUnit.SECONDS)) {
                fail("the probe did not end after SIGTERM; stderr:\n" + Files.readString(err));
            }
            return new Ended(child.exitValue(), Files.readString(out), Files.readString(err));
        } finally {
            child.destroyForcibly();
        }
    }
}
