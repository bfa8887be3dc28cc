package javisor.virtio.vsock;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.lang.System.Logger.Level;
import java.lang.foreign.MemorySegment;
import java.net.StandardProtocolFamily;
import java.net.UnixDomainSocketAddress;
import java.nio.ByteBuffer;
import java.nio.channels.SelectionKey;
import java.nio.channels.Selector;
import java.nio.channels.ServerSocketChannel;
import java.nio.channels.SocketChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicLong;

import javisor.memory.GuestMemory;
import javisor.sys.Logs;
import javisor.virtio.Activation;
import javisor.virtio.QueueService;
import javisor.virtio.queue.DescriptorChain;

import static javisor.virtio.vsock.VsockConnection.State.AWAITING_LINE;
import static javisor.virtio.vsock.VsockConnection.State.CLOSING;
import static javisor.virtio.vsock.VsockConnection.State.CONNECTING;
import static javisor.virtio.vsock.VsockConnection.State.ESTABLISHED;
import static javisor.virtio.vsock.VsockConnection.State.REQUESTED;

/**
 * The vsock device's work between one activation and the next reset: the queues on one side, Unix sockets on the
 * other (Firecracker's hybrid scheme), all on one thread. Each {@link #step} waits on a {@link Selector} over the
 * listener and the connections' sockets, then takes the guest's packets from the tx queue and fills rx buffers
 * with what the guest is owed: control packets first, then host data, a packet a connection in turn.
 *
 * <p>Nothing here grows with what the guest or the host sends: host data is read only into an rx buffer at hand
 * and only as far as the guest's credit goes (a socket with nothing to send it to is not read); guest data the
 * socket cannot take is kept up to buf_alloc per connection; RSTs for packets that match no connection wait in a
 * queue of {@link #MAX_CONTROL}, the oldest dropped past it; connections are at most {@link #MAX_CONNECTIONS}.
 *
 * <p>Confined to the thread that calls {@link #step}; {@link #kickRx}, {@link #kickTx} and {@link #wakeup} are for
 * the doorbell threads and the device.
 */
final class VsockMuxer implements AutoCloseable {
    private static final System.Logger LOG = Logs.get("javisor.virtio");
    /** Each connection's receive buffer, advertised to the guest as buf_alloc (Linux's default is 256 KiB too). */
    static final int BUF_ALLOC = 256 * 1024;
    static final int MAX_CONNECTIONS = 1024;
    /** RSTs for packets that match no connection, waiting for rx buffers. */
    static final int MAX_CONTROL = 256;
    /** How long a CONNECT line, a connect, a guest's RESPONSE or a close may take (Firecracker waits 2 s too). */
    static final long TIMEOUT_NANOS = TimeUnit.SECONDS.toNanos(2);
    /** Host ports for host-initiated connections count up from here, away from the ports guests listen on. */
    static final int FIRST_LOCAL_PORT = 1 << 30;
    static final int RX = 0;
    static final int TX = 1;
    static final int EVENT = 2;

    private final long guestCid;
    private final Path udsPath;
    private final GuestMemory memory;
    private final Activation activation;
    private final QueueService rx;
    private final QueueService tx;
    private final Map<String, AtomicLong> counters;
    private final Selector selector;
    private final Map<Long, VsockConnection> connections = new HashMap<>();
    private final Set<VsockConnection> awaitingLine = new HashSet<>();
    private final Set<Integer> localPorts = new HashSet<>();
    private final ArrayDeque<VsockPacketHeader> control = new ArrayDeque<>();
    private final ArrayDeque<VsockConnection> pendingRx = new ArrayDeque<>();
    private final AtomicBoolean txKicked = new AtomicBoolean(true);
    /** An rx chain taken but not filled (a socket had nothing after all): the next packet goes in it. */
    private DescriptorChain spareRx;
    private int nextLocalPort = FIRST_LOCAL_PORT;
    private boolean closed;

    /** @param listener the host's listening socket, non-blocking; it stays open when this closes */
    VsockMuxer(long guestCid, Path udsPath, ServerSocketChannel listener, Activation activation,
               Map<String, AtomicLong> counters) {
        this.guestCid = guestCid;
        this.udsPath = udsPath;
        this.activation = activation;
        this.memory = activation.memory();
        this.counters = counters;
        Runnable malformed = counters.get("dropped")::incrementAndGet;
        this.rx = new QueueService("vsock " + udsPath + " rx", activation, RX, malformed);
        this.tx = new QueueService("vsock " + udsPath + " tx", activation, TX, malformed);
        try {
            this.selector = Selector.open();
            if (listener != null) {
                listener.register(selector, SelectionKey.OP_ACCEPT);
            }
        } catch (IOException e) {
            throw new UncheckedIOException("vsock: cannot set up the event loop's selector", e);
        }
    }

    /** The driver made rx buffers available. */
    void kickRx() {
        selector.wakeup();
    }

    /** The driver made tx packets available. */
    void kickTx() {
        txKicked.set(true);
        selector.wakeup();
    }

    void wakeup() {
        selector.wakeup();
    }

    /** True while some connection waits for a deadline: the loop must wake for it even if nothing happens. */
    boolean hasDeadlines() {
        return !awaitingLine.isEmpty() || connections.values().stream().anyMatch(c -> c.deadline != 0);
    }

    /**
     * One round: waits up to {@code timeoutMillis} (0: until something happens; negative: not at all) for the
     * sockets or a kick, then does all the work there is. Returns false once a ring broke: the device then needs a
     * reset and serves no more.
     */
    boolean step(long timeoutMillis) {
        if (broken() || closed) {
            return false;
        }
        try {
            if (timeoutMillis < 0) {
                selector.selectNow();
            } else {
                selector.select(timeoutMillis);
            }
        } catch (IOException e) {
            throw new UncheckedIOException("vsock: select failed", e);
        }
        for (SelectionKey key : selector.selectedKeys()) {
            if (key.isValid()) {
                ready(key);
            }
        }
        selector.selectedKeys().clear();
        if (txKicked.getAndSet(false)) {
            serveTx();
        }
        serveRx();
        expire();
        rx.endBatch();
        tx.endBatch();
        return !broken();
    }

    // ---- host side: the listener and the sockets ----

    private void ready(SelectionKey key) {
        if (key.channel() instanceof ServerSocketChannel listener) {
            accept(listener);
            return;
        }
        VsockConnection c = (VsockConnection) key.attachment();
        if (c.closed) {
            return;
        }
        switch (c.state) {
            case AWAITING_LINE -> readLine(c);
            case CONNECTING -> finishConnect(c);
            case REQUESTED -> {
                // no interest while the guest answers
            }
            case ESTABLISHED, CLOSING -> {
                if (key.isWritable()) {
                    flush(c);
                }
                if (!c.closed && key.isReadable()) {
                    c.hostReadable = true;
                    queueRx(c);
                }
            }
        }
        interest(c);
    }

    private void accept(ServerSocketChannel listener) {
        while (true) {
            SocketChannel client;
            try {
                client = listener.accept();
            } catch (IOException e) {
                LOG.log(Level.WARNING, "vsock {0}: accept failed: {1}", udsPath, e.getMessage());
                return;
            }
            if (client == null) {
                return;
            }
            if (active() >= MAX_CONNECTIONS) {
                LOG.log(Level.WARNING, "vsock {0}: {1} connections already; a host client is turned away", udsPath,
                        MAX_CONNECTIONS);
                quietClose(client);
                continue;
            }
            VsockConnection c = new VsockConnection(client, AWAITING_LINE, BUF_ALLOC);
            c.deadline = System.nanoTime() + TIMEOUT_NANOS;
            if (register(c)) {
                awaitingLine.add(c);
                updateActive();
            }
        }
    }

    private boolean register(VsockConnection c) {
        try {
            c.channel.configureBlocking(false);
            c.key = c.channel.register(selector, c.interestOps(), c);
            return true;
        } catch (IOException e) {
            quietClose(c.channel);
            c.closed = true;
            return false;
        }
    }

    /** A host client's {@code CONNECT <port>} line: once whole, the guest is asked (REQUEST) for the port. */
    private void readLine(VsockConnection c) {
        switch (c.line.read(c.channel)) {
            case ConnectLine.Pending p -> {
                // the rest of the line comes later
            }
            case ConnectLine.Bad b -> drop(c, b.why());
            case ConnectLine.Port p -> {
                awaitingLine.remove(c);
                c.localPort = nextLocalPort();
                c.peerPort = p.port();
                c.state = REQUESTED;
                c.hostInitiated = true;
                c.sendRequest = true;
                c.deadline = System.nanoTime() + TIMEOUT_NANOS;
                localPorts.add(c.localPort);
                connections.put(c.key(), c);
                queueRx(c);
            }
        }
    }

    private int nextLocalPort() {
        while (true) {
            int p = nextLocalPort;
            nextLocalPort = nextLocalPort == -1 ? FIRST_LOCAL_PORT : nextLocalPort + 1; // up to 2^32 - 1, then over
            if (!localPorts.contains(p)) {
                return p;
            }
        }
    }

    private void finishConnect(VsockConnection c) {
        try {
            if (!c.channel.finishConnect()) {
                return;
            }
        } catch (IOException e) {
            reset(c, "connecting to " + hostPath(c.localPort) + ": " + e.getMessage());
            return;
        }
        established(c);
        c.sendResponse = true;
        queueRx(c);
    }

    private void established(VsockConnection c) {
        c.state = ESTABLISHED;
        c.deadline = 0;
        counters.get("connections").incrementAndGet();
    }

    private void flush(VsockConnection c) {
        try {
            c.flush();
        } catch (IOException e) {
            reset(c, "writing to the host socket: " + e.getMessage());
            return;
        }
        afterForward(c);
    }

    /** After guest data went to the socket: a credit update if a good part was freed, and a pending close. */
    private void afterForward(VsockConnection c) {
        if (c.creditWorthTelling()) {
            c.sendCreditUpdate = true;
            queueRx(c);
        }
        if (c.hasPendingOutput()) {
            return;
        }
        if (c.guestShutSend && c.guestShutRcv) {
            // 5.10.6.6: a clean disconnect is answered with RST once the data is through.
            reset(c, null);
            return;
        }
        if (c.guestShutSend && !c.outputShut) {
            c.outputShut = true;
            try {
                c.channel.shutdownOutput(); // the host reads EOF
            } catch (IOException e) {
                reset(c, "shutting the host socket's output: " + e.getMessage());
            }
        }
    }

    // ---- guest side: the tx queue ----

    private void serveTx() {
        for (var next = tx.next(); next.isPresent(); next = tx.next()) {
            DescriptorChain chain = next.get();
            counters.get("tx_packets").incrementAndGet();
            switch (GuestPacket.parse(memory, chain, guestCid)) {
                case GuestPacket.Valid v -> handle(v.header(), v.op(), chain);
                case GuestPacket.Refused r -> {
                    dropped(r.why());
                    if (r.header().op() != VsockOp.RST.code()) {
                        queueControl(r.header().reset());
                    }
                }
                case GuestPacket.Dropped d -> dropped(d.why());
            }
            tx.put(chain.head(), 0);
        }
    }

    private void handle(VsockPacketHeader h, VsockOp op, DescriptorChain chain) {
        VsockConnection c = connections.get(VsockConnection.key(h.dstPort(), h.srcPort()));
        if (op == VsockOp.REQUEST) {
            if (c != null) {
                reset(c, "the guest asked again for a connection it has");
                return;
            }
            connect(h);
            return;
        }
        if (c == null) {
            if (op != VsockOp.RST) {
                queueControl(h.reset());
            }
            return;
        }
        c.peerCredit(h.bufAlloc(), h.fwdCnt());
        if (c.state == CLOSING && op != VsockOp.RST) {
            interest(c);
            return; // the guest's packets crossed the device's SHUTDOWN; its RST is what ends this
        }
        switch (op) {
            case REQUEST -> throw new AssertionError("handled above");
            case RESPONSE -> {
                if (c.state != REQUESTED) {
                    reset(c, "a RESPONSE to a connection that is not waiting for one");
                    return;
                }
                respondToHost(c);
            }
            case RST -> drop(c, null);
            case SHUTDOWN -> {
                c.guestShutRcv |= (h.flags() & VsockOp.SHUTDOWN_RCV) != 0;
                c.guestShutSend |= (h.flags() & VsockOp.SHUTDOWN_SEND) != 0;
                if (c.guestShutRcv && c.guestShutSend) {
                    c.deadline = System.nanoTime() + TIMEOUT_NANOS;
                }
                afterForward(c);
            }
            case RW -> receive(c, h, chain);
            case CREDIT_UPDATE -> {
                // the credit came with the header
            }
            case CREDIT_REQUEST -> {
                c.sendCreditUpdate = true;
                queueRx(c);
            }
        }
        if (!c.closed) {
            interest(c);
        }
    }

    /** The guest asks for {@code path_port}: connect to it; the RESPONSE goes once the connect is through. */
    private void connect(VsockPacketHeader h) {
        if (active() >= MAX_CONNECTIONS) {
            dropped(MAX_CONNECTIONS + " connections already");
            queueControl(h.reset());
            return;
        }
        SocketChannel channel;
        boolean done;
        try {
            channel = SocketChannel.open(StandardProtocolFamily.UNIX);
        } catch (IOException e) {
            LOG.log(Level.WARNING, "vsock {0}: no socket for a connection: {1}", udsPath, e.getMessage());
            queueControl(h.reset());
            return;
        }
        try {
            channel.configureBlocking(false);
            done = channel.connect(UnixDomainSocketAddress.of(hostPath(h.dstPort())));
        } catch (IOException | RuntimeException e) {
            // Nobody listens there (or the path is no socket): the guest's connect is refused (5.10.6.4).
            LOG.log(Level.DEBUG, "vsock {0}: guest port {1} to {2}: {3}", udsPath,
                    Integer.toUnsignedString(h.srcPort()), hostPath(h.dstPort()), e.getMessage());
            quietClose(channel);
            queueControl(h.reset());
            return;
        }
        VsockConnection c = new VsockConnection(channel, CONNECTING, BUF_ALLOC);
        c.localPort = h.dstPort();
        c.peerPort = h.srcPort();
        c.peerCredit(h.bufAlloc(), h.fwdCnt());
        if (!register(c)) {
            queueControl(h.reset());
            return;
        }
        connections.put(c.key(), c);
        updateActive();
        if (done) {
            established(c);
            c.sendResponse = true;
            queueRx(c);
        } else {
            c.deadline = System.nanoTime() + TIMEOUT_NANOS;
        }
        interest(c);
    }

    /** The guest accepted a host client's connection: the client is told which port it got, then data flows. */
    private void respondToHost(VsockConnection c) {
        ByteBuffer ok = StandardCharsets.US_ASCII.encode("OK " + Integer.toUnsignedString(c.localPort) + "\n");
        try {
            c.channel.write(ok); // a fresh socket's buffer takes a line this short whole
        } catch (IOException e) {
            reset(c, "telling the host client OK: " + e.getMessage());
            return;
        }
        if (ok.hasRemaining()) {
            reset(c, "the host client's socket did not take its OK line");
            return;
        }
        established(c);
    }

    /** Guest data: forwarded, or RST when the guest sends past the credit it was given or after its shutdown. */
    private void receive(VsockConnection c, VsockPacketHeader h, DescriptorChain chain) {
        long len = h.payloadLength();
        if (c.state != ESTABLISHED || c.guestShutSend) {
            reset(c, "data on a connection that is not open for it");
            return;
        }
        if (!c.guestMaySend(len)) {
            reset(c, "the guest sent " + len + " bytes past its credit");
            return;
        }
        counters.get("tx_bytes").addAndGet(len); // before the write: a host that read it sees it counted
        try {
            for (MemorySegment part : chain.views(memory, false, VsockPacketHeader.SIZE, len)) {
                c.forward(part);
            }
        } catch (IOException e) {
            reset(c, "writing to the host socket: " + e.getMessage());
            return;
        }
        afterForward(c);
    }

    // ---- the rx queue ----

    private void queueControl(VsockPacketHeader h) {
        if (control.size() == MAX_CONTROL) {
            control.poll();
            dropped("the queue of control packets for the guest is full");
        }
        control.add(h);
    }

    private void queueRx(VsockConnection c) {
        if (!c.queued && !c.closed) {
            c.queued = true;
            pendingRx.add(c);
        }
    }

    private void serveRx() {
        while (!broken() && (!control.isEmpty() || !pendingRx.isEmpty())) {
            DescriptorChain chain = takeRx();
            if (chain == null) {
                return; // the guest gets the rest when it gives buffers: its doorbell wakes the loop
            }
            if (!control.isEmpty()) {
                deliver(chain, control.poll(), 0);
                continue;
            }
            VsockConnection c = pendingRx.poll();
            c.queued = false;
            if (c.closed || !fill(c, chain)) {
                spareRx = chain;
            }
            interest(c);
        }
    }

    /**
     * An rx chain with room for a header and some data, or null if the driver has none now. (A chain with room for
     * a header only could carry no data; Linux's are 4 KiB.)
     */
    private DescriptorChain takeRx() {
        if (spareRx != null) {
            DescriptorChain c = spareRx;
            spareRx = null;
            return c;
        }
        for (var next = rx.next(); next.isPresent(); next = rx.next()) {
            DescriptorChain chain = next.get();
            if (chain.writableLength() > VsockPacketHeader.SIZE) {
                return chain;
            }
            dropped("an rx buffer of " + chain.writableLength() + " bytes has no room for data");
            rx.put(chain.head(), 0);
        }
        return null;
    }

    /** Puts the connection's next packet for the guest in {@code chain}; false if it had none after all. */
    private boolean fill(VsockConnection c, DescriptorChain chain) {
        if (c.sendRequest) {
            c.sendRequest = false;
            deliver(chain, c.header(guestCid, VsockOp.REQUEST, 0, 0), 0);
            return true;
        }
        if (c.sendResponse) {
            c.sendResponse = false;
            deliver(chain, c.header(guestCid, VsockOp.RESPONSE, 0, 0), 0);
            return true;
        }
        if (c.hostReadable && c.canSendData()) {
            long room = Math.min(Math.min(chain.writableLength() - VsockPacketHeader.SIZE, GuestPacket.MAX_PAYLOAD),
                    c.peerCredit());
            List<MemorySegment> views = chain.views(memory, true, VsockPacketHeader.SIZE, room);
            ByteBuffer[] buffers = new ByteBuffer[views.size()];
            for (int i = 0; i < buffers.length; i++) {
                buffers[i] = views.get(i).asByteBuffer();
            }
            long n;
            try {
                n = room == 0 ? 0 : c.channel.read(buffers);
            } catch (IOException e) {
                n = -1; // a reset host socket ends the stream as an EOF does
            }
            if (n < 0) {
                // The host closed: the guest is told neither side sends more, and answers with RST (5.10.6.6).
                c.hostReadable = false;
                c.state = CLOSING;
                c.deadline = System.nanoTime() + TIMEOUT_NANOS;
                deliver(chain, c.header(guestCid, VsockOp.SHUTDOWN, VsockOp.SHUTDOWN_RCV | VsockOp.SHUTDOWN_SEND,
                        0), 0);
                return true;
            }
            if (n < room) {
                c.hostReadable = false; // the socket is drained: the selector says when there is more
            }
            if (n > 0) {
                c.txCnt += (int) n;
                counters.get("rx_bytes").addAndGet(n);
                deliver(chain, c.header(guestCid, VsockOp.RW, 0, (int) n), n);
                return true;
            }
        }
        if (c.sendCreditUpdate) {
            deliver(chain, c.header(guestCid, VsockOp.CREDIT_UPDATE, 0, 0), 0);
            return true;
        }
        return false;
    }

    /** Writes {@code h} at the start of {@code chain} (its payload, if any, is there already) and uses it. */
    private void deliver(DescriptorChain chain, VsockPacketHeader h, long payload) {
        chain.write(memory, 0, MemorySegment.ofArray(h.toBytes()));
        counters.get("rx_packets").incrementAndGet();
        if (h.op() == VsockOp.RST.code()) {
            counters.get("resets").incrementAndGet();
        }
        rx.put(chain.head(), VsockPacketHeader.SIZE + payload);
    }

    // ---- bookkeeping ----

    /** True once a ring broke: the driver was told to reset, and the device serves no more until it does. */
    private boolean broken() {
        return rx.broken() || tx.broken();
    }

    private void dropped(String why) {
        counters.get("dropped").incrementAndGet();
        LOG.log(Level.DEBUG, "vsock {0}: {1}", udsPath, why); // a guest must not be able to flood the log
    }

    /** Gives up connections past their deadline: an unfinished CONNECT line, connect, handshake or close. */
    private void expire() {
        long now = System.nanoTime();
        List<VsockConnection> late = new ArrayList<>();
        for (VsockConnection c : awaitingLine) {
            if (now - c.deadline > 0) {
                late.add(c);
            }
        }
        for (VsockConnection c : connections.values()) {
            if (c.deadline != 0 && now - c.deadline > 0) {
                late.add(c);
            }
        }
        for (VsockConnection c : late) {
            if (c.state == AWAITING_LINE) {
                drop(c, "the host client sent no CONNECT line in time");
            } else {
                reset(c, "timed out " + c.state);
            }
        }
    }

    /**
     * Brings the selector and the rx queue up to date with the connection: after new credit, a socket found
     * readable while the guest had none goes in the queue again, and the interest follows what the connection can
     * do now.
     */
    private void interest(VsockConnection c) {
        if (c.closed || c.key == null || !c.key.isValid()) {
            return;
        }
        if (c.hasRxWork()) {
            queueRx(c);
        }
        int ops = c.interestOps();
        if (c.key.interestOps() != ops) {
            c.key.interestOps(ops);
        }
    }

    /** Ends a connection the guest knows of with an RST to it, and closes its socket. */
    private void reset(VsockConnection c, String why) {
        if (why != null) {
            LOG.log(Level.DEBUG, "vsock {0}: port {1} <-> guest port {2} reset: {3}", udsPath,
                    Integer.toUnsignedString(c.localPort), Integer.toUnsignedString(c.peerPort), why);
        }
        if (c.state != AWAITING_LINE) {
            queueControl(c.reset(guestCid));
        }
        drop(c, null);
    }

    /** Closes a connection's socket and forgets it, telling the guest nothing. */
    private void drop(VsockConnection c, String why) {
        if (c.closed) {
            return;
        }
        if (why != null) {
            LOG.log(Level.DEBUG, "vsock {0}: {1}", udsPath, why);
        }
        c.closed = true;
        awaitingLine.remove(c);
        if (connections.get(c.key()) == c) {
            connections.remove(c.key());
            if (c.hostInitiated) {
                localPorts.remove(c.localPort);
            }
        }
        updateActive(); // before the close: a host that saw its EOF sees the counters without it
        quietClose(c.channel);
    }

    private int active() {
        return connections.size() + awaitingLine.size();
    }

    private void updateActive() {
        counters.get("connections_active").set(active());
    }

    private Path hostPath(int port) {
        return Path.of(udsPath + "_" + Integer.toUnsignedString(port));
    }

    private static void quietClose(java.nio.channels.Channel channel) {
        try {
            channel.close();
        } catch (IOException e) {
            // closing: nothing left to do with it
        }
    }

    /** Closes every connection (the host clients see EOF) and the selector; the listener stays open. */
    @Override
    public void close() {
        if (closed) {
            return;
        }
        closed = true;
        for (VsockConnection c : List.copyOf(connections.values())) {
            drop(c, null);
        }
        for (VsockConnection c : List.copyOf(awaitingLine)) {
            drop(c, null);
        }
        try {
            selector.close();
        } catch (IOException e) {
            // its keys are cancelled all the same
        }
    }
}
