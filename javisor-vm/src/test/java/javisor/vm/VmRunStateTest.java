package javisor.vm;

import java.time.Duration;
import java.util.EnumSet;
import java.util.List;
import java.util.Set;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicReference;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/** The lifecycle table and the run state that follows it, with no KVM: vCPU threads are played by the test. */
@Timeout(30)
class VmRunStateTest {
    private static final String WHO = "VM 7 (t)";

    /** AxVisor's lifecycle, written out once more as the test's own table. */
    private static Set<VmState> legalFrom(VmState s) {
        return switch (s) {
            case LOADING -> EnumSet.of(VmState.LOADED, VmState.STOPPED);
            case LOADED -> EnumSet.of(VmState.RUNNING, VmState.STOPPED);
            case RUNNING -> EnumSet.of(VmState.SUSPENDED, VmState.STOPPING);
            case SUSPENDED -> EnumSet.of(VmState.RUNNING, VmState.STOPPING);
            case STOPPING -> EnumSet.of(VmState.STOPPED);
            case STOPPED -> EnumSet.of(VmState.LOADED);
        };
    }

    /** A run state brought to {@code s} by legal moves only. */
    private static VmRunState in(VmState s) {
        VmRunState r = new VmRunState(WHO, 1);
        List<VmState> path = switch (s) {
            case LOADING -> List.of();
            case LOADED -> List.of(VmState.LOADED);
            case RUNNING -> List.of(VmState.LOADED, VmState.RUNNING);
            case SUSPENDED -> List.of(VmState.LOADED, VmState.RUNNING, VmState.SUSPENDED);
            case STOPPING -> List.of(VmState.LOADED, VmState.RUNNING, VmState.STOPPING);
            case STOPPED -> List.of(VmState.STOPPED);
        };
        path.forEach(r::moveTo);
        assertThat(r.state()).isEqualTo(s);
        return r;
    }

    @ParameterizedTest
    @EnumSource(VmState.class)
    void everyLegalMoveIsTakenAndEveryOtherRefusedNamingTheState(VmState from) {
        for (VmState to : VmState.values()) {
            VmRunState r = in(from);
            if (legalFrom(from).contains(to)) {
                r.moveTo(to);
                assertThat(r.state()).isEqualTo(to);
            } else {
                assertThatThrownBy(() -> r.moveTo(to)).isInstanceOf(IllegalStateException.class)
                        .hasMessage(WHO + " is " + from + " and cannot become " + to);
                assertThat(r.state()).as("a refused move changes nothing").isEqualTo(from);
            }
        }
        assertThat(VmState.values()).allSatisfy(to -> assertThat(from.canMoveTo(to))
                .isEqualTo(legalFrom(from).contains(to)));
    }

    @Test
    void aStopOfARunningVmGoesThroughStoppingAndTheLastVcpuEndsIt() {
        VmRunState r = new VmRunState(WHO, 2);
        r.moveTo(VmState.LOADED);
        r.start();
        AtomicReference<StopReason> seen = new AtomicReference<>();
        r.onStopped(seen::set);
        assertThat(r.requestStop(new StopReason.PowerOff())).as("vCPUs to kick").isTrue();
        assertThat(r.state()).isEqualTo(VmState.STOPPING);
        r.requestStop(new StopReason.Reset());
        assertThat(r.stopReason()).as("the first reason is kept").isEqualTo(new StopReason.PowerOff());
        r.vcpuExited();
        assertThat(r.state()).isEqualTo(VmState.STOPPING);
        assertThat(seen.get()).isNull();
        r.vcpuExited();
        assertThat(r.state()).isEqualTo(VmState.STOPPED);
        assertThat(seen.get()).isEqualTo(new StopReason.PowerOff());
    }

    @ParameterizedTest
    @EnumSource(value = VmState.class, names = {"LOADING", "LOADED"})
    void aVmThatNeverRanStopsAtOnce(VmState from) {
        VmRunState r = in(from);
        assertThat(r.requestStop(new StopReason.Stopped("vm stop"))).as("nothing to kick").isFalse();
        assertThat(r.state()).isEqualTo(VmState.STOPPED);
        assertThat(r.uptimeNanos()).isZero();
    }

    @ParameterizedTest
    @EnumSource(value = VmState.class, names = {"STOPPING", "STOPPED"})
    void aStopRequestOfAStoppingOrStoppedVmChangesNothing(VmState from) {
        VmRunState r = in(from);
        r.requestStop(new StopReason.Stopped("again"));
        assertThat(r.state()).isEqualTo(from);
    }

    @Test
    void aSuspendedVmCanBeStoppedAndItsParkedVcpusLeave() throws Exception {
        VmRunState r = new VmRunState(WHO, 1);
        r.moveTo(VmState.LOADED);
        r.start();
        r.suspend();
        CountDownLatch parked = new CountDownLatch(1);
        Thread vcpu = Thread.ofPlatform().start(() -> {
            try {
                parked.countDown();
                r.parkWhileSuspended();
                r.vcpuExited();
            } catch (InterruptedException e) {
                throw new AssertionError(e);
            }
        });
        assertThat(parked.await(5, TimeUnit.SECONDS)).isTrue();
        assertThat(r.awaitParked(Duration.ofSeconds(5))).isTrue();
        r.requestStop(new StopReason.Stopped("vm stop"));
        vcpu.join(5000);
        assertThat(r.state()).isEqualTo(VmState.STOPPED);
    }

    @Test
    void suspendAndResumeAreRefusedOutsideTheirStates() {
        assertThatThrownBy(() -> in(VmState.LOADED).suspend())
                .hasMessage(WHO + " is LOADED; only a RUNNING VM can be suspended");
        assertThatThrownBy(() -> in(VmState.RUNNING).resume())
                .hasMessage(WHO + " is RUNNING; only a SUSPENDED VM can be resumed");
        VmRunState r = in(VmState.RUNNING);
        r.suspend();
        assertThat(r.suspendRequested()).isTrue();
        r.resume();
        assertThat(r.state()).isEqualTo(VmState.RUNNING);
        assertThat(r.suspendRequested()).isFalse();
    }

    @Test
    void aSuspendDoesNotWaitForAVcpuParkedByCpuDown() throws Exception {
        VmRunState r = new VmRunState(WHO, 2);
        r.moveTo(VmState.LOADED);
        r.start();
        r.vcpuParked(); // vCPU 1 is down (CpuDown) and waits for a CpuUp
        r.suspend();
        Thread vcpu0 = Thread.ofPlatform().start(() -> {
            try {
                r.parkWhileSuspended();
            } catch (InterruptedException e) {
                throw new AssertionError(e);
            }
        });
        assertThat(r.awaitParked(Duration.ofSeconds(5))).as("both vCPUs are out of the guest").isTrue();
        r.resume();
        vcpu0.join(5000);
        assertThat(vcpu0.isAlive()).isFalse();
    }

    /** A RUNNING VM whose one vCPU thread has started. */
    private static VmRunState started() {
        VmRunState r = in(VmState.LOADED);
        r.start();
        return r;
    }

    @Test
    void aSuspendTimesOutWhileAVcpuIsStillInTheGuest() throws Exception {
        VmRunState r = started();
        r.suspend();
        assertThat(r.awaitParked(Duration.ofMillis(50))).isFalse();
    }

    @Test
    void vcpuThreadsThatAllEndWithoutAStopStillStopTheVm() {
        VmRunState r = started();
        r.vcpuExited();
        assertThat(r.state()).isEqualTo(VmState.STOPPED);
        assertThat(r.stopReason()).isEqualTo(new StopReason.HostError("every vCPU thread ended"));
    }

    @Test
    void awaitStoppedWaitsForTheLastVcpu() throws Exception {
        VmRunState r = started();
        r.requestStop(new StopReason.PowerOff());
        assertThat(r.awaitStopped(Duration.ofMillis(20))).isFalse();
        Thread.ofPlatform().start(r::vcpuExited);
        assertThat(r.awaitStopped(Duration.ofSeconds(5))).isTrue();
        assertThat(r.uptimeNanos()).isPositive();
    }
}
