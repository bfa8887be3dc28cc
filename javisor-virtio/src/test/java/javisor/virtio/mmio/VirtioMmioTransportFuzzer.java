package javisor.virtio.mmio;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;

import javisor.memory.GuestMemory;
import javisor.virtio.DeviceStatus;
import javisor.virtio.VirtioDevice;
import javisor.virtio.Unthreaded;
import javisor.virtio.VirtioFeatures;
import javisor.virtio.block.DiskImage;
import javisor.virtio.block.VirtioBlock;
import javisor.virtio.console.VirtioConsole;
import javisor.virtio.queue.FuzzInput;
import javisor.virtio.queue.GuardedRam;
import javisor.virtio.queue.QueueException;
import javisor.virtio.queue.SplitQueue;
import javisor.virtio.rng.VirtioRng;
import com.code_intelligence.jazzer.junit.FuzzTest;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * Coverage-guided: the virtio-mmio register file (virtio 1.2, 4.2.2) under any sequence of driver accesses, in
 * front of a real virtio-blk on an image file, a real virtio-rng or a real virtio-console. Nothing the driver writes
 * makes the transport throw, and what it shows follows the spec: the identity registers never change, a read fits
 * its width, the status holds only bits the driver wrote since its last reset (or DEVICE_NEEDS_RESET), FEATURES_OK
 * only with a subset of the offered features that includes VERSION_1, DRIVER_OK only with the device activated on
 * queues that lie in guest RAM, a feature word the selectors do not name (neither 0 nor 1) reads and writes as
 * nothing, and the console prints only what its emergency write register was given.
 *
 * <p>Input ({@link FuzzInput}): u8 device (mod 3: 0 block, 1 rng, 2 console), then ops, each an op byte
 * {@code rrrrrrkk}: kind 0 a 32-bit write of a u32 to register {@code rrrrrr * 4}, 1 a 32-bit read of it, 2 a write
 * of a u32 to the status register, 3 an access anywhere: u16 offset (mod 0x200), u8 width index into
 * {1, 2, 4, 8, 3} with bit 7 for a write, and a u64 value for a write.
 */
class VirtioMmioTransportFuzzer {
    private static final int[] WIDTHS = {1, 2, 4, 8, 3};
    private static final GuardedRam RAM = new GuardedRam();
    private static final VirtioBlock BLOCK;
    private static final VirtioRng RNG = new VirtioRng(0);
    private static final ByteArrayOutputStream CONSOLE_OUT = new ByteArrayOutputStream();
    private static final VirtioConsole CONSOLE = new VirtioConsole("fuzz", CONSOLE_OUT);

    static {
        try {
            // tmpfs where there is one: FLUSH and the like cost nothing there, and nothing lasts.
            Path dir = Files.isDirectory(Path.of("/dev/shm")) ? Path.of("/dev/shm") : null;
            Path image = dir == null ? Files.createTempFile("mmio-fuzz", ".img")
                    : Files.createTempFile(dir, "mmio-fuzz", ".img");
            image.toFile().deleteOnExit();
            Files.write(image, new byte[64 * DiskImage.SECTOR]);
            BLOCK = new VirtioBlock(DiskImage.open(image, false), "fuzz");
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    @FuzzTest
    void registers(byte[] data) throws QueueException {
        FuzzInput in = new FuzzInput(data);
        VirtioDevice real = switch (in.u8() % 3) {
            case 0 -> BLOCK;
            case 1 -> RNG;
            default -> CONSOLE;
        };
        CONSOLE_OUT.reset();
        Unthreaded device = new Unthreaded(real);
        GuestMemory mem = RAM.memory;
        long offered = real.offeredFeatures();
        int queues = real.queueSizes().size();
        try (VirtioMmioTransport t = new VirtioMmioTransport("fuzz", device, mem, () -> { })) {
            Driver d = new Driver(t);
            while (in.more()) {
                int op = in.u8();
                int reg = (op >>> 2) << 2;
                switch (op & 3) {
                    case 0 -> d.write(reg, 4, Integer.toUnsignedLong(in.u32()));
                    case 1 -> {
                        long v = t.read(reg, 4);
                        assertThat(v >>> 32).as("register 0x%x is 32 bits", reg).isZero();
                        switch (reg) {
                            case 0x000 -> assertThat(v).isEqualTo(0x7472_6976L);
                            case 0x004 -> assertThat(v).isEqualTo(2);
                            case 0x008 -> assertThat(v).isEqualTo(real.type().id());
                            case 0x010 -> assertThat(v).as("DeviceFeatures with DeviceFeaturesSel %s",
                                    Integer.toUnsignedString(d.deviceFeaturesSel)).isEqualTo(
                                    d.deviceFeaturesSel == 0 ? offered & 0xffff_ffffL
                                            : d.deviceFeaturesSel == 1 ? offered >>> 32 : 0);
                            case 0x034 -> assertThat(v).isEqualTo(Integer.toUnsignedLong(d.queueSel) < queues
                                    ? real.queueSizes().get(d.queueSel) : 0);
                            case 0x060 -> assertThat(v & ~3L).as("InterruptStatus has two bits").isZero();
                            default -> {
                            }
                        }
                    }
                    case 2 -> d.write(0x070, 4, Integer.toUnsignedLong(in.u32()));
                    default -> {
                        int offset = in.u16() % VirtioMmioTransport.SIZE;
                        int w = in.u8();
                        int width = WIDTHS[(w & 0x7f) % WIDTHS.length];
                        if ((w & 0x80) != 0) {
                            long v = in.u64();
                            int before = CONSOLE_OUT.size();
                            d.write(offset, width, v);
                            if (CONSOLE_OUT.size() != before) {
                                // virtio-console's emergency write (5.3.4): one byte, from a 32-bit write at 8.
                                assertThat(real).isSameAs(CONSOLE);
                                assertThat(offset).isEqualTo(0x108);
                                assertThat(width).isEqualTo(4);
                                assertThat(CONSOLE_OUT.toByteArray()).hasSize(before + 1).endsWith((byte) v);
                            }
                        } else {
                            long v = t.read(offset, width);
                            if (width < 8) {
                                assertThat(v >>> (8 * width)).as("a read of %d bytes at 0x%x", width, offset)
                                        .isZero();
                            }
                            if (offset >= 0x100 && offset + width > 0x100 + real.configSize()) {
                                assertThat(v).as("a read past the config space").isZero();
                            }
                        }
                    }
                }
                checkStatus(t, device, d.statusWritten, offered);
            }
        }
    }

    /** The driver's writes, and what the test remembers of them: the selectors and the status bits written. */
    private static final class Driver {
        private final VirtioMmioTransport t;
        int statusWritten; // every status bit the driver wrote since its last reset
        int deviceFeaturesSel;
        int driverFeaturesSel;
        int queueSel;

        Driver(VirtioMmioTransport t) {
            this.t = t;
        }

        void write(int offset, int width, long value) {
            long negotiated = t.negotiatedFeatures();
            t.write(offset, width, value);
            if (width != 4) {
                return; // the registers take 32-bit accesses only; config space writes are the device's
            }
            int v = (int) value;
            switch (offset) {
                case 0x014 -> deviceFeaturesSel = v;
                case 0x024 -> driverFeaturesSel = v;
                case 0x030 -> queueSel = v;
                case 0x020 -> {
                    if (driverFeaturesSel != 0 && driverFeaturesSel != 1) {
                        assertThat(t.negotiatedFeatures()).as("DriverFeatures with DriverFeaturesSel %s",
                                Integer.toUnsignedString(driverFeaturesSel)).isEqualTo(negotiated);
                    }
                }
                case 0x070 -> {
                    if ((v & 0xff) == 0) { // a reset (2.4): every register back to its initial value
                        statusWritten = 0;
                        deviceFeaturesSel = 0;
                        driverFeaturesSel = 0;
                        queueSel = 0;
                    } else {
                        statusWritten |= v & 0xff;
                    }
                }
                default -> {
                }
            }
        }
    }

    /** What the status says agrees with what the driver wrote and what the device was given. */
    private static void checkStatus(VirtioMmioTransport t, Unthreaded device, int written, long offered)
            throws QueueException {
        int status = t.status();
        assertThat(status & ~written & ~DeviceStatus.DEVICE_NEEDS_RESET).as("status 0x%x, written 0x%x", status,
                written).isZero();
        if ((status & DeviceStatus.FEATURES_OK) != 0) {
            long f = t.negotiatedFeatures();
            assertThat(f & ~offered).as("features taken beyond those offered").isZero();
            assertThat(f & VirtioFeatures.VERSION_1).as("VERSION_1").isNotZero();
        }
        if ((status & DeviceStatus.DRIVER_OK) != 0) {
            assertThat(status & DeviceStatus.FEATURES_OK).as("DRIVER_OK without FEATURES_OK").isNotZero();
            assertThat(device.activation()).as("DRIVER_OK without an activation").isNotNull();
            for (SplitQueue q : device.activation().queues()) {
                if (q.ready()) {
                    q.check(device.activation().memory()); // throws if the device was given a bad queue
                }
            }
        } else {
            assertThat(device.activation()).as("an activation without DRIVER_OK").isNull();
        }
    }
}
