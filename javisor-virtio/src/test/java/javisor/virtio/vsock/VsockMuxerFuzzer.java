package javisor.virtio.vsock;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.ByteBuffer;
import java.nio.channels.ServerSocketChannel;
import java.nio.channels.SocketChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

import javisor.memory.GuestAddress;
import javisor.memory.GuestMemory;
import javisor.sys.Logs;
import javisor.virtio.Activation;
import javisor.virtio.CountingInterrupt;
import javisor.virtio.queue.FuzzInput;
import javisor.virtio.queue.FuzzedChain;
import javisor.virtio.queue.GuardedRam;
import javisor.virtio.queue.SplitQueue;
import com.code_intelligence.jazzer.junit.FuzzTest;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;

import static javisor.virtio.queue.FuzzedChain.within;

/**
 * Coverage-guided: virtio-vsock's connection logic (virtio 1.2, 5.10.6) under any sequence of guest packets and host
 * moves: connection requests to a host port that listens and to one that does not, data, credit, shutdowns and
 * resets for connections that exist or not, host clients with CONNECT lines, host sockets written to and closed.
 * The event loop runs on the fuzzer's thread ({@link VsockMuxer#step}), on rings the test lays out in
 * {@link GuardedRam}. After every step nothing threw; guest RAM changed only in the rx buffers and the used rings,
 * the guards not at all; every rx packet is a header from the host's CID to the guest's, its length the used
 * entry's; and the rings, which this test keeps whole, never ask for a reset.
 *
 * <p>Input ({@link FuzzInput}): ops until it ends, each an op byte {@code ...sdhkk}. Kind 0 and 1: a guest packet,
 * u16 source port, u8 op, u8 flags, u16 type if {@code h} else STREAM, u32 buf_alloc, u32 fwd_cnt, with {@code d} a u32 destination port
 * (else the host port that listens: {@value #LISTENING_PORT}), u16 payload length (mod 2048) and that many payload
 * bytes; {@code s} sets a source CID that is not the guest's. (Host-initiated connections come from local ports
 * from 2^30.) Kind 2: the host accepts a pending connection and writes a u8 count of bytes
 * to its newest socket, or with {@code d} closes it. Kind 3: a host client connects with {@code CONNECT <u16>}.
 */
class VsockMuxerFuzzer {
    private static final long GUEST_CID = 3;
    private static final int SIZE = 16;
    private static final long RX_DESC = 0x0;
    private static final long RX_AVAIL = 0x100;
    private static final long RX_USED = 0x200;
    private static final long TX_DESC = 0x400;
    private static final long TX_AVAIL = 0x500;
    private static final long TX_USED = 0x600;
    private static final long EV_DESC = 0x800;
    private static final long USED_BYTES = 6 + 8L * SIZE;
    private static final long RX_BUFFERS = 0x1000;
    private static final long RX_SLOT = 0x200;
    /** Each tx packet in a slot of its own above the rx buffers, round robin (the device takes each at once). */
    private static final long TX_BUFFERS = RX_BUFFERS + SIZE * RX_SLOT;
    private static final long TX_SLOT = 0x900;
    private static final int TX_SLOTS = 4;
    private static final int LISTENING_PORT = 1234;

    private static final GuardedRam RAM = new GuardedRam();
    private static Path dir;
    private static Path path;
    private static VirtioVsock device;
    private static ServerSocketChannel hostPort;
    private static System.Logger.Level logLevel;

    @BeforeAll
    static void start() throws IOException {
        logLevel = Logs.level();
        Logs.setLevel(System.Logger.Level.ERROR); // a refused packet is a warning; thousands of them are the point
        dir = Files.createTempDirectory("vsock-fuzz");
        path = dir.resolve("v.sock");
        device = new VirtioVsock(GUEST_CID, path);
        hostPort = HostSide.listen(Path.of(path + "_" + LISTENING_PORT));
    }

    @AfterAll
    static void stop() throws IOException {
        device.close();
        hostPort.close();
        try (var files = Files.list(dir)) {
            for (Path p : files.toList()) {
                Files.deleteIfExists(p);
            }
        }
        Files.deleteIfExists(dir);
        Logs.setLevel(logLevel);
    }

    @FuzzTest
    void guestPackets(byte[] data) throws IOException {
        FuzzInput in = new FuzzInput(data);
        GuestMemory mem = RAM.memory;
        FuzzedChain.load(RAM, new byte[0]);
        Ring rx = new Ring(mem, 0, SIZE, RX_DESC, RX_AVAIL, RX_USED);
        Ring tx = new Ring(mem, 1, SIZE, TX_DESC, TX_AVAIL, TX_USED);
        Ring event = new Ring(mem, 2, SIZE, EV_DESC, EV_DESC + 0x100, EV_DESC + 0x200);
        CountingInterrupt interrupt = new CountingInterrupt();
        SplitQueue rxQueue = rx.queue(false);
        VsockMuxer muxer = device.muxer(new Activation(mem, List.of(rxQueue, tx.queue(false), event.queue(false)),
                List.of(), 0, interrupt));
        List<SocketChannel> hostSockets = new ArrayList<>();
        int sent = 0;
        try {
            postRx(rx, muxer);
            while (in.more()) {
                int op = in.u8();
                switch (op & 3) {
                    case 0, 1 -> {
                        sendPacket(in, op, mem, tx, sent++);
                        muxer.kickTx();
                    }
                    case 2 -> hostMove(in, op, hostSockets);
                    default -> {
                        SocketChannel client = HostSide.connect(path);
                        hostSockets.add(client);
                        client.write(StandardCharsets.US_ASCII.encode("CONNECT " + in.u16() + "\n"));
                    }
                }
                RAM.remember();
                boolean serving = muxer.step(-1);
                RAM.assertChangesOnly("virtio-vsock", gpa -> within(gpa, RX_BUFFERS, SIZE * RX_SLOT)
                        || within(gpa, RX_USED, USED_BYTES) || within(gpa, TX_USED, USED_BYTES));
                RAM.assertGuardsIntact();
                check(serving, "the loop stopped on whole rings");
                check(interrupt.resets.get() == 0, "needsReset on whole rings");
                checkReceived(rx, mem);
                tx.takeUsed();
                postRx(rx, muxer);
            }
        } finally {
            muxer.close();
            for (SocketChannel s : hostSockets) {
                s.close();
            }
            for (SocketChannel s = hostPort.accept(); s != null; s = hostPort.accept()) {
                s.close();
            }
        }
    }

    /** An assertion for every step: plain, since AssertJ's builders were a tenth of this target's time. */
    private static void check(boolean ok, String what, Object... args) {
        if (!ok) {
            throw new AssertionError(String.format(what, args));
        }
    }

    /** Rx buffers in every free descriptor, one slot each. */
    private static void postRx(Ring rx, VsockMuxer muxer) {
        boolean posted = false;
        while (rx.outstanding() < SIZE) {
            int d = rx.nextDescriptor();
            rx.add(new Ring.Buf(RX_BUFFERS + d * RX_SLOT, RX_SLOT, true));
            posted = true;
        }
        if (posted) {
            muxer.kickRx();
        }
    }

    /** What the device put in the rx buffers: packets from the host to the guest, as long as the used entry says. */
    private static void checkReceived(Ring rx, GuestMemory mem) {
        for (long[] u : rx.takeUsed()) {
            int d = (int) u[0];
            check(d >= 0 && d < SIZE, "used entry for descriptor %d", d);
            check(u[1] <= RX_SLOT, "used length %d of a %d-byte buffer", u[1], RX_SLOT);
            if (u[1] > 0) {
                check(u[1] >= VsockPacketHeader.SIZE, "used length %d, shorter than a header", u[1]);
                VsockPacketHeader h = VsockPacketHeader.decode(mem.slice(GuestAddress.of(RX_BUFFERS + d * RX_SLOT),
                        VsockPacketHeader.SIZE));
                check(h.srcCid() == VsockPacketHeader.HOST_CID && h.dstCid() == GUEST_CID
                        && h.payloadLength() == u[1] - VsockPacketHeader.SIZE && VsockOp.of(h.op()).isPresent(),
                        "rx packet %s in a used entry of %d bytes", h, u[1]);
            }
        }
    }

    private static void sendPacket(FuzzInput in, int op, GuestMemory mem, Ring tx, int n) {
        int srcPort = in.u16();
        int code = in.u8();
        int flags = in.u8();
        int type = (op & 4) != 0 ? in.u16() : VsockPacketHeader.TYPE_STREAM;
        int bufAlloc = in.u32();
        int fwdCnt = in.u32();
        int dstPort = (op & 8) != 0 ? in.u32() : LISTENING_PORT;
        byte[] payload = in.bytes(in.u16() % 2048);
        long srcCid = (op & 16) != 0 ? GUEST_CID + 1 : GUEST_CID;
        VsockPacketHeader h = new VsockPacketHeader(srcCid, VsockPacketHeader.HOST_CID, srcPort, dstPort,
                payload.length, type, code, flags, bufAlloc, fwdCnt);
        long at = TX_BUFFERS + (n % TX_SLOTS) * TX_SLOT;
        mem.write(GuestAddress.of(at), h.toBytes());
        mem.write(GuestAddress.of(at + VsockPacketHeader.SIZE), payload);
        tx.add(new Ring.Buf(at, VsockPacketHeader.SIZE + payload.length, false));
    }

    private static void hostMove(FuzzInput in, int op, List<SocketChannel> hostSockets) throws IOException {
        SocketChannel s = hostPort.accept();
        if (s != null) {
            s.configureBlocking(false);
            hostSockets.add(s);
        }
        int n = in.u8();
        if (hostSockets.isEmpty()) {
            return;
        }
        SocketChannel last = hostSockets.getLast();
        if ((op & 8) != 0) {
            last.close();
        } else if (last.isOpen()) {
            try {
                last.write(ByteBuffer.wrap(new byte[n]));
            } catch (IOException e) {
                last.close(); // the device closed its end: the pipe is broken
            }
        }
    }
}
