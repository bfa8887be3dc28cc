package javisor.vm.hypercall;

import java.nio.charset.StandardCharsets;
import java.util.Set;

import javisor.memory.GuestAddress;
import javisor.vcpu.hypercall.Hypercall;
import javisor.vm.StopReason;
import javisor.vm.hypercall.HypercallDispatcher.Outcome;
import javisor.vm.ivc.FakeVm;
import javisor.vm.ivc.IvcRegistry;
import javisor.vm.ivc.IvcService;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

import static javisor.vcpu.hypercall.HypercallError.EFAULT;
import static javisor.vcpu.hypercall.HypercallError.EINVAL;
import static javisor.vcpu.hypercall.HypercallError.ENOSYS;
import static javisor.vcpu.hypercall.HypercallError.EPERM;
import static org.assertj.core.api.Assertions.assertThat;

/**
 * Hypercalls as a hostile guest makes them, with no KVM: the caller is a {@link FakeVm} with real guest memory, so
 * every pointer argument is checked against it before anything is read or written; every failure is a result in
 * RAX, never an exception.
 */
class HypercallDispatcherTest {
    private static final long OUT = 0x1000;
    private static final long OUT_SIZE = 0x1008;
    private static final long WINDOW = 0x8000_0000L;

    private final IvcRegistry registry = new IvcRegistry();
    private final HypercallDispatcher dispatcher = new HypercallDispatcher(registry);
    private final FakeVm vm = FakeVm.withWindow(4, 0x10_0000, 0x4_0000, Set.of());

    @AfterEach
    void close() {
        registry.closeAll();
        vm.close();
    }

    private Outcome dispatch(Hypercall h, long... args) {
        return dispatcher.dispatch(vm, 0, h.nr(), args);
    }

    private long call(Hypercall h, long... args) {
        return ((Outcome.Result) dispatch(h, args)).value();
    }

    @Test
    void publishWritesTheAddressAndGrantedSizeThroughTheGuestsPointers() {
        vm.memory().writeU64(GuestAddress.of(OUT_SIZE), 0x2001);
        assertThat(call(Hypercall.IVC_PUBLISH, 7, OUT, OUT_SIZE)).isZero();
        assertThat(vm.memory().readU64(GuestAddress.of(OUT))).isEqualTo(WINDOW);
        assertThat(vm.memory().readU64(GuestAddress.of(OUT_SIZE))).isEqualTo(0x3000);
    }

    @Test
    void pointersOutsideRamMisalignedOrReadOnlyAreEfaultAndChangeNothing() {
        assertThat(call(Hypercall.IVC_PUBLISH, 7, 0x1000_0000L, OUT_SIZE)).as("outside RAM").isEqualTo(EFAULT);
        assertThat(call(Hypercall.IVC_PUBLISH, 7, OUT, 0x1001)).as("misaligned").isEqualTo(EFAULT);
        assertThat(call(Hypercall.IVC_PUBLISH, 7, OUT, FakeVm.ROM)).as("read-only").isEqualTo(EFAULT);
        assertThat(call(Hypercall.IVC_PUBLISH, 7, OUT, FakeVm.RAM - 4)).as("straddles RAM's end").isEqualTo(EFAULT);
        assertThat(call(Hypercall.IVC_PUBLISH, 7, OUT, -8L)).as("wraps around").isEqualTo(EFAULT);
        assertThat(call(Hypercall.IVC_SUBSCRIBE, 4, 7, OUT, WINDOW)).as("into the IVC window").isEqualTo(EFAULT);
        assertThat(call(Hypercall.DEBUG, FakeVm.ROM + 0x1000 - 10, 64)).as("runs past the last region")
                .isEqualTo(EFAULT);
        assertThat(registry.list()).isEmpty();
    }

    @Test
    void debugPrintsAStringFromGuestMemoryOfBoundedLength() {
        vm.memory().write(GuestAddress.of(0x2000), "hi".getBytes(StandardCharsets.UTF_8));
        assertThat(call(Hypercall.DEBUG, 0x2000, 2)).isZero();
        assertThat(call(Hypercall.DEBUG, 0x2000, 4097)).isEqualTo(EINVAL);
        assertThat(call(Hypercall.DEBUG, 0x2000, -1)).isEqualTo(EINVAL);
    }

    @Test
    void theSimpleCallsAndTheOnesThatChangeTheVcpuOrVm() {
        assertThat(call(Hypercall.GET_VM_ID)).isEqualTo(4);
        assertThat(call(Hypercall.HYPERVISOR_DISABLE)).isEqualTo(EPERM);
        assertThat(call(Hypercall.PREPARE_DISABLE)).isEqualTo(EPERM);
        assertThat(dispatch(Hypercall.SYSTEM_DOWN, 3)).isEqualTo(new Outcome.Stop(new StopReason.SystemDown(3)));
        assertThat(dispatch(Hypercall.CPU_DOWN)).isEqualTo(new Outcome.CpuDown());
        assertThat(call(Hypercall.CPU_UP, 1, 0x10_0000, 9)).isZero();
        assertThat(vm.cpuUps).singleElement().satisfies(c -> assertThat(c).containsExactly(0, 1, 0x10_0000, 9));
    }

    @Test
    void unknownNumbersAndMissingArgumentsAreAnsweredNotThrown() {
        assertThat(dispatcher.dispatch(vm, 0, 99, new long[6])).isEqualTo(new Outcome.Result(ENOSYS));
        assertThat(dispatcher.dispatch(vm, 0, -1, new long[6])).isEqualTo(new Outcome.Result(ENOSYS));
        assertThat(dispatcher.dispatch(vm, 0, Hypercall.IVC_PUBLISH.nr(), new long[0]))
                .as("absent arguments read as 0: the size at guest address 0 is 0").isEqualTo(new Outcome.Result(EINVAL));
    }

    @Test
    void withoutIvcEveryChannelCallIsEnosys() {
        HypercallDispatcher plain = new HypercallDispatcher(IvcService.NONE);
        vm.memory().writeU64(GuestAddress.of(OUT_SIZE), 8);
        assertThat(plain.dispatch(vm, 0, Hypercall.IVC_PUBLISH.nr(), new long[] {1, OUT, OUT_SIZE}))
                .isEqualTo(new Outcome.Result(ENOSYS));
        assertThat(plain.dispatch(vm, 0, Hypercall.IVC_NOTIFY.nr(), new long[] {4, 1}))
                .isEqualTo(new Outcome.Result(ENOSYS));
    }

    @Test
    void embeddersNumbersGoToTheHookAndNothingElseDoes() {
        long[] seen = new long[4];
        dispatcher.hook((vmId, vcpuId, nr, args) -> {
            seen[0] = vmId;
            seen[1] = nr;
            seen[2] = args[0];
            seen[3] = args.length;
            return args[0] + args[5];
        });
        Outcome o = dispatcher.dispatch(vm, 0, HypercallHook.FIRST + 1, new long[] {40, 0, 0, 0, 0, 2});
        assertThat(((Outcome.Result) o).value()).isEqualTo(42);
        assertThat(seen).containsExactly(vm.id(), HypercallHook.FIRST + 1, 40, 6);
        // Short argument lists arrive padded to six, as absent registers read as 0.
        assertThat(((Outcome.Result) dispatcher.dispatch(vm, 0, HypercallHook.LAST, new long[] {5})).value())
                .isEqualTo(5);
        assertThat(((Outcome.Result) dispatcher.dispatch(vm, 0, HypercallHook.LAST + 1, new long[] {5})).value())
                .as("past the range").isEqualTo(ENOSYS);
        assertThat(((Outcome.Result) dispatcher.dispatch(vm, 0, HypercallHook.FIRST - 1, new long[] {5})).value())
                .as("before the range").isEqualTo(ENOSYS);
        assertThat(call(Hypercall.GET_VM_ID)).as("Javisor's own numbers never reach it").isEqualTo(vm.id());
        dispatcher.hook(null);
        assertThat(((Outcome.Result) dispatcher.dispatch(vm, 0, HypercallHook.FIRST, new long[0])).value())
                .as("no hook").isEqualTo(ENOSYS);
    }

    @Test
    void aHookThatThrowsStopsTheVmWithAHostError() {
        dispatcher.hook((vmId, vcpuId, nr, args) -> {
            throw new IllegalStateException("embedder bug");
        });
        Outcome o = dispatcher.dispatch(vm, 0, HypercallHook.FIRST, new long[0]);
        assertThat(o).isInstanceOf(Outcome.Stop.class);
        assertThat(((Outcome.Stop) o).reason()).isInstanceOf(StopReason.HostError.class);
        assertThat(((Outcome.Stop) o).reason().describe()).contains("0x40000000").contains("embedder bug");
    }
}
