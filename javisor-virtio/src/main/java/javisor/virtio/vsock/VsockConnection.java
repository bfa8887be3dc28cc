package javisor.virtio.vsock;

import java.io.IOException;
import java.lang.foreign.MemorySegment;
import java.nio.ByteBuffer;
import java.nio.channels.SelectionKey;
import java.nio.channels.SocketChannel;

/**
 * One stream between a guest port and a host Unix socket, with its credit (virtio 1.2, 5.10.6.3): what the guest
 * may still send, what it lets the device send, and the guest's bytes the socket has not taken yet. Counters are
 * u32 and wrap, as the spec's do; differences between them are taken mod 2^32.
 *
 * <p>Used by the event loop's thread only ({@link VsockMuxer}); no locking.
 */
final class VsockConnection {
    enum State {
        /** A host client connected to the listener and has not yet sent its whole {@code CONNECT <port>} line. */
        AWAITING_LINE,
        /** The guest asked (REQUEST) and the connect to {@code path_port} has not finished. */
        CONNECTING,
        /** A host client asked; the device sent (or will send) a REQUEST and waits for the guest's RESPONSE. */
        REQUESTED,
        /** Data flows both ways. */
        ESTABLISHED,
        /** The host closed its side; the device told the guest (SHUTDOWN) and waits for its RST. */
        CLOSING
    }

    final SocketChannel channel;
    SelectionKey key;
    State state;
    /** The host side's port (the guest's dst_port), and the guest's. */
    int localPort;
    int peerPort;
    /** A host client asked for it: its local port was handed out by the device. */
    boolean hostInitiated;
    boolean closed;

    /** The guest's receive buffer and what it says it consumed of it. */
    int peerBufAlloc;
    int peerFwdCnt;
    /** Payload bytes sent to the guest; received from it; forwarded from it to the socket; last told it. */
    int txCnt;
    int rxCnt;
    int fwdCnt;
    int advertisedFwdCnt;

    /** Guest data the socket did not take yet, in fill mode (position = end of data); null while none. */
    private ByteBuffer out;
    private final int bufAlloc;

    /** What the device owes the guest on the rx queue. */
    boolean sendRequest;
    boolean sendResponse;
    boolean sendCreditUpdate;
    /** The selector said the socket has something to read (or EOF); it is read when an rx buffer is at hand. */
    boolean hostReadable;
    /** In the event loop's queue of connections with something for the guest. */
    boolean queued;

    boolean guestShutRcv;
    boolean guestShutSend;
    boolean outputShut;
    /** When, in System.nanoTime terms, the connection is given up on if it is still where it is; 0 for never. */
    long deadline;
    /** The CONNECT line read so far (a host client's connection before it is one). */
    final ConnectLine line = new ConnectLine();

    VsockConnection(SocketChannel channel, State state, int bufAlloc) {
        this.channel = channel;
        this.state = state;
        this.bufAlloc = bufAlloc;
    }

    /** The map key of a connection: the host port and the guest port. */
    static long key(int localPort, int peerPort) {
        return (Integer.toUnsignedLong(localPort) << 32) | Integer.toUnsignedLong(peerPort);
    }

    long key() {
        return key(localPort, peerPort);
    }

    /** The guest's credit news, carried by every packet it sends (5.10.6.3). */
    void peerCredit(int bufAlloc, int fwdCnt) {
        this.peerBufAlloc = bufAlloc;
        this.peerFwdCnt = fwdCnt;
    }

    /** How many bytes the device may send the guest now: peer_buf_alloc - (tx_cnt - peer_fwd_cnt), at least 0. */
    long peerCredit() {
        long inFlight = Integer.toUnsignedLong(txCnt - peerFwdCnt);
        return Math.max(0, Integer.toUnsignedLong(peerBufAlloc) - inFlight);
    }

    /**
     * Whether the guest may send {@code length} more bytes: what it sent past the last fwd_cnt the device told it
     * must fit the buf_alloc it was told. A guest that keeps the rule can never make the device hold more than
     * buf_alloc bytes for the connection, since what is held is what was received and not yet forwarded.
     */
    boolean guestMaySend(long length) {
        return Integer.toUnsignedLong(rxCnt - advertisedFwdCnt) + length <= bufAlloc;
    }

    /** The guest has not been told of at least a quarter of its buffer freed: time for a CREDIT_UPDATE. */
    boolean creditWorthTelling() {
        return Integer.toUnsignedLong(fwdCnt - advertisedFwdCnt) >= bufAlloc / 4;
    }

    boolean hasPendingOutput() {
        return out != null && out.position() > 0;
    }

    /** Something for the rx queue: a control packet, or host data the guest has credit for. */
    boolean hasRxWork() {
        return sendRequest || sendResponse || sendCreditUpdate
                || (hostReadable && canSendData());
    }

    boolean canSendData() {
        return state == State.ESTABLISHED && !guestShutRcv && peerCredit() > 0;
    }

    /**
     * Guest payload for the socket: written straight from guest memory while nothing waits before it, the rest
     * kept. Counts received and forwarded bytes. The caller checked {@link #guestMaySend}, so the kept part fits.
     */
    void forward(MemorySegment payload) throws IOException {
        rxCnt += (int) payload.byteSize();
        ByteBuffer src = payload.asByteBuffer();
        if (!hasPendingOutput() && !outputShut) {
            fwdCnt += channel.write(src);
        }
        if (src.hasRemaining()) {
            if (out == null || out.remaining() < src.remaining()) {
                grow(src.remaining());
            }
            out.put(src);
        }
    }

    private void grow(int more) {
        int need = (out == null ? 0 : out.position()) + more;
        int capacity = Math.min(bufAlloc, Math.max(16 * 1024, Integer.highestOneBit(Math.max(1, need - 1)) << 1));
        ByteBuffer bigger = ByteBuffer.allocate(Math.max(capacity, need));
        if (out != null) {
            bigger.put(out.flip());
        }
        out = bigger;
    }

    /** Writes what the socket takes of the kept data; the buffer goes once empty (an idle connection holds none). */
    void flush() throws IOException {
        if (!hasPendingOutput()) {
            return;
        }
        out.flip();
        fwdCnt += channel.write(out);
        out.compact();
        if (out.position() == 0) {
            out = null;
        }
    }

    /** The interest the selector should have for the connection's socket now. */
    int interestOps() {
        return switch (state) {
            case AWAITING_LINE -> SelectionKey.OP_READ;
            case CONNECTING -> SelectionKey.OP_CONNECT;
            case REQUESTED -> 0;
            case ESTABLISHED, CLOSING -> {
                int ops = hasPendingOutput() ? SelectionKey.OP_WRITE : 0;
                if (state == State.ESTABLISHED && !guestShutRcv && !hostReadable && peerCredit() > 0) {
                    ops |= SelectionKey.OP_READ;
                }
                yield ops;
            }
        };
    }

    /**
     * A header from the host side of this connection to the guest, carrying the device's credit; the guest learns
     * the fwd_cnt with it, so a pending CREDIT_UPDATE is no longer needed.
     */
    VsockPacketHeader header(long guestCid, VsockOp op, int flags, int len) {
        advertisedFwdCnt = fwdCnt;
        sendCreditUpdate = false;
        return new VsockPacketHeader(VsockPacketHeader.HOST_CID, guestCid, localPort, peerPort, len,
                VsockPacketHeader.TYPE_STREAM, op.code(), flags, bufAlloc, fwdCnt);
    }

    /** The RST that tells the guest this connection is gone. */
    VsockPacketHeader reset(long guestCid) {
        return new VsockPacketHeader(VsockPacketHeader.HOST_CID, guestCid, localPort, peerPort, 0,
                VsockPacketHeader.TYPE_STREAM, VsockOp.RST.code(), 0, 0, 0);
    }
}
