package javisor.vm.hypercall;

import static javisor.vcpu.hypercall.HypercallError.ENOSYS;
import static org.assertj.core.api.Assertions.assertThat;

import java.util.Optional;
import java.util.Set;

import com.code_intelligence.jazzer.api.FuzzedDataProvider;
import com.code_intelligence.jazzer.junit.FuzzTest;

import javisor.vcpu.hypercall.Hypercall;
import javisor.vm.hypercall.HypercallDispatcher.Outcome;
import javisor.vm.ivc.FakeVm;
import javisor.vm.ivc.IvcChannelInfo;
import javisor.vm.ivc.IvcRegistry;

/**
 * Coverage-guided: three hostile VMs (two with IVC windows, one without) make any sequence of hypercalls with any
 * numbers and arguments, IVC publish/subscribe/notify storms included. Each call ends in an outcome, never an
 * exception; unknown numbers are ENOSYS; every channel mapping a VM holds is one the registry knows; and when the
 * VMs leave, every channel and every mapping is gone. The callers are {@link FakeVm}s (real guest memory; the KVM
 * memory slots they would map are recorded, since only KVM has them).
 */
class HypercallFuzzer {
    private static final long[] POINTERS = {0, 8, 0x1000, 0x1008, 0xff8, FakeVm.RAM - 8, FakeVm.RAM, FakeVm.ROM,
        FakeVm.ROM + 0x1000, 0x8000_0000L, -8, Long.MIN_VALUE, Long.MAX_VALUE};
    private static final long[] NUMBERS = {0, 1, 2, 3, 7, 0x1000, 0x2001, 0x1_0000, 0x4_0000, 0x10_0000, -1};

    @FuzzTest
    void anyHypercallsFromThreeVms(FuzzedDataProvider data) {
        IvcRegistry registry = new IvcRegistry();
        HypercallDispatcher dispatcher = new HypercallDispatcher(registry);
        FakeVm[] vms = {FakeVm.withWindow(1, 0x10_0000, 0x4_0000, Set.of()),
            FakeVm.withWindow(2, 0x2_0000, 0x1_0000, Set.of(1L)), new FakeVm(3, Optional.empty(), 4)};
        try {
            int calls = data.consumeInt(1, 48);
            for (int i = 0; i < calls && data.remainingBytes() > 0; i++) {
                FakeVm vm = vms[data.consumeInt(0, vms.length - 1)];
                long nr = data.consumeBoolean() ? data.pickValue(Hypercall.values()).nr() : data.consumeLong();
                long[] args = new long[data.consumeInt(0, 7)];
                for (int a = 0; a < args.length; a++) {
                    args[a] = switch (data.consumeInt(0, 2)) {
                        case 0 -> data.pickValue(POINTERS) + data.consumeInt(-16, 16);
                        case 1 -> data.pickValue(NUMBERS);
                        default -> data.consumeLong();
                    };
                }
                Outcome outcome = dispatcher.dispatch(vm, data.consumeInt(0, 3), nr, args);
                assertThat(outcome).isNotNull();
                if (Hypercall.of(nr).isEmpty()) {
                    assertThat(outcome).isEqualTo(new Outcome.Result(ENOSYS));
                }
            }
            for (FakeVm vm : vms) {
                assertThat(vm.mappings).as("VM %d's mappings are the registry's", vm.id())
                        .hasSize(channelsHeldBy(registry, vm.id()));
            }
            for (FakeVm vm : vms) {
                registry.leaveAll(vm);
            }
            assertThat(registry.list()).as("no channel outlives its VMs").isEmpty();
            for (FakeVm vm : vms) {
                assertThat(vm.mappings).as("VM %d holds no mapping after leaving", vm.id()).isEmpty();
            }
        } finally {
            registry.closeAll();
            for (FakeVm vm : vms) {
                vm.close();
            }
        }
    }

    private static int channelsHeldBy(IvcRegistry registry, long vmId) {
        int held = 0;
        for (IvcChannelInfo c : registry.list()) {
            if (c.publisherId() == vmId && c.publisherAddress().isPresent()) {
                held++;
            }
            if (c.subscriberAddresses().containsKey(vmId)) {
                held++;
            }
        }
        return held;
    }
}
