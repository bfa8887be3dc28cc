package javisor.virtio.mmio;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.atomic.AtomicInteger;

import javisor.virtio.Activation;
import javisor.virtio.DeviceStatus;
import javisor.virtio.DeviceType;
import javisor.virtio.VirtioDevice;
import javisor.virtio.VirtioFeatures;
import javisor.virtio.queue.FakeDriver;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * The virtio-mmio register block as a driver uses it (virtio 1.2, 4.2.3.1 "Driver Requirements: Device
 * Initialization"): identification, feature negotiation, the status state machine, queue set-up, interrupts and
 * reset, with a device that records what the transport asks of it.
 */
class VirtioMmioTransportTest {
    /** A device with two queues and four bytes of config, recording activations and resets. */
    static final class Recording implements VirtioDevice {
        final List<Activation> activations = new ArrayList<>();
        int resets;
        /** The last thing the transport asked: "activate" or "reset". */
        String last = "";

        @Override
        public DeviceType type() {
            return DeviceType.ENTROPY;
        }

        @Override
        public long offeredFeatures() {
            return VirtioFeatures.COMMON | 1;
        }

        @Override
        public List<Integer> queueSizes() {
            return List.of(8, 4);
        }

        @Override
        public int configSize() {
            return 4;
        }

        @Override
        public long readConfig(int offset, int size) {
            return (0x44332211L >>> (8 * offset)) & ((1L << (8 * size)) - 1);
        }

        @Override
        public synchronized void activate(Activation activation) {
            activations.add(activation);
            last = "activate";
        }

        @Override
        public synchronized void reset() {
            resets++;
            last = "reset";
        }

        @Override
        public String describe() {
            return "recording";
        }

        @Override
        public Map<String, Long> counters() {
            return Map.of();
        }

        @Override
        public void close() {
        }
    }

    private final FakeDriver driver = new FakeDriver(8);
    private final Recording device = new Recording();
    private final AtomicInteger edges = new AtomicInteger();
    private final VirtioMmioTransport t = new VirtioMmioTransport("test", device, driver.memory, edges::incrementAndGet);

    @AfterEach
    void close() {
        t.close();
        driver.close();
    }

    private long r(int offset) {
        return t.read(offset, 4);
    }

    private void w(int offset, long value) {
        t.write(offset, 4, value);
    }

    /** Steps 1-6 of 3.1.1 with {@code features}; returns the status the device left. */
    private long negotiate(long features) {
        w(0x070, 0);
        w(0x070, DeviceStatus.ACKNOWLEDGE);
        w(0x070, DeviceStatus.ACKNOWLEDGE | DeviceStatus.DRIVER);
        w(0x024, 0);
        w(0x020, features & 0xffff_ffffL);
        w(0x024, 1);
        w(0x020, features >>> 32);
        w(0x070, DeviceStatus.ACKNOWLEDGE | DeviceStatus.DRIVER | DeviceStatus.FEATURES_OK);
        return r(0x070);
    }

    private void setUpQueue0() {
        w(0x030, 0);
        w(0x038, 8);
        w(0x080, FakeDriver.DESC);
        w(0x084, 0);
        w(0x090, FakeDriver.AVAIL);
        w(0x0a0, FakeDriver.USED);
        w(0x044, 1);
    }

    @Test
    void theDeviceIdentifiesItselfAsVersion2() {
        assertThat(r(0x000)).isEqualTo(0x74726976L);
        assertThat(r(0x004)).isEqualTo(2);
        assertThat(r(0x008)).isEqualTo(4);
        w(0x014, 0);
        assertThat(r(0x010)).isEqualTo(VirtioFeatures.COMMON & 0xffff_ffffL | 1);
        w(0x014, 1);
        assertThat(r(0x010)).isEqualTo(VirtioFeatures.COMMON >>> 32);
        w(0x014, 7);
        assertThat(r(0x010)).as("banks past the second are zero").isZero();
        w(0x014, 0xffff_ffffL);
        assertThat(r(0x010)).as("a selector of 2^32 - 1 is no bank either, not a shift by -32").isZero();
        w(0x030, 1);
        assertThat(r(0x034)).isEqualTo(4);
        w(0x030, 9);
        assertThat(r(0x034)).as("no such queue").isZero();
        assertThat(t.read(0x100, 2)).isEqualTo(0x2211);
        assertThat(t.read(0x102, 1)).isEqualTo(0x33);
        assertThat(t.read(0x104, 1)).as("past the config space").isZero();
        assertThat(t.read(0x000, 2)).as("registers are 32-bit").isZero();
    }

    @Test
    void aDriverWithVersion1NegotiatesAndDriverOkActivatesTheDevice() {
        assertThat(negotiate(VirtioFeatures.VERSION_1 | VirtioFeatures.EVENT_IDX) & DeviceStatus.FEATURES_OK)
                .isNotZero();
        setUpQueue0();
        w(0x070, r(0x070) | DeviceStatus.DRIVER_OK);
        assertThat(device.activations).singleElement().satisfies(a -> {
            assertThat(a.negotiated(VirtioFeatures.EVENT_IDX)).isTrue();
            assertThat(a.negotiated(VirtioFeatures.INDIRECT_DESC)).isFalse();
            assertThat(a.queues().getFirst().ready()).isTrue();
            assertThat(a.queues().get(1).ready()).isFalse();
        });
        w(0x038, 2);
        assertThat(device.activations.getFirst().queues().getFirst().size()).as("no queue changes after DRIVER_OK")
                .isEqualTo(8);
    }

    @Test
    void aQueueNotifyThatReachesTheTransportIsCounted() {
        assertThat(t.notifyExits()).isZero();
        w(VirtioMmioTransport.QUEUE_NOTIFY, 0);
        w(VirtioMmioTransport.QUEUE_NOTIFY, 99); // no such queue: still an exit that reached Java
        assertThat(t.notifyExits()).isEqualTo(2);
    }

    @Test
    void driverFeaturesWithASelectorPastTheSecondWordChangeNothing() {
        w(0x070, DeviceStatus.ACKNOWLEDGE | DeviceStatus.DRIVER);
        w(0x024, 0xffff_ffffL);
        w(0x020, 0xffff_ffffL);
        assertThat(t.negotiatedFeatures()).isZero();
    }

    @Test
    void aLegacyDriverOrUnofferedFeaturesDoNotGetFeaturesOk() {
        assertThat(negotiate(0) & DeviceStatus.FEATURES_OK).as("no VERSION_1").isZero();
        assertThat(negotiate(VirtioFeatures.VERSION_1 | (1L << 40)) & DeviceStatus.FEATURES_OK).isZero();
        w(0x070, r(0x070) | DeviceStatus.DRIVER_OK);
        assertThat(device.activations).as("DRIVER_OK without FEATURES_OK").isEmpty();
    }

    @Test
    void aQueueOutsideRamMeansTheDeviceNeedsAReset() {
        negotiate(VirtioFeatures.VERSION_1);
        setUpQueue0();
        w(0x084, 1); // the descriptor table above 4 GiB: not RAM
        w(0x070, r(0x070) | DeviceStatus.DRIVER_OK);
        assertThat(device.activations).isEmpty();
        assertThat(r(0x070) & DeviceStatus.DEVICE_NEEDS_RESET).isNotZero();
        assertThat(r(0x060) & 2).as("a configuration change interrupt says so").isNotZero();
        assertThat(edges.get()).isEqualTo(1);
    }

    @Test
    void statusBitsOnlyGrowUntilAResetWhichClearsEverything() {
        negotiate(VirtioFeatures.VERSION_1);
        setUpQueue0();
        w(0x070, r(0x070) | DeviceStatus.DRIVER_OK);
        long ok = r(0x070);
        w(0x070, DeviceStatus.ACKNOWLEDGE);
        assertThat(r(0x070)).as("a bit cannot be taken back").isEqualTo(ok);
        w(0x070, 0);
        assertThat(device.resets).isEqualTo(1);
        assertThat(r(0x070)).isZero();
        w(0x030, 0);
        assertThat(r(0x044)).as("queues are no longer ready").isZero();
    }

    @Test
    void interruptsAreRecordedUntilAcknowledged() {
        negotiate(VirtioFeatures.VERSION_1);
        setUpQueue0();
        w(0x070, r(0x070) | DeviceStatus.DRIVER_OK);
        device.activations.getFirst().interrupt().usedBuffers();
        assertThat(r(0x060)).isEqualTo(1);
        assertThat(edges.get()).isEqualTo(1);
        t.configChanged();
        assertThat(r(0x060)).isEqualTo(3);
        assertThat(r(0x0fc)).as("the config generation moved").isEqualTo(1);
        w(0x064, 1);
        assertThat(r(0x060)).isEqualTo(2);
    }

    @Test
    void aQueueSelectorWithTheTopBitSetIsNoQueue() {
        // QueueSel is a u32: 0x8000_0000 and up once reached the queue list as negative indexes and threw out of
        // the register write (found by VirtioBlockFuzzTest).
        negotiate(VirtioFeatures.VERSION_1);
        for (long sel : new long[] {0x8000_0000L, 0xffff_ffffL}) {
            w(0x030, sel);
            assertThat(r(0x034)).as("QueueNumMax of queue 0x%x", sel).isZero();
            w(0x038, 8);
            w(0x080, FakeDriver.DESC);
            w(0x044, 1);
            assertThat(r(0x044)).as("QueueReady of queue 0x%x", sel).isZero();
        }
        w(0x030, 0);
        assertThat(r(0x044)).as("queue 0 was not touched").isZero();
    }

    @Test
    void queueNotifyRingsTheQueuesDoorbell() {
        w(0x050, 1);
        w(0x050, 7); // no such queue: nothing
        assertThat(t.doorbells().get(1).await()).isEqualTo(1);
    }

    @Test
    void aResetRacingDriverOkFromAnotherVcpuNeverLeavesAStoppedDeviceRunning() throws Exception {
        // Two vCPUs: one sets DRIVER_OK while the other writes 0. Whichever wins, the device's state must match
        // the status the driver reads back: running exactly when DRIVER_OK is set.
        for (int round = 0; round < 1000; round++) {
            assertThat(negotiate(VirtioFeatures.VERSION_1)).isEqualTo(
                    DeviceStatus.ACKNOWLEDGE | DeviceStatus.DRIVER | DeviceStatus.FEATURES_OK);
            setUpQueue0();
            var go = new CountDownLatch(1);
            Thread driverOk = Thread.ofPlatform().start(() -> {
                awaitQuietly(go);
                w(0x070, DeviceStatus.ACKNOWLEDGE | DeviceStatus.DRIVER | DeviceStatus.FEATURES_OK
                        | DeviceStatus.DRIVER_OK);
            });
            Thread reset = Thread.ofPlatform().start(() -> {
                awaitQuietly(go);
                w(0x070, 0);
            });
            go.countDown();
            driverOk.join();
            reset.join();
            boolean running = (r(0x070) & DeviceStatus.DRIVER_OK) != 0;
            synchronized (device) {
                assertThat(device.last.equals("activate")).as("round %d: status 0x%x, device %s", round,
                        r(0x070), device.last).isEqualTo(running);
            }
            w(0x070, 0);
        }
    }

    private static void awaitQuietly(CountDownLatch latch) {
        try {
            latch.await();
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }
}
