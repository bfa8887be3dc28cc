package javisor.sys.seccomp;

import java.lang.foreign.Arena;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.Consumer;

import org.junit.jupiter.api.Test;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * Many filtered threads that malloc a lot (every Arena allocation is a malloc) make glibc hand some of them the main
 * arena, which grows with brk: a refused brk crashed the JVM in glibc's malloc (SIGSEGV at libc+0x96c98, seen first in
 * the KVM box under {@code -Djavisor.seccomp=on}, then in four of four runs of this test's body without brk and
 * mremap on the host). With the JVM's own calls as they are now, nothing is refused and the process lives.
 */
class MallocUnderFilterTest {
    private static final int THREADS = 40;
    private static final int ALLOCATIONS = 20_000;

    @Test
    void threadsUnderTheDeviceProfileMallocWithoutARefusal() throws Exception {
        ConcurrentLinkedQueue<SeccompSupervisor.Report> refusals = new ConcurrentLinkedQueue<>();
        Consumer<SeccompSupervisor.Report> observer = r -> {
            if (r.filter().equals("test-malloc") && !r.allowed()) {
                refusals.add(r);
            }
        };
        SeccompSupervisor.get().addObserver(observer);
        try {
            AtomicInteger finished = new AtomicInteger();
            List<Thread> threads = new ArrayList<>();
            for (int t = 0; t < THREADS; t++) {
                Thread th = Thread.ofPlatform().name("malloc-" + t).unstarted(() -> {
                    ThreadSandbox.install("test-malloc", ThreadProfile.DEVICE_IO.allowed(), ThreadSandbox.Mode.ON);
                    for (int i = 0; i < ALLOCATIONS; i++) {
                        try (Arena a = Arena.ofConfined()) {
                            a.allocate(64 + (i * 7919L) % 200_000);
                        }
                    }
                    finished.incrementAndGet();
                });
                ThreadSandbox.start(th);
                threads.add(th);
            }
            for (Thread th : threads) {
                th.join();
            }
            assertThat(finished).hasValue(THREADS);
            assertThat(refusals).as("calls refused to malloc on filtered threads").isEmpty();
        } finally {
            SeccompSupervisor.get().removeObserver(observer);
        }
    }
}
