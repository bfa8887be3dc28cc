package javisor.vmm;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.lang.foreign.ValueLayout;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.List;

import javisor.memory.GuestAddress;
import javisor.vcpu.hypercall.Hypercall;
import javisor.vm.StopReason;
import javisor.vm.Vm;
import javisor.vm.hypercall.HypercallDispatcher;
import javisor.vm.hypercall.HypercallDispatcher.Outcome;
import javisor.vm.ivc.IvcChannelInfo;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

import static javisor.vcpu.hypercall.HypercallError.EACCES;
import static javisor.vcpu.hypercall.HypercallError.EEXIST;
import static javisor.vcpu.hypercall.HypercallError.EFAULT;
import static javisor.vcpu.hypercall.HypercallError.EINVAL;
import static javisor.vcpu.hypercall.HypercallError.ENOENT;
import static javisor.vcpu.hypercall.HypercallError.ENOSPC;
import static javisor.vcpu.hypercall.HypercallError.ENOSYS;
import static javisor.vcpu.hypercall.HypercallError.EPERM;
import static org.assertj.core.api.Assertions.assertThat;

/**
 * Every hypercall and its error paths, driven through the dispatcher against real VMs (created, not running):
 * arguments point into the callers' guest RAM as a guest's would.
 */
@Timeout(60)
@Tag("kvm")
class HypercallTest {
    private static final long WINDOW = 0x8000_0000L;
    private static final long OUT_ADDR = 0x1000; // two u64 slots the "guest" passes as result pointers
    private static final long OUT_SIZE = 0x1008;
    private static final long K = 0x4b4559; // "KEY"

    @TempDir
    Path tmp;
    private Vmm vmm;
    private Vm pub;
    private Vm sub;
    private Vm stranger;
    private HypercallDispatcher dispatcher;

    @BeforeEach
    void vms() throws IOException {
        TestGuests.requireKvm();
        vmm = Vmm.init(List.of(), c -> new ByteArrayOutputStream());
        // VM 1 publishes, admits only VM 2; VM 2 subscribes; VM 3 is not admitted. Windows of 1 MiB, limit 256 KiB.
        pub = vmm.create(def(1, "[0x4_0000, 2]"));
        sub = vmm.create(def(2, "[0x4_0000]"));
        stranger = vmm.create(def(3, "[0x4_0000]"));
        dispatcher = new HypercallDispatcher(new IvcRegistryAccess(vmm).registry());
    }

    @AfterEach
    void close() {
        if (vmm != null) {
            vmm.close();
        }
    }

    private Vmm.VmDefinition def(long id, String cfgList) throws IOException {
        return GuestToml.of(id, "spin.elf").regions(GuestToml.FOUR_MIB + ", [0x400000, 0x1000, 0x5, 0]")
                .devices("emu_devices = [[\"ivc\", 0x8000_0000, 0x10_0000, 5, 0xA, " + cfgList + "]]")
                .definition(tmp);
    }

    private long call(Vm vm, Hypercall h, long... args) {
        long[] a = Arrays.copyOf(args, 6);
        return switch (dispatcher.dispatch(vm, 0, h.nr(), a)) {
            case Outcome.Result(long v) -> v;
            case Outcome.Stop s -> throw new AssertionError("unexpected stop " + s);
            case Outcome.CpuDown d -> throw new AssertionError("unexpected CpuDown");
        };
    }

    private long publish(Vm vm, long key, long size) {
        vm.memory().writeU64(GuestAddress.of(OUT_SIZE), size);
        return call(vm, Hypercall.IVC_PUBLISH, key, OUT_ADDR, OUT_SIZE);
    }

    private long subscribe(Vm vm, long publisher, long key) {
        return call(vm, Hypercall.IVC_SUBSCRIBE, publisher, key, OUT_ADDR, OUT_SIZE);
    }

    private long out(Vm vm) {
        return vm.memory().readU64(GuestAddress.of(OUT_ADDR));
    }

    private long outSize(Vm vm) {
        return vm.memory().readU64(GuestAddress.of(OUT_SIZE));
    }

    @Test
    void publishGivesAnAddressInTheWindowAndTheHeader() {
        assertThat(publish(pub, K, 0x3000 + 1)).isZero();
        assertThat(out(pub)).isEqualTo(WINDOW);
        assertThat(outSize(pub)).as("rounded up to pages").isEqualTo(0x4000);
        var memory = vmm.ivcMemory(1, K).orElseThrow();
        assertThat(memory.get(ValueLayout.JAVA_LONG_UNALIGNED, 0)).isEqualTo(1);
        assertThat(memory.get(ValueLayout.JAVA_LONG_UNALIGNED, 8)).isEqualTo(K);
    }

    @Test
    void subscribeMapsTheSameChannelIntoTheSubscribersWindow() {
        publish(pub, K, 0x2000);
        assertThat(subscribe(sub, 1, K)).isZero();
        assertThat(out(sub)).isEqualTo(WINDOW);
        assertThat(outSize(sub)).isEqualTo(0x2000);
        IvcChannelInfo info = vmm.ivcChannels().getFirst();
        assertThat(info.subscriberAddresses()).containsEntry(2L, WINDOW);
        assertThat(info.publisherAddress()).hasValue(WINDOW);
    }

    @Test
    void badSizesAreRefused() {
        assertThat(publish(pub, K, 0)).isEqualTo(EINVAL);
        assertThat(publish(pub, K, 1L << 63)).isEqualTo(EINVAL);
        assertThat(publish(pub, K, 0x4_0001)).as("above the VM's limit").isEqualTo(EINVAL);
        assertThat(vmm.ivcChannels()).isEmpty();
    }

    @Test
    void pointersOutsideRamMisalignedReadOnlyOrIntoAWindowAreRefused() {
        publish(pub, K, 0x1000); // a channel now sits at WINDOW
        assertThat(call(pub, Hypercall.IVC_PUBLISH, K + 1, 0x1000_0000L, OUT_SIZE)).isEqualTo(EFAULT);
        assertThat(call(pub, Hypercall.IVC_PUBLISH, K + 1, OUT_ADDR, 0x1001)).isEqualTo(EFAULT);
        assertThat(call(pub, Hypercall.IVC_PUBLISH, K + 1, OUT_ADDR, 0x400000)).as("read-only").isEqualTo(EFAULT);
        assertThat(call(pub, Hypercall.IVC_PUBLISH, K + 1, OUT_ADDR, WINDOW + 16)).isEqualTo(EFAULT);
        assertThat(call(pub, Hypercall.IVC_PUBLISH, K + 1, OUT_ADDR, -8L)).isEqualTo(EFAULT);
        assertThat(call(sub, Hypercall.IVC_SUBSCRIBE, 1, K, OUT_ADDR, WINDOW)).isEqualTo(EFAULT);
        assertThat(call(pub, Hypercall.DEBUG, 0x400ff0, 64)).as("runs past the end of RAM").isEqualTo(EFAULT);
        assertThat(vmm.ivcChannels()).hasSize(1);
    }

    @Test
    void aDuplicatePublishIsRefusedAndTheFirstChannelStays() {
        publish(pub, K, 0x1000);
        assertThat(publish(pub, K, 0x2000)).isEqualTo(EEXIST);
        assertThat(vmm.ivcChannels()).singleElement().extracting(IvcChannelInfo::size).isEqualTo(0x1000L);
        assertThat(subscribe(sub, 1, K)).isZero();
    }

    @Test
    void unknownChannelsGetEnoent() {
        assertThat(call(pub, Hypercall.IVC_UNPUBLISH, K)).isEqualTo(ENOENT);
        assertThat(subscribe(sub, 1, K)).isEqualTo(ENOENT);
        assertThat(subscribe(sub, 9, K)).isEqualTo(ENOENT);
        assertThat(call(sub, Hypercall.IVC_UNSUBSCRIBE, 1, K)).isEqualTo(ENOENT);
        assertThat(call(sub, Hypercall.IVC_NOTIFY, 1, K)).isEqualTo(ENOENT);
        publish(pub, K, 0x1000);
        assertThat(call(sub, Hypercall.IVC_UNSUBSCRIBE, 1, K)).as("not subscribed").isEqualTo(ENOENT);
    }

    @Test
    void aFullWindowGivesEnospcAndFreedRangesAreReused() {
        for (int i = 0; i < 4; i++) {
            assertThat(publish(pub, i, 0x4_0000)).isZero();
        }
        assertThat(publish(pub, 9, 0x1000)).isEqualTo(ENOSPC);
        publish(pub, 1, 0); // refused, changes nothing
        assertThat(call(pub, Hypercall.IVC_UNPUBLISH, 1)).isZero();
        assertThat(publish(pub, 7, 0x4_0000)).isZero();
        assertThat(out(pub)).as("the freed range comes back").isEqualTo(WINDOW + 0x4_0000);
    }

    @Test
    void theAccessPolicyAdmitsOnlyListedVms() {
        publish(pub, K, 0x1000);
        assertThat(subscribe(stranger, 1, K)).isEqualTo(EACCES);
        assertThat(subscribe(sub, 1, K)).isZero();
        assertThat(subscribe(sub, 1, K)).as("twice").isEqualTo(EEXIST);
        assertThat(subscribe(pub, 1, K)).as("the publisher itself").isEqualTo(EEXIST);
    }

    @Test
    void unpublishWithSubscribersKeepsTheMemoryUntilTheLastLeaves() {
        publish(pub, K, 0x1000);
        subscribe(sub, 1, K);
        vmm.ivcMemory(1, K).orElseThrow().set(ValueLayout.JAVA_BYTE, 100, (byte) 42);
        assertThat(call(pub, Hypercall.IVC_UNPUBLISH, K)).isZero();
        assertThat(vmm.ivcChannels()).singleElement().satisfies(c -> assertThat(c.publisherAddress()).isEmpty());
        assertThat(vmm.ivcMemory(1, K).orElseThrow().get(ValueLayout.JAVA_BYTE, 100))
                .isEqualTo((byte) 42);
        assertThat(subscribe(stranger, 1, K)).as("no new subscribers once unpublished").isEqualTo(ENOENT);
        assertThat(call(sub, Hypercall.IVC_UNSUBSCRIBE, 1, K)).isZero();
        assertThat(vmm.ivcChannels()).isEmpty();
        assertThat(publish(pub, K, 0x1000)).as("the key is free again").isZero();
    }

    @Test
    void aSubscriberKeepsTheChannelWhenThePublisherIsDeleted() {
        publish(pub, K, 0x1000);
        subscribe(sub, 1, K);
        vmm.delete(1, true, false);
        assertThat(vmm.ivcChannels()).singleElement().satisfies(c -> {
            assertThat(c.publisherAddress()).isEmpty();
            assertThat(c.subscriberAddresses()).containsOnlyKeys(2L);
        });
        assertThat(call(sub, Hypercall.IVC_NOTIFY, 1, K)).as("nobody left to notify").isZero();
        assertThat(call(sub, Hypercall.IVC_UNSUBSCRIBE, 1, K)).isZero();
        assertThat(vmm.ivcChannels()).isEmpty();
    }

    @Test
    void notifyReachesTheOtherSide() {
        publish(pub, K, 0x1000);
        subscribe(sub, 1, K);
        assertThat(call(pub, Hypercall.IVC_NOTIFY, 1, K)).as("publisher to its subscriber").isEqualTo(1);
        assertThat(call(sub, Hypercall.IVC_NOTIFY, 1, K)).as("subscriber to the publisher").isEqualTo(1);
        assertThat(vmm.ivcChannels().getFirst().notifications()).isEqualTo(2);
    }

    @Test
    void simpleCalls() {
        assertThat(call(sub, Hypercall.GET_VM_ID)).isEqualTo(2);
        assertThat(call(pub, Hypercall.HYPERVISOR_DISABLE)).isEqualTo(EPERM);
        assertThat(call(pub, Hypercall.PREPARE_DISABLE)).isEqualTo(EPERM);
        assertThat(dispatcher.dispatch(pub, 0, 99, new long[6])).isEqualTo(new Outcome.Result(ENOSYS));
        assertThat(dispatcher.dispatch(pub, 0, -1, new long[6])).isEqualTo(new Outcome.Result(ENOSYS));
        assertThat(dispatcher.dispatch(pub, 0, Hypercall.SYSTEM_DOWN.nr(), new long[] {3, 0, 0, 0, 0, 0}))
                .isEqualTo(new Outcome.Stop(new StopReason.SystemDown(3)));
        assertThat(dispatcher.dispatch(pub, 0, Hypercall.CPU_DOWN.nr(), new long[6]))
                .isEqualTo(new Outcome.CpuDown());
        assertThat(call(pub, Hypercall.DEBUG, 0x2000, 5000)).isEqualTo(EINVAL);
        assertThat(call(pub, Hypercall.CPU_UP, 0, 0x100000, 0)).as("one vCPU: no other to start").isEqualTo(EINVAL);
        assertThat(call(pub, Hypercall.CPU_UP, 7, 0x100000, 0)).isEqualTo(EINVAL);
    }

    @Test
    void aVmWithoutAWindowCannotPublish() throws IOException {
        Path cfg = tmp.resolve("plain.toml");
        Files.writeString(cfg, Files.readString(tmp.resolve("vm3.toml")).replace("id = 3", "id = 4")
                .replaceAll("emu_devices = .*", ""));
        Vm plain = vmm.create(ConfigSources.fromFile(cfg));
        assertThat(publish(plain, K, 0x1000)).isEqualTo(EINVAL);
        publish(pub, K, 0x1000);
        assertThat(subscribe(plain, 1, K)).as("not admitted by VM 1 in any case").isEqualTo(EACCES);
    }
}
