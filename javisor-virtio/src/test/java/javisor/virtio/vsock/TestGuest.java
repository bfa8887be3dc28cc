package javisor.virtio.vsock;

import java.lang.foreign.MemorySegment;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.locks.LockSupport;
import java.util.function.Supplier;

import javisor.memory.GuestAddress;
import javisor.memory.GuestMemory;
import javisor.memory.GuestRegion;
import javisor.memory.RegionFlags;
import javisor.virtio.Activation;
import javisor.virtio.Doorbell;
import javisor.virtio.CountingInterrupt;

/**
 * The guest's vsock driver, played by a test: rx, tx and event rings in real guest memory, rx buffers of Linux's
 * size (a 44-byte header and 4 KiB of data) kept posted, packets sent on tx and rung, what the device put on rx
 * read back. Each ring has one fixed buffer per descriptor, so buffers come back for reuse as the device uses them.
 */
final class TestGuest implements AutoCloseable {
    static final long CID = 3;
    static final int SIZE = 64;
    static final int RX_BUFFER = VsockPacketHeader.SIZE + 4096;
    static final int TX_BUFFER = VsockPacketHeader.SIZE + GuestPacket.MAX_PAYLOAD;
    private static final long RX_BUFFERS = 0x10_0000;
    private static final long TX_BUFFERS = 0x20_0000;
    static final Duration DEADLINE = Duration.ofSeconds(10);

    /** A packet the device sent the guest. */
    record Packet(VsockPacketHeader header, byte[] payload) {
        VsockOp op() {
            return VsockOp.of(header.op()).orElseThrow();
        }
    }

    final GuestMemory memory = GuestMemory.of(List.of(GuestRegion.allocate(GuestAddress.ZERO, 16 << 20,
            RegionFlags.RWX)));
    final Ring rx = new Ring(memory, 0, SIZE, 0x1000, 0x2000, 0x3000);
    final Ring tx = new Ring(memory, 1, SIZE, 0x4000, 0x5000, 0x6000);
    final Ring event = new Ring(memory, 2, SIZE, 0x7000, 0x8000, 0x9000);
    final List<Doorbell> doorbells = List.of(new Doorbell(), new Doorbell(), new Doorbell());
    final CountingInterrupt interrupt = new CountingInterrupt();
    final AtomicInteger interrupts = interrupt.usedBuffers;
    final AtomicInteger resetsAsked = interrupt.resets;
    private final ArrayDeque<Integer> freeTx = new ArrayDeque<>();
    private final ArrayDeque<Packet> received = new ArrayDeque<>();

    TestGuest() {
        for (int i = 0; i < SIZE; i++) {
            freeTx.add(i);
        }
    }

    Activation activation() {
        return new Activation(memory, List.of(rx.queue(false), tx.queue(false), event.queue(false)), doorbells,
                0, interrupt);
    }

    /** Posts every rx descriptor with an empty buffer, and again each time the device used them. */
    void fillRx() {
        refill = true;
        postRx(SIZE - rx.outstanding());
    }

    /** Posts {@code n} more rx buffers (and stops posting them on its own: the test gives what it wants to give). */
    void postRx(int n) {
        for (int i = 0; i < n && rx.outstanding() < SIZE; i++) {
            int d = rx.nextDescriptor(); // used in the order posted: this one is back
            rx.add(new Ring.Buf(RX_BUFFERS + (long) d * RX_BUFFER, RX_BUFFER, true));
        }
        doorbells.get(0).ring();
    }

    private boolean refill;

    void stopRefilling() {
        refill = false;
    }

    /** Sends a packet on tx; waits (polling) for a free tx buffer first. */
    void send(VsockPacketHeader h, byte[] payload) {
        reclaimTx();
        await("a free tx buffer", () -> {
            reclaimTx();
            return freeTx.isEmpty() ? null : true;
        });
        int d = freeTx.poll();
        long at = TX_BUFFERS + (long) d * TX_BUFFER;
        memory.write(GuestAddress.of(at), h.toBytes());
        memory.write(GuestAddress.of(at + VsockPacketHeader.SIZE), payload);
        txAdd(d, at, VsockPacketHeader.SIZE + payload.length);
        doorbells.get(1).ring();
    }

    private void txAdd(int d, long at, int length) {
        // one descriptor a packet, at the descriptor whose buffer it is
        tx.descriptor(d, at, length, 0, 0);
        tx.publish(d);
    }

    boolean txFree() {
        reclaimTx();
        return !freeTx.isEmpty();
    }

    private void reclaimTx() {
        for (long[] u : tx.takeUsed()) {
            freeTx.add((int) u[0]);
        }
    }

    /** A header from the guest to the host. */
    static VsockPacketHeader header(VsockOp op, int srcPort, int dstPort, int len, int flags, int bufAlloc,
                                    int fwdCnt) {
        return new VsockPacketHeader(CID, VsockPacketHeader.HOST_CID, srcPort, dstPort, len,
                VsockPacketHeader.TYPE_STREAM, op.code(), flags, bufAlloc, fwdCnt);
    }

    /** Reads what the device put on rx since the last call, and posts the buffers again. */
    List<Packet> poll() {
        List<Packet> out = new ArrayList<>();
        for (long[] u : rx.takeUsed()) {
            long at = rx.address((int) u[0]);
            byte[] bytes = memory.read(GuestAddress.of(at), (int) u[1]);
            VsockPacketHeader h = VsockPacketHeader.decode(MemorySegment.ofArray(bytes));
            byte[] payload = new byte[(int) u[1] - VsockPacketHeader.SIZE];
            System.arraycopy(bytes, VsockPacketHeader.SIZE, payload, 0, payload.length);
            out.add(new Packet(h, payload));
        }
        if (!out.isEmpty() && refill) {
            postRx(SIZE - rx.outstanding());
        }
        return out;
    }

    /** The next packet from the device, waiting for it up to the deadline. */
    Packet next() {
        return await("a packet on rx", () -> {
            if (received.isEmpty()) {
                received.addAll(poll());
            }
            return received.poll();
        });
    }

    /** The next packet, which must be {@code op}. */
    Packet next(VsockOp op) {
        Packet p = next();
        if (p.op() != op) {
            throw new AssertionError("expected " + op + ", got " + p.header());
        }
        return p;
    }

    /** Polls {@code probe} until it gives non-null, failing after {@link #DEADLINE}. */
    static <T> T await(String what, Supplier<T> probe) {
        long end = System.nanoTime() + DEADLINE.toNanos();
        while (true) {
            T t = probe.get();
            if (t != null) {
                return t;
            }
            if (System.nanoTime() - end > 0) {
                throw new AssertionError("no " + what + " within " + DEADLINE);
            }
            LockSupport.parkNanos(50_000);
        }
    }

    static byte[] bytes(String s) {
        return s.getBytes(StandardCharsets.US_ASCII);
    }

    @Override
    public void close() {
        doorbells.forEach(Doorbell::close);
        memory.close();
    }
}
