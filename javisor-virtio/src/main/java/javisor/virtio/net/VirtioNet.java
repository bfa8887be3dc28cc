package javisor.virtio.net;

import java.lang.System.Logger.Level;
import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.atomic.AtomicLong;

import javisor.memory.GuestMemory;
import javisor.sys.LibC;
import javisor.sys.Logs;
import javisor.sys.NativeException;
import javisor.sys.net.Tap;
import javisor.sys.seccomp.ThreadProfile;
import javisor.sys.seccomp.ThreadSandbox;
import javisor.virtio.Activation;
import javisor.virtio.ConfigSpace;
import javisor.virtio.DeviceType;
import javisor.virtio.Doorbell;
import javisor.virtio.QueueService;
import javisor.virtio.QueueWorker;
import javisor.virtio.VirtioDevice;
import javisor.virtio.VirtioFeatures;
import javisor.virtio.queue.DescriptorChain;

import static java.lang.foreign.ValueLayout.JAVA_INT;
import static java.lang.foreign.ValueLayout.JAVA_SHORT;
import static java.lang.foreign.ValueLayout.JAVA_SHORT_UNALIGNED;

/**
 * virtio-net on a tap device (virtio 1.2, 5.1 "Network Device"): one receive and one transmit queue, each served
 * by its own I/O thread. A frame goes between the tap and guest memory in one readv or writev, header and all
 * (the tap speaks the same 12-byte header), so the kernel's copy is the only one. Checksum and segmentation
 * offloads are offered only where the tap takes them, and the tap is told which the driver accepted.
 *
 * <p>Receiving: the device holds buffers the driver gave until a frame fills them; with MRG_RXBUF a frame may
 * take several, and they are given back together. With no buffers the device stops reading the tap, so a guest
 * that takes no frames costs Javisor nothing: they wait in the kernel's queue, whose overflow the kernel drops
 * and counts ({@code rx_dropped_by_host}). A frame larger than what the driver gave is dropped and counted.
 */
public final class VirtioNet implements VirtioDevice {
    private static final System.Logger LOG = Logs.get("javisor.virtio");

    // 5.1.3 Feature bits.
    public static final long F_CSUM = 1L;
    public static final long F_GUEST_CSUM = 1L << 1;
    public static final long F_MAC = 1L << 5;
    public static final long F_GUEST_TSO4 = 1L << 7;
    public static final long F_GUEST_TSO6 = 1L << 8;
    public static final long F_GUEST_ECN = 1L << 9;
    public static final long F_GUEST_UFO = 1L << 10;
    public static final long F_HOST_TSO4 = 1L << 11;
    public static final long F_HOST_TSO6 = 1L << 12;
    public static final long F_HOST_ECN = 1L << 13;
    public static final long F_HOST_UFO = 1L << 14;
    public static final long F_MRG_RXBUF = 1L << 15;
    public static final long F_STATUS = 1L << 16;
    static final int STATUS_LINK_UP = 1;
    static final int RECEIVE = 0;
    static final int TRANSMIT = 1;
    static final int QUEUE_SIZE = 256;
    /** The config space: mac[6], le16 status (5.1.4). */
    static final int CONFIG_SIZE = 8;
    /** The most a frame with its header takes: what a receive must have room for when offloads are on. */
    static final int MAX_RECEIVE = NetHeader.SIZE + NetHeader.MAX_FRAME;
    /** A frame of a standard 1500-byte MTU with a VLAN tag, and its header. */
    static final int STANDARD_RECEIVE = NetHeader.SIZE + 1500 + NetHeader.ETHERNET_HEADER + 4;

    /** The most pieces of guest memory one receive buffer may be in (Linux uses at most 19). */
    static final int MAX_PIECES = 256;

    private final String name;
    private final Tap tap;
    private final byte[] mac;
    private final ConfigSpace config = new ConfigSpace(CONFIG_SIZE);
    private final long offered;
    private final Map<String, AtomicLong> counters = new LinkedHashMap<>();
    private Receiver receiver;
    private QueueWorker transmitter;

    /**
     * @param name the device's name in the config, for messages
     * @param tap  the tap, which the device owns from now on (it closes it)
     * @param mac  the guest's MAC address, 6 bytes
     */
    public VirtioNet(String name, Tap tap, byte[] mac) {
        if (mac.length != 6) {
            throw new IllegalArgumentException("a MAC address has 6 bytes, not " + mac.length);
        }
        if ((mac[0] & 1) != 0) {
            throw new IllegalArgumentException("MAC " + formatMac(mac) + " is a multicast address");
        }
        this.name = name;
        this.tap = tap;
        this.mac = mac.clone();
        for (int i = 0; i < 6; i++) {
            config.set(i, 1, mac[i]);
        }
        config.set(6, 2, STATUS_LINK_UP);
        this.offered = offers(tap.supportedOffloads());
        for (String c : List.of("rx_packets", "rx_bytes", "rx_dropped_too_big", "rx_malformed", "tx_packets",
                "tx_bytes", "tx_dropped", "tx_malformed")) {
            counters.put(c, new AtomicLong());
        }
    }

    /** The features for a tap that takes the TUN_F_* offloads {@code tap}: each only where the tap has it. */
    static long offers(int tap) {
        long f = VirtioFeatures.COMMON | F_MAC | F_STATUS | F_MRG_RXBUF;
        if ((tap & Tap.TUN_F_CSUM) != 0) {
            f |= F_CSUM | F_GUEST_CSUM;
            if ((tap & Tap.TUN_F_TSO4) != 0) {
                f |= F_GUEST_TSO4 | F_HOST_TSO4;
            }
            if ((tap & Tap.TUN_F_TSO6) != 0) {
                f |= F_GUEST_TSO6 | F_HOST_TSO6;
            }
            if ((tap & Tap.TUN_F_TSO_ECN) != 0 && (tap & (Tap.TUN_F_TSO4 | Tap.TUN_F_TSO6)) != 0) {
                f |= F_GUEST_ECN | F_HOST_ECN;
            }
            if ((tap & Tap.TUN_F_UFO) != 0) {
                f |= F_GUEST_UFO | F_HOST_UFO;
            }
        }
        return f;
    }

    /** The TUN_F_* offloads the tap may hand over, for the features a driver accepted. */
    static int tapOffloads(long features) {
        int t = 0;
        if ((features & F_GUEST_CSUM) != 0) {
            t |= Tap.TUN_F_CSUM;
            t |= (features & F_GUEST_TSO4) != 0 ? Tap.TUN_F_TSO4 : 0;
            t |= (features & F_GUEST_TSO6) != 0 ? Tap.TUN_F_TSO6 : 0;
            t |= (features & F_GUEST_ECN) != 0 ? Tap.TUN_F_TSO_ECN : 0;
            t |= (features & F_GUEST_UFO) != 0 ? Tap.TUN_F_UFO : 0;
        }
        return t;
    }

    public static String formatMac(byte[] mac) {
        return HexFormat.ofDelimiter(":").formatHex(mac);
    }

    @Override
    public DeviceType type() {
        return DeviceType.NET;
    }

    @Override
    public long offeredFeatures() {
        return offered;
    }

    @Override
    public List<Integer> queueSizes() {
        return List.of(QUEUE_SIZE, QUEUE_SIZE);
    }

    @Override
    public int configSize() {
        return CONFIG_SIZE;
    }

    @Override
    public long readConfig(int offset, int size) {
        return config.get(offset, size);
    }

    @Override
    public synchronized void activate(Activation a) {
        try {
            tap.setOffloads(tapOffloads(a.features()));
        } catch (NativeException e) {
            LOG.log(Level.WARNING, "virtio-net {0}: {1}: offloads stay off: {2}", name, tap, e.getMessage());
        }
        if (a.queues().get(RECEIVE).ready()) {
            receiver = new Receiver(a);
            receiver.start();
        }
        if (a.queues().get(TRANSMIT).ready()) {
            QueueService tx = new QueueService("virtio-net " + name + " tx", a, TRANSMIT, counter("tx_malformed"));
            transmitter = QueueWorker.start("virtio-net-tx " + name, a.doorbells().get(TRANSMIT),
                    () -> transmit(tx, a.features()), a.interrupt()::needsReset);
        }
    }

    private Runnable counter(String counter) {
        AtomicLong c = counters.get(counter);
        return c::incrementAndGet;
    }

    private void count(String counter, long n) {
        counters.get(counter).addAndGet(n);
    }

    /** Sends every frame the driver made available: one writev each, header and frame straight from guest memory. */
    private void transmit(QueueService tx, long features) {
        GuestMemory memory = tx.memory();
        try (Arena arena = Arena.ofConfined()) {
            MemorySegment header = arena.allocate(NetHeader.SIZE);
            for (Optional<DescriptorChain> next = tx.next(); next.isPresent(); next = tx.next()) {
                DescriptorChain chain = next.get();
                long length = chain.readableLength();
                Optional<String> problem;
                if (length < NetHeader.SIZE) {
                    problem = Optional.of("a chain of " + length + " readable bytes has no room for the header");
                } else {
                    chain.read(memory, 0, header);
                    problem = NetHeader.parse(header).transmitProblem(length - NetHeader.SIZE, features);
                }
                List<MemorySegment> frame = problem.isPresent() ? List.of()
                        : chain.views(memory, false, 0, length);
                if (problem.isEmpty() && frame.size() > LibC.UIO_MAXIOV) {
                    problem = Optional.of("a frame in " + frame.size() + " pieces, more than " + LibC.UIO_MAXIOV);
                }
                if (problem.isPresent()) {
                    count("tx_malformed", 1);
                    LOG.log(Level.DEBUG, "virtio-net {0}: dropped a frame: {1}", name, problem.get());
                } else {
                    send(frame, length);
                }
                tx.put(chain.head(), 0);
            }
            tx.endBatch();
        }
    }

    private void send(List<MemorySegment> frame, long length) {
        long n;
        try {
            n = tap.write(frame);
        } catch (NativeException e) {
            // EIO: the tap is down; EINVAL: the kernel refused the header. The guest's frame is lost, as on a wire.
            n = LibC.WOULD_BLOCK;
        }
        if (n == LibC.WOULD_BLOCK) {
            count("tx_dropped", 1);
        } else {
            count("tx_packets", 1);
            count("tx_bytes", length - NetHeader.SIZE);
        }
    }

    /**
     * The receive side's I/O thread: polls the tap (while it holds buffers for a frame) and the receive queue's
     * doorbell, and moves frames from the tap into the buffers it holds.
     */
    private final class Receiver {
        private final Activation activation;
        private final QueueService rx;
        private final Doorbell doorbell;
        private final boolean mergeable;
        /** What the driver must have given before a read: a read must never cut a frame short. */
        private final long needed;
        private final ArrayDeque<Held> held = new ArrayDeque<>();
        private long heldCapacity;
        private final Thread thread;
        private volatile boolean running = true;

        /** A receive buffer taken from the ring, with views of its device-writable memory. */
        private record Held(DescriptorChain chain, List<MemorySegment> views, long capacity) {
        }

        Receiver(Activation a) {
            this.activation = a;
            this.rx = new QueueService("virtio-net " + name + " rx", a, RECEIVE, counter("rx_malformed"));
            this.doorbell = a.doorbells().get(RECEIVE);
            this.mergeable = a.negotiated(F_MRG_RXBUF);
            boolean superFrames = (a.features() & (F_GUEST_TSO4 | F_GUEST_TSO6 | F_GUEST_UFO)) != 0;
            this.needed = superFrames ? MAX_RECEIVE : STANDARD_RECEIVE;
            this.thread = Thread.ofPlatform().name("virtio-net-rx " + name).daemon().unstarted(this::loop);
        }

        void start() {
            ThreadSandbox.start(thread);
        }

        private void loop() {
            try (Arena arena = Arena.ofConfined()) {
                ThreadSandbox.enter(ThreadProfile.DEVICE_IO); // in the try: a failed install asks for a reset
                // Room for the largest frame after the driver's buffers: a frame longer than they are lands here,
                // whole, so the device learns its length and drops it instead of handing the guest a cut one.
                MemorySegment overflow = arena.allocate(MAX_RECEIVE);
                MemorySegment pollfds = arena.allocate(16, 8);
                pollfds.set(JAVA_INT, 0, tap.fd());
                pollfds.set(JAVA_INT, 8, doorbell.fd());
                pollfds.set(JAVA_SHORT, 12, LibC.POLLIN);
                while (running) {
                    take();
                    boolean ready = !rx.broken() && (mergeable ? heldCapacity >= needed : !held.isEmpty());
                    if (ready && receive(overflow)) {
                        continue; // a frame went in: there may be more
                    }
                    pollfds.set(JAVA_SHORT, 4, ready ? LibC.POLLIN : 0);
                    pollfds.set(JAVA_SHORT, 6, (short) 0);
                    pollfds.set(JAVA_SHORT, 14, (short) 0);
                    LibC.poll(pollfds, 2, -1);
                    if (pollfds.get(JAVA_SHORT, 14) != 0) {
                        doorbell.await(); // readable: returns at once, and clears it
                    }
                }
            } catch (RuntimeException e) {
                if (running) {
                    LOG.log(Level.ERROR, thread.getName() + " stopped", e);
                    activation.interrupt().needsReset();
                }
            }
        }

        /** Takes buffers from the ring until there is room for the largest frame. */
        private void take() {
            while (heldCapacity < needed || !mergeable && held.isEmpty()) {
                Optional<DescriptorChain> next = rx.next();
                if (next.isEmpty()) {
                    break;
                }
                DescriptorChain chain = next.get();
                long capacity = chain.writableLength();
                List<MemorySegment> views = chain.views(rx.memory(), true, 0, Math.min(capacity, MAX_RECEIVE));
                if (capacity < NetHeader.SIZE || views.size() > MAX_PIECES) {
                    // No room for a header (5.1.6.3.1), or more pieces than a readv takes: given back empty.
                    count("rx_malformed", 1);
                    rx.put(chain.head(), 0);
                    continue;
                }
                held.add(new Held(chain, views, Math.min(capacity, MAX_RECEIVE)));
                heldCapacity += Math.min(capacity, MAX_RECEIVE);
            }
            rx.endBatch();
        }

        /** Reads one frame into the held buffers; false when the tap had none. */
        private boolean receive(MemorySegment overflow) {
            List<MemorySegment> iov = new ArrayList<>();
            long room = 0;
            int buffers = 0;
            for (Held h : held) {
                if (iov.size() + h.views().size() >= LibC.UIO_MAXIOV || room >= MAX_RECEIVE
                        || !mergeable && buffers == 1) {
                    break;
                }
                iov.addAll(h.views());
                room += h.capacity();
                buffers++;
            }
            iov.add(overflow);
            long n = tap.read(iov);
            if (n == LibC.WOULD_BLOCK) {
                return false;
            }
            if (n > room || n < NetHeader.SIZE) {
                count("rx_dropped_too_big", 1);
                return true;
            }
            // The frame fills the buffers in order; num_buffers (the header's last field) says how many it took.
            long left = n;
            int used = 0;
            DescriptorChain first = held.peekFirst().chain();
            while (left > 0) {
                Held h = held.pollFirst();
                long part = Math.min(left, h.capacity());
                heldCapacity -= h.capacity();
                rx.put(h.chain().head(), part);
                left -= part;
                used++;
            }
            MemorySegment count = MemorySegment.ofArray(new byte[2]);
            count.set(JAVA_SHORT_UNALIGNED, 0, (short) used);
            first.write(rx.memory(), NetHeader.SIZE - 2, count);
            rx.endBatch();
            count("rx_packets", 1);
            count("rx_bytes", n - NetHeader.SIZE);
            return true;
        }

        void stop() {
            running = false;
            doorbell.ring();
            try {
                thread.join();
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
        }
    }

    @Override
    public synchronized void reset() {
        if (receiver != null) {
            receiver.stop();
            receiver = null;
        }
        if (transmitter != null) {
            transmitter.stop();
            transmitter = null;
        }
    }

    @Override
    public String describe() {
        return "net " + formatMac(mac) + " on " + tap + (tap.created() ? " (created by Javisor)" : "");
    }

    @Override
    public Map<String, Long> counters() {
        Map<String, Long> out = new LinkedHashMap<>();
        counters.forEach((k, v) -> out.put(k, v.get()));
        long byHost = tap.droppedByKernel();
        if (byHost >= 0) { // unknown once the tap moved to another network namespace
            out.put("rx_dropped_by_host", byHost);
        }
        return out;
    }

    @Override
    public void close() {
        reset();
        tap.close();
    }
}
