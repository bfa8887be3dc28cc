package javisor.sys.kvm;

import java.util.concurrent.Callable;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;

import javisor.sys.Errno;
import javisor.sys.VcpuKick;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

import static javisor.sys.kvm.TestVm.ENTRY;
import static org.assertj.core.api.Assertions.assertThat;

/**
 * {@link VcpuKick} against a real vCPU: a guest spinning on {@code jmp $} in KVM_RUN on its own platform
 * thread is kicked out with EINTR (only the signal can end a KVM_RUN already in the guest); a kick sent while the
 * thread is outside KVM_RUN is not lost; once {@code immediate_exit} is cleared, KVM_RUN is not cut short, also
 * after signals that came while the thread was outside it. Tagged "kvm": run where there is a /dev/kvm.
 *
 * <p>Every vCPU ioctl runs on one platform thread (a single-thread executor); the test thread waits for it
 * only with time limits, so no outcome can hang the build. No assertion is made on speed: under PVM the
 * guest is emulated and exits are slow.
 */
@Timeout(value = 120, unit = TimeUnit.SECONDS)
@Tag("kvm")
class VcpuKickTest {
    /** Upper bound for anything that should take milliseconds: reached only when the test is failing. */
    private static final long GENEROUS_SECONDS = 5;
    /** How long a run is watched to make sure it is not cut short. */
    private static final long QUIET_MILLIS = 100;

    private TestVm vm;
    private ExecutorService vcpuThread;
    /** The vCPU under test; its subclass asks which KVM_RUN downcall it took. */
    VcpuFd vcpu;
    private int vcpuThreadId;
    private Future<Integer> inFlight;

    @BeforeEach
    void startVcpuThread() throws Exception {
        TestVm.requireKvm(); // per test, so that each test reports the reason
        vm = TestVm.create();
        vm.load(ENTRY, 0xEB, 0xFE); // jmp $
        vcpuThread = Executors.newSingleThreadExecutor(Thread.ofPlatform().daemon().name("vcpu-0").factory());
        onVcpuThread(() -> {
            vcpu = vm.vm.createVcpu(0);
            TestVm.startInRealMode(vcpu, ENTRY);
            vcpuThreadId = VcpuKick.prepareCurrentThread();
            return null;
        });
    }

    @AfterEach
    void stopVcpuThread() throws Exception {
        boolean stopped = inFlight == null || stopRun();
        if (vcpuThread != null && stopped) {
            if (vcpu != null) {
                onVcpuThread(() -> {
                    vcpu.close();
                    return null;
                });
            }
            vcpuThread.shutdown();
            assertThat(vcpuThread.awaitTermination(GENEROUS_SECONDS, TimeUnit.SECONDS)).isTrue();
        }
        if (vm != null && stopped) {
            vm.close();
        }
        assertThat(stopped).as("the vCPU thread left KVM_RUN (else it and its VM are left to the JVM's exit)")
                .isTrue();
    }

    @Test
    void aKickInterruptsAGuestSpinningInKvmRun() throws Exception {
        Future<Integer> run = startRun();
        Thread.sleep(50);
        assertThat(run.isDone()).as("KVM_RUN returned before any kick").isFalse();

        kick();

        assertThat(finish(run)).as("KVM_RUN after a kick").isEqualTo(-Errno.EINTR);
        assertThat(vcpu.kvmRun().exitReason()).isEqualTo(KvmConstants.EXIT_INTR);
        assertThat(onVcpuThread(() -> vcpu.getRegs().rip())).as("the guest is still at its jmp $").isEqualTo(ENTRY);
    }

    @Test
    void aKickSentOutsideKvmRunIsNotLost() throws Exception {
        interruptOnce();

        kick(); // the vCPU thread is idle, waiting for its next task: not in KVM_RUN; it takes the signal now

        assertThat(finish(startRun())).as("the next KVM_RUN returns at once").isEqualTo(-Errno.EINTR);
    }

    @Test
    void onceImmediateExitIsClearedKvmRunIsNotCutShort() throws Exception {
        interruptOnce();
        vcpu.kvmRun().setImmediateExit(false); // what VCpu.run does after an EINTR

        Future<Integer> run = startRun();
        Thread.sleep(QUIET_MILLIS);
        assertThat(run.isDone()).as("KVM_RUN returned with no kick sent (a stale kick was left behind)").isFalse();

        kick();
        assertThat(finish(run)).isEqualTo(-Errno.EINTR);
    }

    @Test
    void signalsTakenOutsideKvmRunLeaveNothingBehind() throws Exception {
        VcpuKick.kick(vcpuThreadId);
        VcpuKick.kick(vcpuThreadId);
        VcpuKick.kick(vcpuThreadId); // real-time signals queue; the handler takes each as it comes

        Future<Integer> run = startRun();
        Thread.sleep(QUIET_MILLIS);
        assertThat(run.isDone()).as("KVM_RUN returned: a signal was left pending").isFalse();

        kick();
        assertThat(finish(run)).isEqualTo(-Errno.EINTR);
    }

    // ---------------------------------------------------------------- helpers

    /** A kick as {@code VCpu.kick} makes it: immediate_exit, then the signal. */
    private void kick() {
        vcpu.kvmRun().setImmediateExit(true);
        VcpuKick.kick(vcpuThreadId);
    }

    /** Runs the guest until a kick ends KVM_RUN; immediate_exit stays set afterwards. */
    private void interruptOnce() throws Exception {
        Future<Integer> run = startRun();
        Thread.sleep(50);
        kick();
        assertThat(finish(run)).isEqualTo(-Errno.EINTR);
    }

    private Future<Integer> startRun() {
        inFlight = vcpuThread.submit(() -> vcpu.run());
        return inFlight;
    }

    /** The run's result, failing (not hanging) if it does not come within {@link #GENEROUS_SECONDS}. */
    private int finish(Future<Integer> run) throws Exception {
        try {
            return run.get(GENEROUS_SECONDS, TimeUnit.SECONDS);
        } catch (TimeoutException e) {
            throw new AssertionError("KVM_RUN did not return within " + GENEROUS_SECONDS + " s of the kick", e);
        }
    }

    private <T> T onVcpuThread(Callable<T> task) throws Exception {
        return vcpuThread.submit(task).get(GENEROUS_SECONDS, TimeUnit.SECONDS);
    }

    /** Ends a run a failed test left in KVM_RUN: immediate_exit plus kicks. True once it has returned. */
    private boolean stopRun() throws InterruptedException {
        for (int attempt = 0; attempt < 5 && !inFlight.isDone(); attempt++) {
            kick();
            try {
                inFlight.get(1, TimeUnit.SECONDS);
            } catch (TimeoutException | ExecutionException e) {
                // try again
            }
        }
        vcpu.kvmRun().setImmediateExit(false);
        return inFlight.isDone();
    }
}
