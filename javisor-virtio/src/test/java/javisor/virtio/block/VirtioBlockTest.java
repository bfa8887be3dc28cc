package javisor.virtio.block;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.List;
import java.util.concurrent.atomic.AtomicInteger;

import javisor.memory.GuestAddress;
import javisor.virtio.Activation;
import javisor.virtio.DeviceStatus;
import javisor.virtio.CountingInterrupt;
import javisor.virtio.VirtioFeatures;
import javisor.virtio.mmio.VirtioMmioTransport;
import javisor.virtio.queue.DescriptorChain;
import javisor.virtio.queue.FakeDriver;
import javisor.virtio.queue.SplitQueue;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/**
 * virtio-blk requests as a driver makes them (virtio 1.2, 5.2.6), on a real image file: data goes where the request
 * says and nowhere else, bad requests get an error status, and the file shows every write.
 */
class VirtioBlockTest {
    private static final int SECTORS = 16;

    @TempDir
    Path tmp;
    private final FakeDriver driver = new FakeDriver(16);
    private final SplitQueue queue = driver.queue(false, false);
    private VirtioBlock device;

    @AfterEach
    void close() {
        if (device != null) {
            device.close();
        }
        driver.close();
    }

    private Path image() throws IOException {
        byte[] data = new byte[SECTORS * 512];
        for (int i = 0; i < data.length; i++) {
            data[i] = (byte) (i / 512 + 1); // sector n holds n+1
        }
        return Files.write(tmp.resolve("disk.img"), data);
    }

    private VirtioBlock open(boolean readOnly) throws IOException {
        device = new VirtioBlock(DiskImage.open(image(), readOnly), "disk-serial-0123456789");
        return device;
    }

    private static byte[] header(int type, long sector) {
        return ByteBuffer.allocate(16).order(ByteOrder.LITTLE_ENDIAN).putInt(type).putInt(0).putLong(sector).array();
    }

    /** Runs one request through the device; returns {status, bytes written}. */
    private long[] request(FakeDriver.Buf... bufs) throws Exception {
        driver.add(bufs);
        DescriptorChain chain = queue.pop(driver.memory).orElseThrow();
        long written = device.handle(driver.memory, chain);
        FakeDriver.Buf last = bufs[bufs.length - 1];
        return new long[] {driver.read(last)[last.length() - 1], written};
    }

    @Test
    void readsAndWritesWholeSectorsOfTheFile() throws Exception {
        open(false);
        FakeDriver.Buf data = driver.buffer(1024, true);
        FakeDriver.Buf status = driver.buffer(1, true);
        assertThat(request(driver.buffer(16, false, header(VirtioBlock.T_IN, 2)), data, status))
                .containsExactly(VirtioBlock.S_OK, 1025);
        assertThat(driver.read(data)[0]).isEqualTo((byte) 3);
        assertThat(driver.read(data)[1023]).isEqualTo((byte) 4);

        byte[] nines = new byte[512];
        Arrays.fill(nines, (byte) 9);
        assertThat(request(driver.buffer(16, false, header(VirtioBlock.T_OUT, 15)), driver.buffer(512, false, nines),
                driver.buffer(1, true))).containsExactly(VirtioBlock.S_OK, 1);
        byte[] file = Files.readAllBytes(tmp.resolve("disk.img"));
        assertThat(file[15 * 512]).isEqualTo((byte) 9);
        assertThat(file[15 * 512 - 1]).as("the sector before is untouched").isEqualTo((byte) 15);
        assertThat(device.counters()).containsEntry("reads", 1L).containsEntry("writes", 1L)
                .containsEntry("bytes_written", 512L);
    }

    @Test
    void aRequestOutsideTheDiskOrOfPartSectorsIsAnErrorAndTouchesNothing() throws Exception {
        open(false);
        FakeDriver.Buf data = driver.buffer(1024, true);
        assertThat(request(driver.buffer(16, false, header(VirtioBlock.T_IN, SECTORS - 1)), data,
                driver.buffer(1, true))).containsExactly(VirtioBlock.S_IOERR, 1);
        assertThat(driver.read(data)).containsOnly(0);
        assertThat(request(driver.buffer(16, false, header(VirtioBlock.T_OUT, -1L)), driver.buffer(512, false),
                driver.buffer(1, true))[0]).as("sector 2^64 - 1").isEqualTo(VirtioBlock.S_IOERR);
        assertThat(request(driver.buffer(16, false, header(VirtioBlock.T_IN, 0)), driver.buffer(100, true),
                driver.buffer(1, true))[0]).as("not whole sectors").isEqualTo(VirtioBlock.S_IOERR);
        assertThat(request(driver.buffer(8, false), driver.buffer(1, true))[0]).as("a short header")
                .isEqualTo(VirtioBlock.S_IOERR);
        assertThat(request(driver.buffer(16, false, header(99, 0)), driver.buffer(1, true))[0])
                .isEqualTo(VirtioBlock.S_UNSUPP);
        assertThat(device.counters()).containsEntry("errors", 5L);
    }

    @Test
    void aChainWithoutRoomForTheStatusIsGivenBackEmpty() throws Exception {
        open(false);
        driver.add(driver.buffer(16, false, header(VirtioBlock.T_IN, 0)), driver.buffer(512, false));
        assertThat(device.handle(driver.memory, queue.pop(driver.memory).orElseThrow())).isZero();
    }

    @Test
    void requestsAnsweredBeforeABrokenRingEntryStillGetTheirInterrupt() throws Exception {
        // The serving loop once returned at a ring-level error without notifying the requests it had already put
        // on the used ring: a driver waiting for them hung (found by VirtioBlockFuzzTest).
        open(false);
        FakeDriver.Buf status = driver.buffer(1, true);
        driver.add(driver.buffer(16, false, header(VirtioBlock.T_FLUSH, 0)), status);
        driver.publish(999); // an entry that names no descriptor: dropped, and the batch ends after it
        CountingInterrupt interrupt = new CountingInterrupt();
        Activation a = new Activation(driver.memory, List.of(queue), List.of(), 0, interrupt);
        device.serve(device.requests(a));
        assertThat(driver.takeUsed()).hasSize(1);
        assertThat(driver.read(status)).containsExactly(VirtioBlock.S_OK);
        assertThat(interrupt.usedBuffers).as("used buffer notifications").hasValue(1);
    }

    @Test
    void flushAndGetIdAnswer() throws Exception {
        open(false);
        assertThat(request(driver.buffer(16, false, header(VirtioBlock.T_FLUSH, 0)), driver.buffer(1, true)))
                .containsExactly(VirtioBlock.S_OK, 1);
        FakeDriver.Buf id = driver.buffer(20, true);
        assertThat(request(driver.buffer(16, false, header(VirtioBlock.T_GET_ID, 0)), id, driver.buffer(1, true)))
                .containsExactly(VirtioBlock.S_OK, 21);
        assertThat(new String(driver.read(id))).isEqualTo("disk-serial-01234567");
        assertThat(device.counters()).containsEntry("flushes", 1L);
    }

    @Test
    void discardAndWriteZeroesPunchHolesThatReadBackAsZeros() throws Exception {
        open(false);
        byte[] segment = ByteBuffer.allocate(16).order(ByteOrder.LITTLE_ENDIAN).putLong(8).putInt(8).putInt(0)
                .array();
        assertThat(request(driver.buffer(16, false, header(VirtioBlock.T_WRITE_ZEROES, 0)),
                driver.buffer(16, false, segment), driver.buffer(1, true))).containsExactly(VirtioBlock.S_OK, 1);
        byte[] file = Files.readAllBytes(tmp.resolve("disk.img"));
        assertThat(file).hasSize(SECTORS * 512);
        assertThat(file[8 * 512 - 1]).isEqualTo((byte) 8);
        assertThat(Arrays.copyOfRange(file, 8 * 512, SECTORS * 512)).containsOnly(0);

        byte[] outside = ByteBuffer.allocate(16).order(ByteOrder.LITTLE_ENDIAN).putLong(12).putInt(8).putInt(0)
                .array();
        assertThat(request(driver.buffer(16, false, header(VirtioBlock.T_DISCARD, 0)),
                driver.buffer(16, false, outside), driver.buffer(1, true))[0]).isEqualTo(VirtioBlock.S_IOERR);
        byte[] reserved = ByteBuffer.allocate(16).order(ByteOrder.LITTLE_ENDIAN).putLong(0).putInt(1).putInt(2)
                .array();
        assertThat(request(driver.buffer(16, false, header(VirtioBlock.T_DISCARD, 0)),
                driver.buffer(16, false, reserved), driver.buffer(1, true))[0]).isEqualTo(VirtioBlock.S_UNSUPP);
    }

    @Test
    void aReadOnlyDiskOffersRoRefusesWritesAndIsOpenForReadingOnly() throws Exception {
        open(true);
        assertThat(device.offeredFeatures() & VirtioBlock.F_RO).isNotZero();
        assertThat(device.offeredFeatures() & (VirtioBlock.F_DISCARD | VirtioBlock.F_WRITE_ZEROES)).isZero();
        assertThat(device.offeredFeatures() & VirtioFeatures.VERSION_1).isNotZero();
        assertThat(request(driver.buffer(16, false, header(VirtioBlock.T_OUT, 0)), driver.buffer(512, false),
                driver.buffer(1, true))[0]).isEqualTo(VirtioBlock.S_IOERR);
        assertThat(Files.readAllBytes(tmp.resolve("disk.img"))[0]).isEqualTo((byte) 1);
        assertThat(device.readConfig(0, 8)).as("capacity in sectors").isEqualTo(SECTORS);
    }

    /**
     * The device behind its transport with its I/O thread, as a guest drives it: {@code d}'s queue set up through
     * the registers (4.2.3.1) and DRIVER_OK set. Returns the transport; {@code edges} counts interrupts.
     */
    private VirtioMmioTransport started(FakeDriver d, AtomicInteger edges) throws IOException {
        VirtioMmioTransport t = new VirtioMmioTransport("test", new VirtioBlock(DiskImage.open(image(), false), "x"),
                d.memory, edges::incrementAndGet);
        driverOk(t, d);
        return t;
    }

    private static void driverOk(VirtioMmioTransport t, FakeDriver d) {
        t.write(0x070, 4, DeviceStatus.ACKNOWLEDGE | DeviceStatus.DRIVER);
        t.write(0x024, 4, 1);
        t.write(0x020, 4, VirtioFeatures.VERSION_1 >>> 32);
        t.write(0x070, 4, DeviceStatus.ACKNOWLEDGE | DeviceStatus.DRIVER | DeviceStatus.FEATURES_OK);
        t.write(0x038, 4, d.size);
        t.write(0x080, 4, FakeDriver.DESC);
        t.write(0x090, 4, FakeDriver.AVAIL);
        t.write(0x0a0, 4, FakeDriver.USED);
        t.write(0x044, 4, 1);
        t.write(0x070, 4, t.read(0x070, 4) | DeviceStatus.DRIVER_OK);
        assertThat(t.read(0x070, 4) & DeviceStatus.DRIVER_OK).isNotZero();
    }

    /** Waits (up to 10 s) until the device has put {@code count} entries on the used ring in all. */
    private static void awaitUsed(FakeDriver d, int count) throws InterruptedException {
        for (int i = 0; i < 1000 && d.usedIndex() != count; i++) {
            Thread.sleep(10);
        }
        assertThat(d.usedIndex()).as("used entries").isEqualTo(count);
    }

    @Test
    void aStatusByteInTheGuestsRomIsRefusedAndTheDeviceGoesOn() throws Exception {
        // Before the device checked that writable buffers are writable RAM, the status byte's write into a
        // read-only mapping threw on the I/O thread, which died: every later request hung.
        try (FakeDriver d = FakeDriver.withRom(16)) {
            AtomicInteger edges = new AtomicInteger();
            try (VirtioMmioTransport t = started(d, edges)) {
                d.add(d.buffer(16, false, header(VirtioBlock.T_FLUSH, 0)),
                        new FakeDriver.Buf(FakeDriver.ROM + 0x10, 1, true));
                t.write(VirtioMmioTransport.QUEUE_NOTIFY, 4, 0);
                awaitUsed(d, 1);
                assertThat(d.takeUsed()).singleElement().satisfies(u -> assertThat(u[1]).as("nothing written")
                        .isZero());
                assertThat(d.memory.read(GuestAddress.of(FakeDriver.ROM), (int) FakeDriver.ROM_SIZE)).containsOnly(0);

                FakeDriver.Buf status = d.buffer(1, true, (byte) 0x7f);
                d.add(d.buffer(16, false, header(VirtioBlock.T_FLUSH, 0)), status);
                t.write(VirtioMmioTransport.QUEUE_NOTIFY, 4, 0);
                awaitUsed(d, 2);
                assertThat(d.read(status)).as("the next request is served").containsExactly(VirtioBlock.S_OK);
                assertThat(t.device().counters()).containsEntry("errors", 1L).containsEntry("flushes", 1L);
            }
        }
    }

    @Test
    void aBrokenRingMakesTheDeviceAskForAResetAndItWorksAgainAfterOne() throws Exception {
        AtomicInteger edges = new AtomicInteger();
        try (VirtioMmioTransport t = started(driver, edges)) {
            driver.setAvailIndex(100); // 100 requests claimed on a queue of 16
            t.write(VirtioMmioTransport.QUEUE_NOTIFY, 4, 0);
            for (int i = 0; i < 1000 && (t.read(0x070, 4) & DeviceStatus.DEVICE_NEEDS_RESET) == 0; i++) {
                Thread.sleep(10);
            }
            assertThat(t.read(0x070, 4) & DeviceStatus.DEVICE_NEEDS_RESET).isNotZero();
            assertThat(t.read(0x060, 4) & 2).as("a configuration change interrupt").isNotZero();
            assertThat(edges.get()).isEqualTo(1);

            t.write(0x070, 4, 0);
            assertThat(t.read(0x070, 4)).isZero();
            driver.restart();
            driverOk(t, driver);
            FakeDriver.Buf status = driver.buffer(1, true, (byte) 0x7f);
            driver.add(driver.buffer(16, false, header(VirtioBlock.T_FLUSH, 0)), status);
            t.write(VirtioMmioTransport.QUEUE_NOTIFY, 4, 0);
            awaitUsed(driver, 1);
            assertThat(driver.read(status)).containsExactly(VirtioBlock.S_OK);
        }
    }

    @Test
    void anImageThatIsNotWholeSectorsIsRefusedNamingIt() throws IOException {
        Path odd = Files.write(tmp.resolve("odd.img"), new byte[1000]);
        assertThatThrownBy(() -> DiskImage.open(odd, false))
                .hasMessage(odd + " is 1000 bytes, not a whole number of 512-byte sectors (round it up, e.g. "
                        + "truncate -s %512 odd.img)");
        assertThatThrownBy(() -> DiskImage.open(tmp.resolve("none.img"), true)).hasMessageEndingWith("none.img: no such file");
    }
}
