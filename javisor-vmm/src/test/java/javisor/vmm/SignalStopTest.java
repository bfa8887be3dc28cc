package javisor.vmm;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.concurrent.TimeUnit;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.fail;

/**
 * What a signal does to a command ({@link SignalStop}), in a child JVM sent SIGTERM: the status the command chose
 * after its stop, whichever thread of the JVM's shutdown gets there first; HOST_ERROR, with the reason on stderr,
 * when the stop throws (not the JVM's own 143, which would read as a clean stop by the signal); 143 when the stop
 * leaves the exit to the JVM, or was removed.
 */
class SignalStopTest {
    private static final int JVM_SIGTERM_STATUS = 143;
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

    @Test
    void theStatusIsAskedForAfterTheStop() throws Exception {
        Ended ended = serveThenTerminate("status");
        assertThat(ended.status()).as(ended.err()).isEqualTo(7);
        assertThat(ended.out()).isEqualTo("ready\nstopping\n");
    }

    @Test
    void aStopThatDoesNotHaltLeavesTheJvmsOwnStatus() throws Exception {
        Ended ended = serveThenTerminate("stopping");
        assertThat(ended.status()).as(ended.err()).isEqualTo(JVM_SIGTERM_STATUS);
        assertThat(ended.out()).isEqualTo("ready\nstopping\n");
    }

    @Test
    void aRemovedStopDoesNotRun() throws Exception {
        Ended ended = serveThenTerminate("removed");
        assertThat(ended.status()).as(ended.err()).isEqualTo(JVM_SIGTERM_STATUS);
        assertThat(ended.out()).isEqualTo("removed true\nready\n");
    }

    private record Ended(int status, String out, String err) {
    }

    private Ended serveThenTerminate(String mode) throws Exception {
        Path out = tmp.resolve("out");
        Path err = tmp.resolve("err");
        Process child = new ProcessBuilder(ChildJvm.command(SignalStopProbe.class.getName(), mode))
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
