package javisor.virtio.vsock;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.ServerSocketChannel;
import java.nio.channels.SocketChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.SplittableRandom;
import java.util.concurrent.atomic.AtomicInteger;

import javisor.memory.GuestAddress;
import javisor.memory.GuestMemory;
import javisor.sys.Logs;
import javisor.virtio.Activation;
import javisor.virtio.CountingInterrupt;
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
 * virtio-vsock fed packets a hostile guest might send, over {@link GuardedRam}: headers with any CID, port, op,
 * type, length and credit; chains too short, split anywhere, running off the edges of RAM; now and then a head
 * that is no descriptor or an available index from nowhere; host sockets that connect, write and close in between.
 * Seeded as {@link Fuzzing} says; the event loop runs on the test's thread ({@link VsockMuxer#step}), so that a
 * seed replays exactly. After every step:
 * <ul>
 *   <li>nothing threw out of the loop;</li>
 *   <li>guest RAM changed only in the rx buffers the driver posted and the used rings, the guards not at all;</li>
 *   <li>every rx packet is a header from the host to the guest, no longer than its buffer;</li>
 *   <li>a ring that broke was reported with needsReset, and the loop serves no more.</li>
 * </ul>
 * At the end of an iteration whose rings are whole, a well-formed connection still works.
 */
class VsockFuzzTest {
    private static final int ITERATIONS = 400;
    private static final int SIZE = 16;
    private static final long RX_DESC = 0x0;
    private static final long RX_AVAIL = 0x100;
    private static final long RX_USED = 0x200;
    private static final long TX_DESC = 0x400;
    private static final long TX_AVAIL = 0x500;
    private static final long TX_USED = 0x600;
    private static final long EV_DESC = 0x800;
    private static final long USED_BYTES = 6 + 8L * SIZE;
    /** The rx buffers: one slot of 0x200 bytes per rx descriptor. */
    private static final long RX_BUFFERS = RING_AREA_END;
    private static final long RX_SLOT = 0x200;
    /** Where tx packets go: A's upper part and B, adjacent; C; T at the top of the address space. */
    private static final long[][] TX_AREAS = {{0x6000, 0x4000}, {0x10_0000, 0x2000}, {-0x2000L, 0x2000}};
    private static final int HOST_PORT = 1234;
    private static final int CHECK_PORT = 7777;

    @TempDir
    Path tmp;

    @Test
    void noPacketEscapesItsBuffersOrStopsAGoodConnection() throws Exception {
        Path path = tmp.resolve("f.sock");
        System.Logger.Level level = Logs.level();
        Logs.setLevel(System.Logger.Level.ERROR); // thousands of bad packets are the point here
        try (VirtioVsock device = new VirtioVsock(3, path);
             ServerSocketChannel hostPort = HostSide.listen(Path.of(path + "_" + HOST_PORT));
             ServerSocketChannel checkPort = HostSide.listen(Path.of(path + "_" + CHECK_PORT))) {
            AtomicInteger checked = new AtomicInteger();
            Fuzzing.run("virtio-vsock", ITERATIONS, Duration.ofSeconds(10), r -> {
                try (GuardedRam ram = new GuardedRam()) {
                    if (new Iteration(device, ram, r, path, hostPort, checkPort).run()) {
                        checked.incrementAndGet();
                    }
                }
            });
            Map<String, Long> counters = device.counters();
            System.out.println("virtio-vsock fuzz: " + counters + ", " + checked + " good connections checked");
            if (Integer.getInteger(Fuzzing.ITERATIONS, ITERATIONS) >= ITERATIONS) {
                // Every kind of traffic happened: the inputs are not all refused at the door. (None is left open.)
                assertThat(counters).allSatisfy((name, n) -> assertThat(n).as(name)
                        .isEqualTo(name.equals("connections_active") ? 0 : Math.max(1, n)));
                assertThat(checked.get()).as("iterations whose rings stayed whole").isGreaterThan(ITERATIONS / 2);
            }
        } finally {
            Logs.setLevel(level);
        }
    }

    private static final class Iteration {
        private final GuardedRam ram;
        private final GuestMemory mem;
        private final SplittableRandom r;
        private final Path path;
        private final ServerSocketChannel hostPort;
        private final ServerSocketChannel checkPort;
        private final Ring rx;
        private final SplitQueue rxQueue;
        private final Ring tx;
        private final VsockMuxer muxer;
        private final CountingInterrupt interrupt = new CountingInterrupt();
        private final AtomicInteger resetsAsked = interrupt.resets;
        private final List<SocketChannel> hostSockets = new ArrayList<>();
        /** Each rx descriptor's buffer length as posted. */
        private final long[] rxLength = new long[SIZE];
        private boolean stopped;
        private boolean hostile;

        Iteration(VirtioVsock device, GuardedRam ram, SplittableRandom r, Path path, ServerSocketChannel hostPort,
                  ServerSocketChannel checkPort) {
            this.ram = ram;
            this.mem = ram.memory;
            this.r = r;
            this.path = path;
            this.hostPort = hostPort;
            this.checkPort = checkPort;
            ram.randomize(r);
            mem.zero(GuestAddress.ZERO, RING_AREA_END);
            rx = new Ring(mem, 0, SIZE, RX_DESC, RX_AVAIL, RX_USED);
            tx = new Ring(mem, 1, SIZE, TX_DESC, TX_AVAIL, TX_USED);
            Ring event = new Ring(mem, 2, SIZE, EV_DESC, EV_DESC + 0x100, EV_DESC + 0x200);
            boolean eventIdx = r.nextBoolean();
            rxQueue = rx.queue(eventIdx);
            Activation a = new Activation(mem, List.of(rxQueue, tx.queue(eventIdx),
                    event.queue(eventIdx)), List.of(), 0, interrupt);
            muxer = device.muxer(a);
        }

        /** Returns whether a good connection was checked at the end (false when a ring broke). */
        boolean run() throws IOException {
            try {
                postRx();
                for (int n = r.nextInt(1, 21); n > 0 && !stopped; n--) {
                    if (r.nextInt(8) == 0) {
                        hostMischief();
                    }
                    sendPacket();
                    step();
                }
                if (stopped) {
                    assertThat(resetsAsked.get()).as("needsReset for a broken ring").isPositive();
                    assertThat(muxer.step(-1)).as("a broken device serves no more").isFalse();
                    return false;
                }
                assertThat(resetsAsked.get()).as("needsReset with whole rings").isZero();
                checkGoodConnection();
                if (stopped) { // the rx ring's bad index showed only when the check needed a buffer
                    assertThat(resetsAsked.get()).as("needsReset for a broken ring").isPositive();
                    return false;
                }
                return true;
            } finally {
                muxer.close();
                for (SocketChannel s : hostSockets) {
                    s.close();
                }
                drainListener(hostPort);
                drainListener(checkPort);
            }
        }

        private static void drainListener(ServerSocketChannel l) throws IOException {
            for (SocketChannel s = l.accept(); s != null; s = l.accept()) {
                s.close();
            }
        }

        private boolean odd(int n) {
            return hostile && r.nextInt(n) == 0;
        }

        /** Rx buffers in every free descriptor: mostly a slot's worth, sometimes too short for a header. */
        private void postRx() {
            while (rx.outstanding() < SIZE) {
                int d = rx.nextDescriptor();
                long length = r.nextInt(6) == 0 ? r.nextInt(0, 60) : RX_SLOT;
                rxLength[d] = length;
                rx.add(new Ring.Buf(RX_BUFFERS + d * RX_SLOT, length, true));
            }
            muxer.kickRx();
        }

        /** One step of the loop, checked; the rx packets read back and their buffers posted again. */
        private boolean step() {
            ram.remember();
            boolean serving = muxer.step(-1);
            ram.assertChangesOnly("virtio-vsock", gpa -> within(gpa, RX_BUFFERS, SIZE * RX_SLOT)
                    || within(gpa, RX_USED, USED_BYTES) || within(gpa, TX_USED, USED_BYTES));
            ram.assertGuardsIntact();
            List<long[]> used = rx.takeUsed();
            for (long[] u : used) {
                int d = (int) u[0];
                assertThat(d).as("used entry %s, used idx %d, device next used %d", Arrays.toString(u),
                        mem.readU16(GuestAddress.of(RX_USED + 2)), rxQueue.nextUsed()).isBetween(0, SIZE - 1);
                assertThat(u[1]).as("used length of a %d-byte rx buffer", rxLength[d]).isLessThanOrEqualTo(rxLength[d]);
                if (u[1] > 0) {
                    assertThat(u[1]).isGreaterThanOrEqualTo(VsockPacketHeader.SIZE);
                    VsockPacketHeader h = VsockPacketHeader.decode(mem.slice(GuestAddress.of(RX_BUFFERS + d * RX_SLOT),
                            VsockPacketHeader.SIZE));
                    assertThat(h.srcCid()).isEqualTo(2);
                    assertThat(h.dstCid()).isEqualTo(3);
                    assertThat(h.payloadLength()).isEqualTo(u[1] - VsockPacketHeader.SIZE);
                    received.add(h);
                }
            }
            tx.takeUsed();
            if (!serving) {
                stopped = true;
            } else if (!used.isEmpty()) {
                postRx();
            }
            return serving;
        }

        private final List<VsockPacketHeader> received = new ArrayList<>();

        /** The host side moves: a connection accepted and written to or closed, or a client with some line. */
        private void hostMischief() throws IOException {
            SocketChannel s = hostPort.accept();
            if (s != null) {
                s.configureBlocking(false);
                hostSockets.add(s);
            }
            if (!hostSockets.isEmpty()) {
                SocketChannel h = hostSockets.get(r.nextInt(hostSockets.size()));
                if (r.nextInt(3) == 0) {
                    h.close();
                } else if (h.isOpen()) {
                    byte[] data = new byte[r.nextInt(1, 3000)];
                    r.nextBytes(data);
                    try {
                        h.write(ByteBuffer.wrap(data));
                    } catch (IOException e) {
                        h.close(); // the device closed its end (an RST from the guest): the pipe is broken
                    }
                }
            }
            if (r.nextInt(4) == 0) {
                SocketChannel client = HostSide.connect(path);
                hostSockets.add(client);
                String[] lines = {"CONNECT 52\n", "CONNECT 5000\n", "CONNECT x\n", "GARBAGE", "CONNECT 52"};
                client.write(StandardCharsets.US_ASCII.encode(lines[r.nextInt(lines.length)]));
            }
        }

        private int port(int usual) {
            return switch (hostile ? r.nextInt(6) : r.nextInt(3)) {
                case 0 -> usual;
                case 1 -> usual + 1;
                case 2 -> usual + 2;
                case 3 -> 9;
                case 4 -> -1;
                default -> r.nextInt();
            };
        }

        /**
         * A place in the tx areas for {@code length} bytes (it may run past an area's end), or rarely anywhere but
         * the rings and rx buffers.
         */
        private long data(long length) {
            long wild = GuardedRam.address(r);
            if (odd(12) && !within(wild, 0, RING_AREA_END + SIZE * RX_SLOT)) {
                return wild; // never among the rings or the rx buffers, which this test writes itself
            }
            long[] area = TX_AREAS[r.nextInt(TX_AREAS.length)];
            if (odd(6)) {
                return area[0] + area[1] - r.nextLong(1, Math.max(2, length));
            }
            return area[0] + r.nextLong(area[1] - Math.min(length, area[1]) + 1);
        }

        private void sendPacket() {
            hostile = r.nextBoolean();
            int payload = r.nextInt(4) == 0 ? r.nextInt(0, 3000) : r.nextInt(0, 100);
            int[] ops = {1, 1, 2, 3, 4, 5, 5, 5, 6, 7};
            int op = odd(5) ? r.nextInt(0x10000) : ops[r.nextInt(ops.length)];
            int type = odd(5) ? (r.nextBoolean() ? 2 : r.nextInt(0x10000)) : 1;
            long len = switch (hostile ? r.nextInt(6) : 5) {
                case 0 -> payload + 1;
                case 1 -> GuestPacket.MAX_PAYLOAD + 1;
                case 2 -> r.nextInt() & 0xffff_ffffL;
                case 3 -> Math.max(0, payload - 1);
                default -> payload;
            };
            int[] allocs = {0, 4096, 256 * 1024, r.nextInt()};
            VsockPacketHeader h = new VsockPacketHeader(odd(8) ? r.nextLong() : 3, odd(8) ? r.nextInt(5) : 2,
                    port(5000), port(HOST_PORT), (int) len, type, op, r.nextInt(4) == 0 ? r.nextInt() : r.nextInt(4),
                    allocs[r.nextInt(allocs.length)], r.nextInt(4) == 0 ? r.nextInt() : r.nextInt(0, 10_000));
            byte[] bytes = new byte[VsockPacketHeader.SIZE + payload];
            r.nextBytes(bytes);
            System.arraycopy(h.toBytes(), 0, bytes, 0, VsockPacketHeader.SIZE);
            if (odd(10)) {
                bytes = Arrays.copyOf(bytes, r.nextInt(0, VsockPacketHeader.SIZE)); // a short header
            }
            List<Ring.Buf> bufs = new ArrayList<>();
            int pieces = r.nextInt(1, 4);
            int at = 0;
            for (int i = 0; i < pieces; i++) {
                int n = i == pieces - 1 ? bytes.length - at : r.nextInt(0, bytes.length - at + 1);
                long length = odd(10) ? GuardedRam.length(r) & 0xffff_ffffL : n;
                long where = data(length);
                if (inRam(where, n)) {
                    mem.write(GuestAddress.of(where), Arrays.copyOfRange(bytes, at, at + n));
                }
                bufs.add(new Ring.Buf(where, length, false));
                at += n;
            }
            if (odd(15)) {
                bufs.add(new Ring.Buf(data(64), 64, true)); // a writable part: the device has no use for it
            }
            if (r.nextInt(80) == 0) {
                tx.publish(r.nextInt(0x10000)); // a head that is no descriptor
            } else {
                tx.add(bufs.toArray(Ring.Buf[]::new));
            }
            if (r.nextInt(100) == 0) {
                tx.setAvailIndex(r.nextInt(0x10000)); // an index from nowhere: the ring may break
            }
            if (r.nextInt(200) == 0) {
                rx.setAvailIndex(r.nextInt(0x10000));
                muxer.kickRx();
            }
            muxer.kickTx();
        }

        private void sendWellFormed(VsockPacketHeader h, byte[] payload) {
            long where = TX_AREAS[1][0];
            mem.write(GuestAddress.of(where), h.toBytes());
            mem.write(GuestAddress.of(where + VsockPacketHeader.SIZE), payload);
            tx.add(new Ring.Buf(where, VsockPacketHeader.SIZE + payload.length, false));
            muxer.kickTx();
        }

        /** A fresh guest port connects to a host listener and says ping: the device still does its job. */
        private void checkGoodConnection() throws IOException {
            // (If a ring breaks on the way, the step marks the iteration stopped and the check ends.)
            int guestPort = 40_000 + r.nextInt(1000);
            sendWellFormed(TestGuest.header(VsockOp.REQUEST, guestPort, CHECK_PORT, 0, 0, 65536, 0), new byte[0]);
            if (!awaitPacket(VsockOp.RESPONSE, guestPort)) {
                return;
            }
            SocketChannel host = checkPort.accept();
            assertThat(host).as("the host end of the good connection").isNotNull();
            hostSockets.add(host);
            host.configureBlocking(false);
            sendWellFormed(TestGuest.header(VsockOp.RW, guestPort, CHECK_PORT, 4, 0, 65536, 0),
                    "ping".getBytes(StandardCharsets.US_ASCII));
            ByteBuffer got = ByteBuffer.allocate(4);
            for (int i = 0; i < 1000 && got.hasRemaining(); i++) {
                step();
                host.read(got);
            }
            assertThat(new String(got.array(), StandardCharsets.US_ASCII)).isEqualTo("ping");
        }

        /** Steps until the packet comes; false if a ring broke first (the fuzz left a bad index behind). */
        private boolean awaitPacket(VsockOp op, int guestPort) {
            for (int i = 0; i < 1000; i++) {
                if (!step()) {
                    return false;
                }
                for (VsockPacketHeader h : received) {
                    if (h.op() == op.code() && h.dstPort() == guestPort && h.srcPort() == CHECK_PORT) {
                        return true;
                    }
                }
                received.clear();
            }
            throw new AssertionError("no " + op + " to guest port " + guestPort + " after 1000 steps");
        }
    }
}
