package javisor.virtio.vsock;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.lang.System.Logger.Level;
import java.net.StandardProtocolFamily;
import java.net.UnixDomainSocketAddress;
import java.nio.channels.ServerSocketChannel;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.atomic.AtomicLong;

import javisor.sys.Logs;
import javisor.sys.seccomp.ThreadProfile;
import javisor.sys.seccomp.ThreadSandbox;
import javisor.virtio.Activation;
import javisor.virtio.ConfigSpace;
import javisor.virtio.DeviceType;
import javisor.virtio.QueueWorker;
import javisor.virtio.VirtioDevice;
import javisor.virtio.VirtioFeatures;

/**
 * virtio-vsock (virtio 1.2, 5.10 "Socket Device"), stream sockets only, with Firecracker's hybrid scheme on the host
 * side (firecracker docs/vsock.md): a guest that connects to the host (CID 2) at port P reaches the Unix socket at
 * {@code udsPath_P}; a host program that connects to the Unix socket at {@code udsPath} and writes
 * {@code CONNECT <port>\n} reaches the guest's port, and reads {@code OK <host port>\n} once the guest accepted.
 *
 * <p>Threads: one event loop ({@link VsockMuxer}) does all the queue and socket work; the rx and tx doorbells are
 * waited on by a {@link QueueWorker} each, whose handler only wakes the loop. The event queue's buffers are left
 * with the device and never used: no transport reset event is sent (the device has no migration to report).
 *
 * <p>The listener at {@code udsPath} is bound when the device is made (a stale socket file there is removed first)
 * and lives until {@link #close}: host clients that connect while the driver has not set the device going wait in
 * its backlog. {@link #reset} ends every connection (host clients see EOF) but keeps the listener.
 */
public final class VirtioVsock implements VirtioDevice {
    private static final System.Logger LOG = Logs.get("javisor.virtio");
    /** VIRTIO_VSOCK_F_STREAM (5.10.3): stream sockets; the only kind this device carries. */
    static final long F_STREAM = 1L;
    static final int QUEUE_SIZE = 256;
    /** The longest Unix socket path (sun_path holds 108 bytes, the NUL included). */
    private static final int MAX_PATH = 107;
    /** What {@code _<port>} adds to the path at most. */
    private static final int PORT_SUFFIX = "_4294967295".length();
    /** S_IFMT and S_IFSOCK of st_mode (inode(7)). */
    private static final int S_IFMT = 0170000;
    private static final int S_IFSOCK = 0140000;

    private final long guestCid;
    private final Path udsPath;
    private final ServerSocketChannel listener;
    private final ConfigSpace config = new ConfigSpace(8);
    private final Map<String, AtomicLong> counters = new LinkedHashMap<>();
    private VsockMuxer muxer;
    private Thread loop;
    private QueueWorker rxWorker;
    private QueueWorker txWorker;
    private volatile boolean running;

    /**
     * @param guestCid the guest's context id: 3 and up (0 to 2 are reserved, 5.10.4), below 2^32 - 1 (VMADDR_CID_ANY)
     * @param udsPath  where the listener for host clients goes; guest connections go to {@code udsPath_<port>}
     */
    public VirtioVsock(long guestCid, Path udsPath) {
        if (guestCid < 3 || guestCid >= 0xffff_ffffL) {
            throw new IllegalArgumentException("vsock guest CID " + Long.toUnsignedString(guestCid)
                    + " is not from 3 to 4294967294 (0, 1 and 2 are reserved, 4294967295 means any)");
        }
        Path parent = udsPath.toAbsolutePath().getParent();
        if (parent == null || !Files.isDirectory(parent)) {
            throw new IllegalArgumentException("vsock socket path " + udsPath + ": its folder " + parent
                    + " does not exist");
        }
        if (udsPath.toString().length() + PORT_SUFFIX > MAX_PATH) {
            throw new IllegalArgumentException("vsock socket path " + udsPath + " is too long: with _<port> after it"
                    + " it must fit in " + MAX_PATH + " bytes, so at most " + (MAX_PATH - PORT_SUFFIX));
        }
        this.guestCid = guestCid;
        this.udsPath = udsPath;
        removeStaleSocket(udsPath);
        try {
            listener = ServerSocketChannel.open(StandardProtocolFamily.UNIX);
        } catch (IOException e) {
            throw new UncheckedIOException("vsock: cannot open a Unix socket", e);
        }
        try {
            listener.bind(UnixDomainSocketAddress.of(udsPath));
            listener.configureBlocking(false);
        } catch (IOException e) {
            close(listener);
            throw new IllegalArgumentException("vsock socket path " + udsPath + ": cannot listen there: " + e, e);
        }
        config.set(0, 8, guestCid); // guest_cid (5.10.4)
        for (String name : List.of("connections", "connections_active", "rx_packets", "tx_packets", "rx_bytes",
                "tx_bytes", "resets", "dropped")) {
            counters.put(name, new AtomicLong());
        }
    }

    /**
     * Removes what a previous run left at {@code path}, only if it is a socket: a regular file there is somebody's
     * data and stays, and the constructor fails on it.
     */
    private static void removeStaleSocket(Path path) {
        if (!Files.exists(path, LinkOption.NOFOLLOW_LINKS)) {
            return;
        }
        if (!isSocket(path)) {
            throw new IllegalArgumentException("vsock socket path " + path + " exists and is not a socket");
        }
        try {
            Files.delete(path);
        } catch (IOException e) {
            throw new IllegalArgumentException("vsock socket path " + path + ": cannot remove the stale socket: "
                    + e, e);
        }
    }

    private static boolean isSocket(Path path) {
        try {
            int mode = (Integer) Files.getAttribute(path, "unix:mode", LinkOption.NOFOLLOW_LINKS);
            return (mode & S_IFMT) == S_IFSOCK;
        } catch (IOException | UnsupportedOperationException e) {
            return false;
        }
    }

    @Override
    public DeviceType type() {
        return DeviceType.VSOCK;
    }

    @Override
    public long offeredFeatures() {
        return VirtioFeatures.COMMON | F_STREAM;
    }

    /** rx, tx, event (5.10.2). */
    @Override
    public List<Integer> queueSizes() {
        return List.of(QUEUE_SIZE, QUEUE_SIZE, QUEUE_SIZE);
    }

    @Override
    public int configSize() {
        return 8;
    }

    @Override
    public long readConfig(int offset, int size) {
        return config.get(offset, size);
    }

    public long guestCid() {
        return guestCid;
    }

    public Path udsPath() {
        return udsPath;
    }

    @Override
    public synchronized void activate(Activation a) {
        if (!a.queues().get(VsockMuxer.RX).ready() || !a.queues().get(VsockMuxer.TX).ready()) {
            LOG.log(Level.WARNING, "vsock {0}: the driver did not set up the rx and tx queues", udsPath);
            return;
        }
        VsockMuxer m = new VsockMuxer(guestCid, udsPath, listener, a, counters);
        muxer = m;
        running = true;
        loop = Thread.ofPlatform().name("virtio-vsock " + udsPath.getFileName()).daemon()
                .unstarted(() -> serve(m, a));
        ThreadSandbox.start(loop);
        rxWorker = QueueWorker.start("virtio-vsock rx", a.doorbells().get(VsockMuxer.RX), m::kickRx,
                a.interrupt()::needsReset);
        txWorker = QueueWorker.start("virtio-vsock tx", a.doorbells().get(VsockMuxer.TX), m::kickTx,
                a.interrupt()::needsReset);
    }

    /**
     * The event loop: steps until reset, or until a ring broke (the muxer asked for a reset) or something failed
     * that should not have (logged, and a reset asked for: a silently dead loop would leave the driver waiting).
     * A loop that ends on its own closes its connections, so that host clients are not left hanging.
     */
    private void serve(VsockMuxer m, Activation a) {
        try {
            ThreadSandbox.enter(ThreadProfile.VSOCK_LOOP);
            while (running && m.step(m.hasDeadlines() ? 250 : 0)) {
                // each step does all the work there is
            }
        } catch (RuntimeException e) {
            if (running) {
                LOG.log(Level.ERROR, "virtio-vsock " + udsPath + " stopped", e);
                a.interrupt().needsReset();
            }
        } finally {
            if (running) {
                m.close();
            }
        }
    }

    @Override
    public synchronized void reset() {
        if (muxer == null) {
            return;
        }
        rxWorker.stop();
        txWorker.stop();
        running = false;
        muxer.wakeup();
        try {
            loop.join();
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
        muxer.close();
        muxer = null;
        loop = null;
        rxWorker = null;
        txWorker = null;
    }

    @Override
    public String describe() {
        return "vsock cid " + guestCid + " on " + udsPath;
    }

    @Override
    public Map<String, Long> counters() {
        Map<String, Long> out = new LinkedHashMap<>();
        counters.forEach((k, v) -> out.put(k, v.get()));
        return out;
    }

    /** Package-private for tests that drive the event loop on their own thread, so that a seed replays exactly. */
    VsockMuxer muxer(Activation a) {
        return new VsockMuxer(guestCid, udsPath, listener, a, counters);
    }

    @Override
    public synchronized void close() {
        reset();
        close(listener);
        if (isSocket(udsPath)) {
            try {
                Files.deleteIfExists(udsPath);
            } catch (IOException e) {
                LOG.log(Level.WARNING, "vsock {0}: cannot remove the socket file: {1}", udsPath, e.getMessage());
            }
        }
    }

    private static void close(ServerSocketChannel channel) {
        try {
            channel.close();
        } catch (IOException e) {
            // nothing left to do with it
        }
    }
}
