package javisor.sys.seccomp;

import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicReference;
import java.util.function.Consumer;

import javisor.sys.Errno;
import javisor.sys.LibC;
import javisor.sys.NativeException;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/**
 * Filters installed for real, each on a thread the test starts (a filter lasts as long as its thread, so the
 * test runner's own threads never get one). The allowlists here are every x86_64 call but the ones under test,
 * so what the JVM does on the thread meanwhile is never refused and the test does not depend on it.
 */
@Timeout(value = 60, unit = TimeUnit.SECONDS)
class SeccompInstallTest {
    private static final int OPENAT = SyscallNames.number("openat");
    private static final int GETPID = SyscallNames.number("getpid");

    private final LinkedBlockingQueue<SeccompSupervisor.Report> reports = new LinkedBlockingQueue<>();
    private final Consumer<SeccompSupervisor.Report> observer = reports::add;

    @BeforeEach
    void observe() {
        SeccompSupervisor.get().addObserver(observer);
    }

    @AfterEach
    void stopObserving() {
        SeccompSupervisor.get().removeObserver(observer);
    }

    private static List<Integer> everyCallBut(int... refused) {
        List<Integer> all = new ArrayList<>(SyscallNames.all().keySet());
        for (int nr : refused) {
            all.remove(Integer.valueOf(nr));
        }
        return all;
    }

    /** Runs {@code body} on a new platform thread named {@code name}, waits for it, and rethrows its failure. */
    private static void onThread(String name, Runnable body) throws InterruptedException {
        AtomicReference<Throwable> failure = new AtomicReference<>();
        Thread t = Thread.ofPlatform().name(name).start(() -> {
            try {
                body.run();
            } catch (Throwable e) {
                failure.set(e);
            }
        });
        t.join();
        if (failure.get() != null) {
            throw new AssertionError(name + " failed", failure.get());
        }
    }

    /** The next report of filter {@code label}, skipping other tests' (the supervisor is the process's). */
    private SeccompSupervisor.Report nextReport(String label) throws InterruptedException {
        while (true) {
            SeccompSupervisor.Report r = reports.poll(10, TimeUnit.SECONDS);
            assertThat(r).as("a report from filter " + label).isNotNull();
            if (r.filter().equals(label)) {
                return r;
            }
        }
    }

    @Test
    void aDisallowedCallIsStoppedWithEpermAndReportedWithTheCallAndTheThread() throws Exception {
        AtomicReference<NativeException> refused = new AtomicReference<>();
        int[] tid = new int[1];
        int[] getpid = new int[1];
        onThread("seccomp-test-refused", () -> {
            tid[0] = LibC.gettid();
            ThreadSandbox.install("test-refused", everyCallBut(OPENAT, GETPID), ThreadSandbox.Mode.ON);
            try {
                LibC.close(LibC.open("/dev/null", LibC.O_RDONLY));
            } catch (NativeException e) {
                refused.set(e);
            }
            getpid[0] = LibC.getpid(); // the raw result: -1, errno EPERM
            // allowed calls still work
            assertThat(LibC.gettid()).isEqualTo(tid[0]);
            int efd = LibC.eventfd(0, LibC.EFD_CLOEXEC);
            LibC.eventfdWrite(efd, 3);
            assertThat(LibC.eventfdRead(efd)).isEqualTo(3);
            LibC.close(efd);
        });

        assertThat(refused.get()).as("open under a filter without openat").isNotNull();
        assertThat(refused.get().errno()).isEqualTo(Errno.EPERM);
        assertThat(getpid[0]).isEqualTo(-1);

        SeccompSupervisor.Report first = nextReport("test-refused");
        assertThat(first.allowed()).isFalse();
        assertThat(first.nr()).isEqualTo(OPENAT);
        assertThat(first.tid()).isEqualTo(tid[0]);
        assertThat(first.line()).isEqualTo("seccomp: thread seccomp-test-refused (tid " + tid[0]
                + ") called openat (257): refused (filter test-refused)");
        // Between the two, loading a class the exception needs from a directory may have been refused too.
        SeccompSupervisor.Report next = nextReport("test-refused");
        while (next.nr() == OPENAT) {
            next = nextReport("test-refused");
        }
        assertThat(next.call()).isEqualTo("getpid (39)");
        assertThat(next.tid()).isEqualTo(tid[0]);

        // The test's own thread has no filter.
        assertThat(Seccomp.currentThreadFiltered()).isFalse();
        assertThat(LibC.getpid()).isEqualTo((int) ProcessHandle.current().pid());
    }

    /**
     * A held thread may hold a lock that reporting needs (a class loader's, measured); the answer must not wait for
     * the report. Here the report waits for a lock the refused thread holds while its call is held: the call still
     * gets its EPERM, the thread lets the lock go, and the report follows.
     */
    @Test
    void aRefusedCallIsAnsweredEvenWhileItsReportWaitsForALockTheCallerHolds() throws Exception {
        java.util.concurrent.locks.ReentrantLock lock = new java.util.concurrent.locks.ReentrantLock();
        java.util.concurrent.CountDownLatch reportTaken = new java.util.concurrent.CountDownLatch(1);
        Consumer<SeccompSupervisor.Report> blocking = r -> {
            if (r.filter().equals("test-lock")) {
                lock.lock(); // held by the refused thread until its call returns
                lock.unlock();
                reportTaken.countDown();
            }
        };
        SeccompSupervisor.get().addObserver(blocking);
        try {
            AtomicReference<NativeException> refused = new AtomicReference<>();
            onThread("seccomp-test-lock", () -> {
                ThreadSandbox.install("test-lock", everyCallBut(OPENAT), ThreadSandbox.Mode.ON);
                lock.lock();
                try {
                    LibC.open("/dev/null", LibC.O_RDONLY);
                } catch (NativeException e) {
                    refused.set(e);
                } finally {
                    lock.unlock();
                }
            });
            assertThat(refused.get().errno()).isEqualTo(Errno.EPERM);
            assertThat(reportTaken.await(10, TimeUnit.SECONDS)).isTrue();
        } finally {
            SeccompSupervisor.get().removeObserver(blocking);
        }
    }

    @Test
    void aThreadCreatedByAFilteredThreadInheritsItsFilter() throws Exception {
        int[] childTid = new int[1];
        AtomicReference<NativeException> refused = new AtomicReference<>();
        onThread("seccomp-test-parent", () -> {
            ThreadSandbox.install("test-inherited", everyCallBut(OPENAT), ThreadSandbox.Mode.ON);
            try {
                Thread child = Thread.ofPlatform().name("seccomp-child").start(() -> {
                    childTid[0] = LibC.gettid();
                    try {
                        LibC.close(LibC.open("/dev/null", LibC.O_RDONLY));
                    } catch (NativeException e) {
                        refused.set(e);
                    }
                });
                child.join();
            } catch (InterruptedException e) {
                throw new AssertionError(e);
            }
        });

        assertThat(refused.get()).isNotNull();
        assertThat(refused.get().errno()).isEqualTo(Errno.EPERM);
        SeccompSupervisor.Report r = nextReport("test-inherited");
        assertThat(r.tid()).isEqualTo(childTid[0]);
        assertThat(r.thread()).as("the kernel's name of a thread the filter's owner made").isEqualTo("seccomp-child");
        assertThat(r.call()).isEqualTo("openat (257)");
    }

    @Test
    void aThreadStartedThroughTheSandboxInheritsNoFilter() throws Exception {
        boolean[] childFiltered = {true};
        int[] childFd = {-1};
        onThread("seccomp-test-starter", () -> {
            ThreadSandbox.install("test-starter", everyCallBut(OPENAT), ThreadSandbox.Mode.ON);
            Thread child = Thread.ofPlatform().name("seccomp-free").unstarted(() -> {
                childFiltered[0] = Seccomp.currentThreadFiltered();
                childFd[0] = LibC.open("/dev/null", LibC.O_RDONLY);
                LibC.close(childFd[0]);
            });
            ThreadSandbox.start(child);
            try {
                child.join();
            } catch (InterruptedException e) {
                throw new AssertionError(e);
            }
        });
        assertThat(childFiltered[0]).isFalse();
        assertThat(childFd[0]).isNotNegative();
    }

    @Test
    void theProfilesNameRealCallsAndAllowTheJvmsOwn() {
        for (ThreadProfile p : ThreadProfile.values()) {
            assertThat(p.allowed()).doesNotHaveDuplicates();
            assertThat(p.allowed()).containsAll(ThreadProfile.jvmRuntime());
            assertThat(p.allowed()).as(p.label() + " opens no file")
                    .doesNotContain(OPENAT, SyscallNames.number("open"), SyscallNames.number("execve"));
        }
        assertThat(ThreadProfile.VCPU.allowed().getFirst()).as("KVM_RUN's call first")
                .isEqualTo(SyscallNames.number("ioctl"));
    }

    @Test
    void theSwitchTakesItsFourValuesAndRefusesOthers() {
        assertThat(ThreadSandbox.Mode.parse("")).isEqualTo(ThreadSandbox.Mode.OFF);
        assertThat(ThreadSandbox.Mode.parse("on")).isEqualTo(ThreadSandbox.Mode.ON);
        assertThat(ThreadSandbox.Mode.parse("learn")).isEqualTo(ThreadSandbox.Mode.LEARN);
        assertThat(ThreadSandbox.Mode.parse("Learn-All")).isEqualTo(ThreadSandbox.Mode.LEARN_ALL);
        assertThatThrownBy(() -> ThreadSandbox.Mode.parse("strict"))
                .hasMessageContaining("-Djavisor.seccomp=strict");
    }

    @Test
    void learningLetsTheCallRunAndRecordsIt() throws Exception {
        int[] pid = new int[1];
        onThread("seccomp-test-learn", () -> {
            ThreadSandbox.install("test-learn", everyCallBut(GETPID), ThreadSandbox.Mode.LEARN);
            pid[0] = LibC.getpid();
        });

        assertThat(pid[0]).isEqualTo((int) ProcessHandle.current().pid());
        SeccompSupervisor.Report r = nextReport("test-learn");
        assertThat(r.allowed()).isTrue();
        assertThat(r.line()).contains("thread seccomp-test-learn").contains("getpid (39): allowed (learning");
        assertThat(SeccompSupervisor.get().learned().get("test-learn")).containsExactly(GETPID);
    }

    @Test
    void learnAllRecordsWhatAThreadReallyCalls() throws Exception {
        onThread("seccomp-test-learn-all", () -> {
            ThreadSandbox.install("test-learn-all", List.of(), ThreadSandbox.Mode.LEARN_ALL);
            LibC.getpid();
            LibC.close(LibC.eventfd(0, LibC.EFD_CLOEXEC));
        });

        // Reports come in the order of the calls; the reporter records each before it tells observers.
        List<Integer> seen = new ArrayList<>();
        while (!seen.contains(SyscallNames.number("close"))) {
            SeccompSupervisor.Report r = nextReport("test-learn-all");
            assertThat(r.allowed()).isTrue();
            seen.add(r.nr());
        }
        assertThat(SeccompSupervisor.get().learned().get("test-learn-all"))
                .contains(GETPID, SyscallNames.number("eventfd2"), SyscallNames.number("close"));
    }

    @Test
    void anErrnoFilterRefusesWithoutAListener() throws Exception {
        AtomicReference<NativeException> refused = new AtomicReference<>();
        int[] fd = new int[1];
        onThread("seccomp-test-errno", () -> {
            fd[0] = Seccomp.installOnCurrentThread(
                    new SeccompFilter("test-errno", everyCallBut(OPENAT), SeccompFilter.errno(Errno.EACCES)));
            assertThat(Seccomp.currentThreadFiltered()).isTrue();
            try {
                LibC.open("/dev/null", LibC.O_RDONLY);
            } catch (NativeException e) {
                refused.set(e);
            }
        });
        assertThat(fd[0]).isEqualTo(-1);
        assertThat(refused.get().errno()).isEqualTo(Errno.EACCES);
    }
}
