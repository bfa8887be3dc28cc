package javisor.vmm;

import java.time.Duration;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;

import javisor.devices.HypervisorApi;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

import static org.assertj.core.api.Assertions.assertThat;

/** The hypervisor's services for devices: timers that fire at their deadline and can be cancelled. */
@Timeout(30)
class VmmServicesTest {
    @Test
    void timersFireAtTheirDeadlineAndCanBeCancelled() throws Exception {
        HypervisorApi api = new VmmServices();
        CountDownLatch fired = new CountDownLatch(1);
        AtomicLong firedAt = new AtomicLong();
        long deadline = System.nanoTime() + Duration.ofMillis(30).toNanos();
        api.registerTimer(deadline, now -> {
            firedAt.set(now);
            fired.countDown();
        });
        HypervisorApi.TimerToken cancelled = api.registerTimer(System.nanoTime() + Duration.ofMillis(20).toNanos(),
                now -> {
                    throw new AssertionError("a cancelled timer ran");
                });
        assertThat(api.cancelTimer(cancelled)).isTrue();
        assertThat(fired.await(5, TimeUnit.SECONDS)).isTrue();
        assertThat(firedAt.get()).isGreaterThanOrEqualTo(deadline);
        assertThat(api.cancelTimer(cancelled)).isFalse();
    }
}
