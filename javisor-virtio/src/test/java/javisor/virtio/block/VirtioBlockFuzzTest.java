package javisor.virtio.block;

import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.SplittableRandom;
import java.util.concurrent.atomic.AtomicInteger;

import javisor.memory.GuestAddress;
import javisor.memory.GuestMemory;
import javisor.sys.Logs;
import javisor.virtio.Activation;
import javisor.virtio.DeviceStatus;
import javisor.virtio.Unthreaded;
import javisor.virtio.VirtioFeatures;
import javisor.virtio.mmio.VirtioMmioTransport;
import javisor.virtio.queue.Fuzzing;
import javisor.virtio.queue.GuardedRam;
import javisor.virtio.queue.SplitQueue;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import static javisor.virtio.queue.GuardedRam.RING_AREA_END;
import static javisor.virtio.queue.GuardedRam.inRam;
import static javisor.virtio.queue.GuardedRam.within;
import static org.assertj.core.api.Assertions.assertThat;

/**
 * virtio-blk on a real image file, driven through the virtio-mmio registers by a driver that writes anything: a set-up
 * sequence with steps left out and random register writes mixed in, then rounds of block requests (reads, writes,
 * flushes, GET_ID, DISCARD, WRITE_ZEROES and unknown types; sectors at and past the end of the disk and near 2^64;
 * buffers at the edges of guest RAM, of odd lengths, missing or extra) and of garbage in the rings. Seeded as
 * {@link Fuzzing} says. After every batch the device served:
 * <ul>
 *   <li>nothing but the used ring and the buffers the driver made device-writable (all in the data areas, above
 *       {@link GuardedRam#RING_AREA_END}) changed in guest RAM, and the guard bytes around RAM did not change;</li>
 *   <li>the disk file still has its size (a write past the end would grow it), and a read-only disk's file is
 *       unchanged to the byte;</li>
 *   <li>the device interrupted exactly when its used entries called for it (virtio 1.2, 2.7.7 and 2.7.10);</li>
 *   <li>nothing threw: the transport takes any register write, the device any request.</li>
 * </ul>
 * The device's I/O thread is the one thing left out: {@link Unthreaded} hands the activation to the test, which
 * calls the device's own serve method on its thread, so that a seed replays exactly.
 */
class VirtioBlockFuzzTest {
    private static final int ITERATIONS = 1000;
    private static final int SECTORS = 64;
    private static final long DATA_A = RING_AREA_END;
    private static final long DATA_A_LENGTH = 0xa000 - RING_AREA_END; // A's upper part and B, adjacent
    private static final long[][] DATA_AREAS = {{DATA_A, DATA_A_LENGTH}, {0x10_0000, 0x2000}, {-0x2000L, 0x2000}};
    private static final long DESC = 0x0;
    private static final long AVAIL = 0x1100;
    private static final long USED = 0x1400;
    private static final long TABLES = 0x2000;

    @TempDir
    Path tmp;

    @Test
    void noDriverInputReachesOutsideGuestRamOrTheDisk() throws Exception {
        byte[] contents = new byte[SECTORS * DiskImage.SECTOR];
        new SplittableRandom(7).nextBytes(contents);
        Path rwImage = Files.write(tmp.resolve("rw.img"), contents);
        Path roImage = Files.write(tmp.resolve("ro.img"), contents);
        System.Logger.Level level = Logs.level();
        Logs.setLevel(System.Logger.Level.ERROR); // thousands of warnings about bad rings are the point here
        try (VirtioBlock rw = new VirtioBlock(DiskImage.open(rwImage, false), "fuzz-rw");
             VirtioBlock ro = new VirtioBlock(DiskImage.open(roImage, true), "fuzz-ro")) {
            Fuzzing.run("virtio-blk", ITERATIONS, Duration.ofSeconds(10), r -> {
                try (GuardedRam ram = new GuardedRam()) {
                    new Driver(r.nextBoolean() ? rw : ro, ram, r).run();
                }
                assertThat(Files.size(rwImage)).as("the disk's size").isEqualTo(contents.length);
                assertThat(Files.readAllBytes(roImage)).as("the read-only disk").isEqualTo(contents);
            });
            Map<String, Long> counters = rw.counters();
            System.out.println("virtio-blk fuzz: read-write disk " + counters + ", read-only disk " + ro.counters());
            if (Integer.getInteger(Fuzzing.ITERATIONS, ITERATIONS) >= ITERATIONS) {
                // Every kind of request got through to the file: the inputs are not all refused at the door.
                assertThat(counters).allSatisfy((name, n) -> assertThat(n).as(name).isPositive());
            }
        } finally {
            Logs.setLevel(level);
        }
    }

    /** One iteration: set-up through the registers, then rounds of requests, each batch served and checked. */
    private static final class Driver {
        private final VirtioBlock block;
        private final GuardedRam ram;
        private final GuestMemory mem;
        private final SplittableRandom r;
        private final Unthreaded device;
        private final AtomicInteger edges = new AtomicInteger();
        private final VirtioMmioTransport transport;
        private int nextDesc;
        private long nextTable;
        /** Whether the request being made may break the rules: half of them do, in one way or several. */
        private boolean hostile;
        private boolean indirect;

        Driver(VirtioBlock block, GuardedRam ram, SplittableRandom r) {
            this.block = block;
            this.ram = ram;
            this.mem = ram.memory;
            this.r = r;
            this.device = new Unthreaded(block);
            this.transport = new VirtioMmioTransport("fuzz", device, mem, edges::incrementAndGet);
        }

        void run() {
            ram.randomize(r);
            try (transport) {
                for (int phase = r.nextInt(1, 3); phase > 0; phase--) {
                    setUp();
                    Activation a = device.activation();
                    if (a != null && a.queues().getFirst().ready()) {
                        for (int round = r.nextInt(1, 6); round > 0; round--) {
                            round(a, a.queues().getFirst());
                        }
                    }
                }
            }
        }

        private void write(int offset, long value) {
            transport.write(offset, 4, value);
        }

        /** A register write or read anywhere, of any width: what a confused driver does. */
        private void noise() {
            int offset = r.nextInt(4) == 0 ? r.nextInt(0x200) : r.nextInt(0x110) & ~3;
            int[] widths = {1, 2, 4, 4, 4, 8};
            int width = widths[r.nextInt(widths.length)];
            if (r.nextBoolean()) {
                transport.write(offset, width, r.nextLong());
            } else {
                transport.read(offset, width);
            }
        }

        /** The driver's initialization (virtio 1.2, 3.1.1 and 4.2.3), a step now and then left out or disturbed. */
        private void setUp() {
            long features = block.offeredFeatures() & r.nextLong() | (r.nextInt(10) == 0 ? 0 : VirtioFeatures.VERSION_1)
                    | (r.nextInt(10) == 0 ? 1L << r.nextInt(64) : 0);
            int size = r.nextInt(8) == 0 ? r.nextInt() : 1 << r.nextInt(9);
            List<Runnable> steps = List.of(
                    () -> write(0x070, 0),
                    () -> write(0x070, DeviceStatus.ACKNOWLEDGE),
                    () -> write(0x070, DeviceStatus.ACKNOWLEDGE | DeviceStatus.DRIVER),
                    () -> write(0x024, 0),
                    () -> write(0x020, features & 0xffff_ffffL),
                    () -> write(0x024, 1),
                    () -> write(0x020, features >>> 32),
                    () -> write(0x070, DeviceStatus.ACKNOWLEDGE | DeviceStatus.DRIVER | DeviceStatus.FEATURES_OK),
                    () -> write(0x030, r.nextInt(8) == 0 ? r.nextInt() : 0),
                    () -> write(0x038, size),
                    () -> ring(0x080, DESC, 16),
                    () -> ring(0x090, AVAIL, 2),
                    () -> ring(0x0a0, USED, 4),
                    () -> {
                        if (r.nextInt(8) > 0) {
                            mem.zero(GuestAddress.ZERO, RING_AREA_END); // a driver starts with clean rings
                        }
                    },
                    () -> write(0x044, r.nextInt(10) == 0 ? r.nextInt() : 1),
                    () -> write(0x070, transport.read(0x070, 4) | DeviceStatus.DRIVER_OK));
            for (Runnable step : steps) {
                int dice = r.nextInt(40);
                if (dice == 0) {
                    continue;
                }
                if (dice == 1) {
                    noise();
                }
                step.run();
            }
        }

        /**
         * A ring's address: mostly its usual place a little moved (keeping the alignment, never onto another ring),
         * else one the transport must refuse. (A ring on top of another, or among the buffers, is the queue fuzz's
         * business: here the device's writes would change the descriptors this test reasons about.)
         */
        private void ring(int register, long usual, int alignment) {
            long address = usual + alignment * r.nextLong(4);
            if (r.nextInt(10) == 0) {
                long[] bad = {usual + 1, 0x2_0000, 0xa000 - 4, -2, 0x1_0000_0000L + usual, r.nextLong()};
                address = bad[r.nextInt(bad.length)];
            }
            write(register, address & 0xffff_ffffL);
            write(register + 4, address >>> 32);
        }

        /**
         * A place in the data areas for {@code length} bytes (it may run past an area's end), or rarely anywhere but
         * among the rings.
         */
        private long data(long length) {
            long wild = GuardedRam.address(r);
            if (odd(12) && !within(wild, 0, RING_AREA_END)) {
                return wild;
            }
            long[] area = DATA_AREAS[r.nextInt(DATA_AREAS.length)];
            if (odd(6)) { // starts in the area (or below it) and runs past its end
                return area[0] + area[1] - r.nextLong(1, Math.max(2, length));
            }
            return area[0] + r.nextLong(area[1] - Math.min(length, area[1]) + 1);
        }

        /**
         * Whether the rings lie apart from each other below the data areas, where this test knows what the device
         * may write. A set-up that left a ring register alone (0 after a reset) or a stray register write can put
         * one ring on another: the device's used entries then rewrite descriptors, which may come to point
         * anywhere, and only the queue fuzz, which checks each step, can tell right from wrong there.
         */
        private static boolean apart(long[][] rings) {
            for (int i = 0; i < rings.length; i++) {
                if (!within(rings[i][0], 0, TABLES) || !within(rings[i][0] + rings[i][1] - 1, 0, TABLES)) {
                    return false;
                }
                for (int j = 0; j < i; j++) {
                    if (rings[i][0] < rings[j][0] + rings[j][1] && rings[j][0] < rings[i][0] + rings[i][1]) {
                        return false;
                    }
                }
            }
            return true;
        }

        private static boolean inDataArea(long gpa) {
            for (long[] a : DATA_AREAS) {
                if (within(gpa, a[0], a[1])) {
                    return true;
                }
            }
            return false;
        }

        /** One descriptor of a request: where, how long, whether the device writes it. */
        private record Buf(long address, long length, boolean writable) {
        }

        private Buf buffer(long length, boolean writable, byte[] contents) {
            long at = data(length);
            if (contents != null && inRam(at, contents.length)) {
                mem.write(GuestAddress.of(at), contents);
            }
            return new Buf(at, length, writable);
        }

        /** True one time in {@code n}, for a hostile request only. */
        private boolean odd(int n) {
            return hostile && r.nextInt(n) == 0;
        }

        private long sector() {
            return switch (hostile ? r.nextInt(10) : 9) {
                case 0 -> SECTORS - 1;
                case 1 -> SECTORS;
                case 2 -> SECTORS + r.nextInt(1, 4);
                case 3 -> -1L - r.nextInt(4);
                case 4 -> Long.MAX_VALUE / DiskImage.SECTOR + r.nextInt(-2, 3);
                case 5 -> r.nextLong();
                default -> r.nextLong(SECTORS);
            };
        }

        private long dataLength() {
            return odd(6) ? GuardedRam.length(r) & 0xffff_ffffL : DiskImage.SECTOR * (long) r.nextInt(5);
        }

        /** Data buffers of {@code total} bytes in one to three pieces. */
        private void pieces(List<Buf> out, long total, boolean writable, boolean randomContents) {
            int n = r.nextInt(1, 4);
            for (int i = 0; i < n; i++) {
                long piece = i == n - 1 ? total : r.nextLong(total + 1);
                total -= piece;
                byte[] contents = null;
                if (randomContents && piece <= 0x4000) {
                    contents = new byte[(int) piece];
                    r.nextBytes(contents);
                }
                out.add(buffer(piece, writable, contents));
            }
        }

        /** The buffers of one block request, mostly as virtio 1.2, 5.2.6 lays them out, sometimes not. */
        private List<Buf> request() {
            int[] types = {VirtioBlock.T_IN, VirtioBlock.T_OUT, VirtioBlock.T_FLUSH, VirtioBlock.T_GET_ID,
                    VirtioBlock.T_DISCARD, VirtioBlock.T_WRITE_ZEROES};
            hostile = r.nextBoolean();
            int type = odd(10) ? r.nextInt() : types[r.nextInt(types.length)];
            byte[] header = ByteBuffer.allocate(16).order(ByteOrder.LITTLE_ENDIAN).putInt(type).putInt(0)
                    .putLong(sector()).array();
            List<Buf> bufs = new ArrayList<>();
            int headerLength = switch (hostile ? r.nextInt(12) : 11) {
                case 0 -> 0;
                case 1 -> 8;
                case 2 -> 17;
                default -> 16;
            };
            bufs.add(buffer(headerLength, false, header));
            switch (type) {
                case VirtioBlock.T_IN -> pieces(bufs, dataLength(), true, false);
                case VirtioBlock.T_OUT -> pieces(bufs, dataLength(), false, true);
                case VirtioBlock.T_DISCARD, VirtioBlock.T_WRITE_ZEROES -> {
                    int n = odd(10) ? VirtioBlock.MAX_RANGE_SEGMENTS + 1 : r.nextInt(1, 4);
                    ByteBuffer segments = ByteBuffer.allocate(16 * n).order(ByteOrder.LITTLE_ENDIAN);
                    for (int i = 0; i < n; i++) {
                        long count = odd(4) ? r.nextInt() & 0xffff_ffffL : r.nextInt(SECTORS / 4);
                        segments.putLong(sector()).putInt((int) count).putInt(odd(8) ? r.nextInt() : 0);
                    }
                    bufs.add(buffer(segments.capacity() + (odd(10) ? 1 : 0), false, segments.array()));
                }
                case VirtioBlock.T_GET_ID -> pieces(bufs, odd(4) ? r.nextInt(40) : VirtioBlock.ID_BYTES,
                        true, false);
                default -> {
                    // FLUSH and unknown types: the header and the status
                }
            }
            switch (hostile ? r.nextInt(10) : 9) {
                case 0 -> {
                    // no status byte at all
                }
                case 1 -> bufs.add(buffer(0, true, null));
                case 2 -> bufs.add(buffer(r.nextInt(2, 5), true, null));
                default -> bufs.add(buffer(1, true, null));
            }
            if (odd(30)) {
                bufs.add(r.nextInt(bufs.size()), buffer(r.nextInt(600), r.nextBoolean(), null)); // out of order
            }
            return bufs;
        }

        private void descriptor(long table, int i, Buf b, int flags, int next) {
            long at = table + 16L * i;
            mem.writeU64(GuestAddress.of(at), b.address());
            mem.writeU32(GuestAddress.of(at + 8), (int) b.length());
            mem.writeU16(GuestAddress.of(at + 12), flags | (b.writable() ? 2 : 0));
            mem.writeU16(GuestAddress.of(at + 14), next);
        }

        /** Writes {@code bufs} as a chain in the descriptor table (or in an indirect table); returns the head. */
        private int chain(long desc, int size, List<Buf> bufs) {
            int head = nextDesc;
            if ((indirect || odd(4)) && r.nextInt(4) == 0 && 16L * bufs.size() <= RING_AREA_END - TABLES) {
                if (nextTable + 16L * bufs.size() > RING_AREA_END) {
                    nextTable = TABLES;
                }
                long table = nextTable;
                nextTable += 16L * bufs.size();
                for (int i = 0; i < bufs.size(); i++) {
                    descriptor(table, i, bufs.get(i), i < bufs.size() - 1 ? 1 : 0, i + 1);
                }
                descriptor(desc, head, new Buf(table, 16L * bufs.size(), false), 4, 0);
                nextDesc = (nextDesc + 1) % size;
                return head;
            }
            for (int i = 0; i < bufs.size(); i++) {
                int d = (nextDesc + i) % size;
                descriptor(desc, d, bufs.get(i), i < bufs.size() - 1 ? 1 : 0, (d + 1) % size);
            }
            nextDesc = (nextDesc + bufs.size()) % size;
            return head;
        }

        /** A batch of requests made available, some garbage in the rings now and then, served and checked. */
        private void round(Activation a, SplitQueue queue) {
            int size = queue.size();
            indirect = a.negotiated(VirtioFeatures.INDIRECT_DESC);
            long desc = queue.descriptorTable();
            long avail = queue.availableRing();
            long used = queue.usedRing();
            int idx = mem.readU16(GuestAddress.of(avail + 2));
            for (int n = r.nextInt(1, Math.min(size, 8) + 1); n > 0; n--) {
                int head = chain(desc, size, request());
                if (r.nextInt(40) == 0) {
                    head = r.nextInt(0x10000); // a head that is no descriptor
                }
                mem.writeU16(GuestAddress.of(avail + 4 + 2L * (idx % size)), head);
                idx = (idx + 1) & 0xffff;
            }
            if (r.nextInt(20) == 0) {
                idx = r.nextInt(0x10000); // an index from nowhere
            }
            if (r.nextInt(20) == 0) {
                // A random descriptor, device-writable only where buffers may be. Not indirect: its table would be
                // whatever the data areas hold, device-writable descriptors pointing anywhere among them.
                long length = GuardedRam.length(r) & 0xffff_ffffL;
                descriptor(desc, r.nextInt(size), new Buf(data(length), length, r.nextBoolean()), r.nextInt(2),
                        r.nextInt(r.nextBoolean() ? size : 0x10000));
            }
            mem.writeU16(GuestAddress.of(avail), r.nextInt(4) == 0 ? 1 : 0); // VIRTQ_AVAIL_F_NO_INTERRUPT
            int usedBefore = queue.nextUsed(); // what the ring holds may be older (a driver that did not clear it)
            mem.writeU16(GuestAddress.of(avail + 4 + 2L * size), usedBefore + r.nextInt(-2, 6)); // used_event
            mem.writeU16(GuestAddress.of(avail + 2), idx);

            int edgesBefore = edges.get();
            boolean brokenBefore = queue.broken();
            ram.remember();
            block.serve(block.requests(a));
            if (apart(new long[][] {{desc, 16L * size}, {avail, 6 + 2L * size}, {used, 6 + 8L * size}})) {
                ram.assertChangesOnly("virtio-blk", gpa -> inDataArea(gpa) || within(gpa, used, 6 + 8L * size));
            }
            ram.assertGuardsIntact();

            int usedAfter = queue.nextUsed();
            if (usedAfter != usedBefore) {
                assertThat(mem.readU16(GuestAddress.of(used + 2))).as("the used index published").isEqualTo(usedAfter);
            }
            boolean wanted = usedAfter != usedBefore && (a.negotiated(VirtioFeatures.EVENT_IDX)
                    ? needEvent(mem.readU16(GuestAddress.of(avail + 4 + 2L * size)), usedAfter, usedBefore)
                    : (mem.readU16(GuestAddress.of(avail)) & 1) == 0);
            // A ring that broke in this round (its index ran too far ahead) also costs one configuration change
            // interrupt, with DEVICE_NEEDS_RESET in the status (virtio 1.2, 2.1.2); a broken ring serves nothing more.
            boolean brokeNow = queue.broken() && !brokenBefore;
            assertThat(edges.get() - edgesBefore).as("interrupts for used index %d -> %d%s", usedBefore, usedAfter,
                    brokeNow ? ", the ring broken" : "").isEqualTo((wanted ? 1 : 0) + (brokeNow ? 1 : 0));
            if (brokeNow) {
                assertThat(transport.read(0x070, 4) & DeviceStatus.DEVICE_NEEDS_RESET).as("DEVICE_NEEDS_RESET")
                        .isNotZero();
                assertThat(transport.read(0x060, 4) & 2).as("InterruptStatus: configuration change").isEqualTo(2);
                write(0x064, 2);
            }
            if (wanted) {
                assertThat(transport.read(0x060, 4) & 1).as("InterruptStatus: used buffers").isEqualTo(1);
                write(0x064, 1);
            }
        }
    }

    /** vring_need_event (virtio 1.2, 2.7.10). */
    private static boolean needEvent(int event, int next, int old) {
        return ((next - event - 1) & 0xffff) < ((next - old) & 0xffff);
    }
}
