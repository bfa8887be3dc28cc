package javisor.virtio;

import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;

import org.junit.jupiter.api.Test;

import static org.assertj.core.api.Assertions.assertThat;

/** A queue's I/O thread: a handler that throws must not leave the driver waiting on a silently dead thread. */
class QueueWorkerTest {
    @Test
    void aHandlerThatThrowsMakesTheWorkerReportItsFailure() throws Exception {
        CountDownLatch failed = new CountDownLatch(1);
        try (Doorbell bell = new Doorbell()) {
            QueueWorker w = QueueWorker.start("test", bell, () -> {
                throw new IllegalStateException("a bug in a device");
            }, failed::countDown);
            assertThat(failed.await(10, TimeUnit.SECONDS)).isTrue();
            w.stop();
        }
    }
}
