package javisor.virtio.queue;

import java.lang.foreign.MemorySegment;
import java.util.List;
import java.util.Optional;

import javisor.memory.GuestAddress;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

import static java.lang.foreign.ValueLayout.JAVA_BYTE;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/**
 * The split virtqueue against a driver played by the test: requests in and out, indirect tables, notification
 * suppression, and every way a hostile driver can break the rules (virtio 1.2, 2.7).
 */
class SplitQueueTest {
    private final FakeDriver driver = new FakeDriver(8);

    @AfterEach
    void close() {
        driver.close();
    }

    private static void failsWith(SplitQueue q, FakeDriver d, String message, int head) {
        assertThatThrownBy(() -> q.pop(d.memory)).isInstanceOfSatisfying(QueueException.class, e -> {
            assertThat(e.getMessage()).contains(message);
            assertThat(e.head()).isEqualTo(head);
        });
    }

    @Test
    void aRequestComesOutReadableFirstAndGoesBackWithItsLength() throws Exception {
        SplitQueue q = driver.queue(false, false);
        q.check(driver.memory);
        assertThat(q.pop(driver.memory)).isEmpty();
        FakeDriver.Buf in = driver.buffer(5, false, (byte) 'h', (byte) 'e', (byte) 'l', (byte) 'l', (byte) 'o');
        FakeDriver.Buf out = driver.buffer(3, true);
        int head = driver.add(in, out);
        DescriptorChain c = q.pop(driver.memory).orElseThrow();
        assertThat(c.head()).isEqualTo(head);
        assertThat(c.readableLength()).isEqualTo(5);
        assertThat(c.writableLength()).isEqualTo(3);
        MemorySegment got = MemorySegment.ofArray(new byte[5]);
        assertThat(c.read(driver.memory, 0, got)).isEqualTo(5);
        assertThat(new String(got.toArray(JAVA_BYTE))).isEqualTo("hello");
        assertThat(c.write(driver.memory, 1, MemorySegment.ofArray(new byte[] {7, 8, 9}))).as("the rest does not fit")
                .isEqualTo(2);
        assertThat(driver.read(out)).containsExactly(0, 7, 8);
        q.addUsed(driver.memory, c.head(), 3);
        assertThat(driver.takeUsed()).singleElement().satisfies(u -> assertThat(u).containsExactly(head, 3));
        assertThat(q.pop(driver.memory)).isEmpty();
    }

    @Test
    void viewsCoverTheBuffersInOrderFromAnOffset() throws Exception {
        SplitQueue q = driver.queue(false, false);
        driver.add(driver.buffer(16, false), driver.buffer(4, true), driver.buffer(6, true));
        DescriptorChain c = q.pop(driver.memory).orElseThrow();
        List<MemorySegment> views = c.views(driver.memory, true, 2, 6);
        assertThat(views).extracting(MemorySegment::byteSize).containsExactly(2L, 4L);
        views.forEach(v -> v.fill((byte) 5));
        assertThat(c.views(driver.memory, false, 10, 100)).extracting(MemorySegment::byteSize).containsExactly(6L);
    }

    @Test
    void indirectTablesAreFollowedOnlyWhenNegotiated() throws Exception {
        SplitQueue q = driver.queue(false, true);
        driver.addIndirect(driver.buffer(4, false), driver.buffer(8, true));
        DescriptorChain c = q.pop(driver.memory).orElseThrow();
        assertThat(c.buffers()).extracting(Descriptor::length).containsExactly(4, 8);
        assertThat(c.buffers()).extracting(Descriptor::writable).containsExactly(false, true);

        SplitQueue plain = driver.queue(false, false); // the same request, to a queue without INDIRECT_DESC
        failsWith(plain, driver, "indirect, but VIRTIO_F_INDIRECT_DESC was not negotiated", 0);
    }

    @Test
    void aLoopingChainIsRefusedAndItsHeadGivenBack() throws Exception {
        SplitQueue q = driver.queue(false, false);
        FakeDriver.Buf b = driver.buffer(4, false);
        driver.descriptor(FakeDriver.DESC, 0, b.address(), 4, Descriptor.F_NEXT, 1);
        driver.descriptor(FakeDriver.DESC, 1, b.address(), 4, Descriptor.F_NEXT, 0);
        driver.publish(0);
        failsWith(q, driver, "longer than the queue (a loop)", 0);
        assertThat(q.pop(driver.memory)).as("the bad request was taken: the queue goes on").isEmpty();
    }

    @Test
    void buffersOutsideRamAndOtherBadChainsAreRefused() {
        SplitQueue q = driver.queue(false, true);
        driver.descriptor(FakeDriver.DESC, 0, FakeDriver.RAM - 2, 4, 0, 0);
        driver.publish(0);
        failsWith(q, driver, "points at 0x3ffffe (4 bytes), which is not guest RAM", 0);

        driver.descriptor(FakeDriver.DESC, 1, 0x10_0000, 4, Descriptor.F_NEXT, 200);
        driver.publish(1);
        failsWith(q, driver, "points to 200, not below the queue size 8", 1);

        FakeDriver.Buf w = driver.buffer(4, true);
        FakeDriver.Buf r = driver.buffer(4, false);
        driver.descriptor(FakeDriver.DESC, 2, w.address(), 4, Descriptor.F_WRITE | Descriptor.F_NEXT, 3);
        driver.descriptor(FakeDriver.DESC, 3, r.address(), 4, 0, 0);
        driver.publish(2);
        failsWith(q, driver, "device-readable after a device-writable one", 2);

        driver.descriptor(FakeDriver.DESC, 4, 0x10_0000, 15, Descriptor.F_INDIRECT, 0);
        driver.publish(4);
        failsWith(q, driver, "indirect table length 15 is not a non-zero multiple of 16", 4);

        driver.descriptor(FakeDriver.DESC, 5, 0x10_0000, 16, Descriptor.F_INDIRECT | Descriptor.F_NEXT, 6);
        driver.publish(5);
        failsWith(q, driver, "indirect and has NEXT set", 5);

        driver.descriptor(0x20_0000, 0, 0x10_0000, 16, Descriptor.F_INDIRECT, 0);
        driver.descriptor(FakeDriver.DESC, 6, 0x20_0000, 16, Descriptor.F_INDIRECT, 0);
        driver.publish(6);
        failsWith(q, driver, "an indirect table holds an indirect descriptor", 6);

        driver.publish(9);
        failsWith(q, driver, "head descriptor 9 is not below the queue size 8", -1);
    }

    @Test
    void anAvailableIndexFarAheadBreaksTheRingUntilAReset() throws Exception {
        SplitQueue q = driver.queue(false, false);
        driver.setAvailIndex(9);
        assertThatThrownBy(() -> q.pop(driver.memory)).isInstanceOfSatisfying(QueueException.class, e -> {
            assertThat(e.getMessage()).contains("runs 9 entries ahead of the device, more than the queue's 8");
            assertThat(e.ringBroken()).isTrue();
        });
        driver.setAvailIndex(0);
        driver.add(driver.buffer(1, true));
        assertThat(q.pop(driver.memory)).as("a broken ring serves nothing more").isEmpty();
        assertThat(q.broken()).isTrue();
        q.reset();
        assertThat(q.broken()).isFalse();
    }

    @Test
    void anEntryNamingNoDescriptorIsDroppedAndTheQueueGoesOn() throws Exception {
        SplitQueue q = driver.queue(false, false);
        driver.publish(9);
        int good = driver.add(driver.buffer(1, true));
        assertThatThrownBy(() -> q.pop(driver.memory)).isInstanceOfSatisfying(QueueException.class, e -> {
            assertThat(e.head()).isEqualTo(-1);
            assertThat(e.ringBroken()).as("only that entry was bad").isFalse();
        });
        assertThat(q.pop(driver.memory).orElseThrow().head()).isEqualTo(good);
    }

    @Test
    void theDeviceWritesOnlyWritableRam() throws Exception {
        try (FakeDriver d = FakeDriver.withRom(8)) {
            SplitQueue q = d.queue(false, false);
            q.check(d.memory);
            d.descriptor(FakeDriver.DESC, 0, FakeDriver.ROM, 16, Descriptor.F_NEXT, 1);
            d.descriptor(FakeDriver.DESC, 1, FakeDriver.ROM + 16, 1, Descriptor.F_WRITE, 0);
            d.publish(0);
            failsWith(q, d, "device-writable descriptor 1 points at 0x400010 (1 bytes), which is read-only memory", 0);
            d.descriptor(FakeDriver.DESC, 1, FakeDriver.RAM - 1, 2, Descriptor.F_WRITE, 0);
            d.publish(0);
            failsWith(q, d, "device-writable descriptor 1 points at 0x3fffff (2 bytes), which is read-only memory", 0);
            d.descriptor(FakeDriver.DESC, 1, FakeDriver.RAM - 1, 1, Descriptor.F_WRITE, 0);
            d.publish(0);
            assertThat(q.pop(d.memory).orElseThrow().readableLength()).as("reading ROM is fine").isEqualTo(16);

            q.setUsedRing(FakeDriver.ROM);
            assertThatThrownBy(() -> q.check(d.memory)).hasMessageContaining("the used ring at 0x400000 is in "
                    + "read-only memory");
        }
    }

    @Test
    void ringsMustBeAlignedInsideRamAndTheSizeAPowerOfTwo() {
        SplitQueue q = driver.queue(false, false);
        q.setSize(6);
        assertThatThrownBy(() -> q.check(driver.memory)).hasMessageContaining("size 6 is not a power of two from 1 to 8");
        q.setSize(8);
        q.setDescriptorTable(0x1008);
        assertThatThrownBy(() -> q.check(driver.memory)).hasMessageContaining("descriptor table at 0x1008 is not 16-byte aligned");
        q.setDescriptorTable(FakeDriver.RAM - 16);
        assertThatThrownBy(() -> q.check(driver.memory)).hasMessageContaining("(128 bytes) is not in guest RAM");
        q.setDescriptorTable(FakeDriver.DESC);
        q.setUsedRing(0xa002);
        assertThatThrownBy(() -> q.check(driver.memory)).hasMessageContaining("used ring at 0xa002 is not 4-byte aligned");
    }

    @Test
    void withoutEventIdxTheDriverFlagDecides() throws Exception {
        SplitQueue q = driver.queue(false, false);
        driver.add(driver.buffer(1, true));
        int old = q.addUsed(driver.memory, q.pop(driver.memory).orElseThrow().head(), 1);
        assertThat(q.needsInterrupt(driver.memory, old)).isTrue();
        driver.setNoInterrupt(true);
        assertThat(q.needsInterrupt(driver.memory, old)).isFalse();
    }

    @Test
    void withEventIdxTheDeviceInterruptsOnlyPastUsedEventAndAsksForTheNextDoorbell() throws Exception {
        SplitQueue q = driver.queue(true, false);
        driver.setUsedEvent(1); // interrupt once the used index passes 1, i.e. with the second entry
        driver.add(driver.buffer(1, true));
        driver.add(driver.buffer(1, true));
        int old = q.addUsed(driver.memory, q.pop(driver.memory).orElseThrow().head(), 1);
        assertThat(q.needsInterrupt(driver.memory, old)).isFalse();
        old = q.addUsed(driver.memory, q.pop(driver.memory).orElseThrow().head(), 1);
        assertThat(q.needsInterrupt(driver.memory, old)).isTrue();
        assertThat(driver.memory.readU16(GuestAddress.of(FakeDriver.USED + 4 + 8L * 8)))
                .as("avail_event: no doorbells wanted while the device works through a batch").isZero();
        assertThat(Optional.empty()).isEqualTo(q.pop(driver.memory));
        assertThat(q.armNotification(driver.memory)).as("nothing came meanwhile").isFalse();
        assertThat(driver.memory.readU16(GuestAddress.of(FakeDriver.USED + 4 + 8L * 8)))
                .as("avail_event: the device wants the doorbell for the third request").isEqualTo(2);
        driver.add(driver.buffer(1, true)); // as if the driver added it before it saw avail_event
        assertThat(q.armNotification(driver.memory)).as("a request came before the doorbell was asked for")
                .isTrue();
    }
}
