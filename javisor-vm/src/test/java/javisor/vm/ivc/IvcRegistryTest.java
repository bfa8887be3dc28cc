package javisor.vm.ivc;

import java.util.Optional;
import java.util.Set;

import javisor.vcpu.hypercall.HypercallError;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

import static java.lang.foreign.ValueLayout.JAVA_LONG_UNALIGNED;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/**
 * The IVC registry's rules, with VMs played without KVM ({@link FakeVm}) over real shared memory: who may publish,
 * subscribe, unpublish, unsubscribe and notify, what each leaves behind, and that a refused call changes nothing.
 */
class IvcRegistryTest {
    private static final long WINDOW = 0x40_0000;
    private static final long MAX = 0x20_0000;
    private static final long BASE = 0x8000_0000L;

    private final IvcRegistry registry = new IvcRegistry();
    private final FakeVm a = FakeVm.withWindow(1, WINDOW, MAX, Set.of());
    private final FakeVm b = FakeVm.withWindow(2, WINDOW, MAX, Set.of());
    private final FakeVm c = FakeVm.withWindow(3, WINDOW, MAX, Set.of());

    @AfterEach
    void close() {
        registry.closeAll();
        a.close();
        b.close();
        c.close();
    }

    private static void failsWith(long code, Runnable call, String message) {
        assertThatThrownBy(call::run).isInstanceOfSatisfying(HypercallError.Failure.class, f -> {
            assertThat(f.code()).isEqualTo(code);
            assertThat(f.getMessage()).contains(message);
        });
    }

    @Test
    void aPublishedChannelIsSharedMemoryWithAxVisorsHeaderAndPageRoundedSize() {
        long[] r = registry.publish(a, 0x77, 100);
        assertThat(r).containsExactly(BASE, 0x1000);
        var memory = a.mappedAt(BASE).segment();
        assertThat(memory.get(JAVA_LONG_UNALIGNED, 0)).isEqualTo(1L);
        assertThat(memory.get(JAVA_LONG_UNALIGNED, 8)).isEqualTo(0x77L);

        long[] s = registry.subscribe(b, 1, 0x77);
        assertThat(s).containsExactly(BASE, 0x1000);
        memory.set(JAVA_LONG_UNALIGNED, 16, 0xfeedL);
        assertThat(b.mappedAt(BASE).segment().get(JAVA_LONG_UNALIGNED, 16)).as("one memory, two mappings")
                .isEqualTo(0xfeedL);
        assertThat(registry.list()).singleElement().satisfies(info -> {
            assertThat(info.publisherAddress()).hasValue(BASE);
            assertThat(info.subscriberAddresses()).containsEntry(2L, BASE);
        });
    }

    @Test
    void publishChecksTheWindowSizeAndDuplicates() {
        failsWith(HypercallError.EINVAL, () -> registry.publish(a, 1, 0), "size 0 is not in 1..");
        failsWith(HypercallError.EINVAL, () -> registry.publish(a, 1, MAX + 1), "is not in 1..2097152");
        failsWith(HypercallError.EINVAL, () -> registry.publish(a, 1, -1), "size 18446744073709551615");
        registry.publish(a, 1, MAX);
        registry.publish(a, 2, MAX);
        failsWith(HypercallError.EEXIST, () -> registry.publish(a, 1, 8), "already has channel 1");
        failsWith(HypercallError.ENOSPC, () -> registry.publish(a, 3, 8), "has no room for 4096 bytes");
        FakeVm noWindow = new FakeVm(9, Optional.empty(), 8);
        try {
            failsWith(HypercallError.EINVAL, () -> registry.publish(noWindow, 1, 8), "has no IVC window");
        } finally {
            noWindow.close();
        }
        assertThat(registry.list()).hasSize(2);
    }

    @Test
    void runningOutOfMemorySlotsIsEnospcAndLeavesTheWindowAsItWas() {
        FakeVm tight = new FakeVm(4, Optional.of(new IvcWindow(BASE, WINDOW, 5, MAX, Set.of())), 1);
        try {
            registry.publish(tight, 1, 8);
            failsWith(HypercallError.ENOSPC, () -> registry.publish(tight, 2, 8), "no KVM memory slot left");
            registry.unpublish(tight, 1);
            assertThat(registry.publish(tight, 2, 8)).as("the window's space came back too").containsExactly(BASE,
                    0x1000);
        } finally {
            registry.leaveAll(tight);
            tight.close();
        }
    }

    @Test
    void subscribeChecksTheChannelThePolicyAndTheSubscribersWindow() {
        failsWith(HypercallError.ENOENT, () -> registry.subscribe(b, 1, 5), "VM 1 publishes no channel 5");
        registry.publish(a, 5, 8);
        failsWith(HypercallError.EEXIST, () -> registry.subscribe(a, 1, 5), "already maps channel 5");
        registry.subscribe(b, 1, 5);
        failsWith(HypercallError.EEXIST, () -> registry.subscribe(b, 1, 5), "already maps channel 5");

        FakeVm picky = FakeVm.withWindow(5, WINDOW, MAX, Set.of(2L));
        FakeVm small = FakeVm.withWindow(6, WINDOW, 0x800, Set.of());
        try {
            registry.publish(picky, 1, 8);
            failsWith(HypercallError.EACCES, () -> registry.subscribe(c, 5, 1), "VM 5 does not admit VM 3");
            registry.subscribe(b, 5, 1);
            failsWith(HypercallError.EINVAL, () -> registry.subscribe(small, 1, 5), "exceeds the limit of VM 6");
        } finally {
            registry.leaveAll(picky);
            registry.leaveAll(small);
            picky.close();
            small.close();
        }
    }

    @Test
    void anUnpublishedChannelLivesWhileSubscribersRemain() {
        registry.publish(a, 5, 8);
        registry.subscribe(b, 1, 5);
        registry.unpublish(a, 5);
        assertThat(a.mappings).isEmpty();
        assertThat(registry.list()).singleElement().satisfies(i -> assertThat(i.publisherAddress()).isEmpty());
        failsWith(HypercallError.ENOENT, () -> registry.unpublish(a, 5), "publishes no channel 5");
        failsWith(HypercallError.ENOENT, () -> registry.subscribe(c, 1, 5), "publishes no channel 5");
        registry.unsubscribe(b, 1, 5);
        assertThat(registry.list()).isEmpty();
        assertThat(b.mappings).isEmpty();
        failsWith(HypercallError.ENOENT, () -> registry.unsubscribe(b, 1, 5), "does not map channel 5 of VM 1");
        assertThat(registry.publish(a, 5, 8)).as("the key is free again and its space reused")
                .containsExactly(BASE, 0x1000);
    }

    @Test
    void notifyReachesTheOtherSideOnly() {
        registry.publish(a, 5, 8);
        registry.subscribe(b, 1, 5);
        registry.subscribe(c, 1, 5);
        assertThat(registry.notify(a, 1, 5)).as("the publisher notifies every subscriber").isEqualTo(2);
        assertThat(registry.notify(b, 1, 5)).as("a subscriber notifies the publisher").isEqualTo(1);
        assertThat(a.notifications).isEqualTo(1);
        assertThat(b.notifications).isEqualTo(1);
        assertThat(c.notifications).isEqualTo(1);
        FakeVm stranger = FakeVm.withWindow(8, WINDOW, MAX, Set.of());
        try {
            failsWith(HypercallError.ENOENT, () -> registry.notify(stranger, 1, 5), "is not on channel 5 of VM 1");
        } finally {
            stranger.close();
        }
        assertThat(registry.list().getFirst().notifications()).isEqualTo(2);
    }

    @Test
    void aVmThatLeavesGivesUpEverythingAndChannelsNobodyUsesAreFreed() {
        registry.publish(a, 5, 8);
        registry.publish(b, 6, 8);
        registry.subscribe(b, 1, 5);
        registry.subscribe(a, 2, 6);
        registry.leaveAll(a);
        assertThat(a.mappings).isEmpty();
        assertThat(registry.list()).hasSize(2);
        registry.leaveAll(b);
        assertThat(b.mappings).isEmpty();
        assertThat(registry.list()).isEmpty();
    }

    @Test
    void aPublishPastTheVmsIvcBytesLimitIsRefusedNamingTheLimitAndChangesNothing() {
        FakeVm small = new FakeVm(9, Optional.of(new IvcWindow(BASE, WINDOW, 5, MAX, Set.of(), 0x3000)), 64);
        try {
            registry.publish(small, 1, 0x2000);
            failsWith(HypercallError.ENOSPC, () -> registry.publish(small, 2, 0x1001),
                    "VM 9 (fake) holds 8192 bytes of channels; 8192 more is over its limit ivc_bytes = 12288");
            assertThat(registry.list()).hasSize(1);
            registry.publish(small, 2, 0x1000); // exactly up to the limit
            registry.subscribe(b, 9, 1);
            registry.unpublish(small, 1);
            failsWith(HypercallError.ENOSPC, () -> registry.publish(small, 3, 1),
                    "ivc_bytes"); // a subscriber still maps channel 1: its memory is still the VM's
            registry.unsubscribe(b, 9, 1);
            registry.publish(small, 3, 0x1000);
        } finally {
            registry.closeAll();
            small.close();
        }
    }
}
