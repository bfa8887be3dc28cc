package javisor.virtio.net;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.lang.foreign.MemorySegment;
import java.net.DatagramPacket;
import java.net.DatagramSocket;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.BooleanSupplier;
import java.util.function.Predicate;

import javisor.sys.net.Tap;
import javisor.virtio.Activation;
import javisor.virtio.Doorbell;
import javisor.virtio.CountingInterrupt;
import javisor.virtio.VirtioFeatures;
import javisor.virtio.queue.FakeDriver;
import javisor.virtio.queue.SplitQueue;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * virtio-net between a driver played by the test (rings in real guest memory) and the host kernel's network
 * stack through a real tap (the tests run as root, as CI does): the kernel's ARP request reaches the guest, the
 * guest's reply and datagrams reach the kernel, frames spread over several buffers say so in num_buffers, and a
 * driver's malformed frames and buffers are counted and given back without harm.
 */
class VirtioNetTest {
    private static final int PID = (int) ProcessHandle.current().pid();
    private static final AtomicInteger TAPS = new AtomicInteger();
    private static final byte[] GUEST_MAC = {2, 0, 0, 0x12, 0x34, 0x56};

    private final List<AutoCloseable> open = new ArrayList<>();
    private final FakeDriver rxDriver = new FakeDriver(64);
    private final FakeDriver txDriver = rxDriver.queueDriver(1);
    private final CountingInterrupt interrupt = new CountingInterrupt();
    private final Doorbell rxBell = new Doorbell();
    private final Doorbell txBell = new Doorbell();
    private byte[] hostIp;
    private byte[] guestIp;
    private byte[] tapMac;
    private VirtioNet device;

    @AfterEach
    void close() throws Exception {
        if (device != null) {
            device.close();
        }
        for (AutoCloseable c : open.reversed()) {
            c.close();
        }
        rxBell.close();
        txBell.close();
        rxDriver.close();
    }

    static void ip(String... args) throws IOException, InterruptedException {
        List<String> command = new ArrayList<>(List.of("ip"));
        command.addAll(Arrays.asList(args));
        Process p = new ProcessBuilder(command).redirectErrorStream(true).start();
        String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        assertThat(p.waitFor()).as("%s: %s", command, out).isZero();
    }

    /** A device on a fresh tap with an address on a subnet of its own, activated with {@code features}. */
    private VirtioNet start(long features) throws Exception {
        return start(features, false);
    }

    private VirtioNet start(long features, boolean arp) throws Exception {
        String name = "jvn" + Integer.toHexString(PID & 0xffff) + "x" + TAPS.incrementAndGet();
        int subnet = 16 + (PID + TAPS.get() * 7) % 200;
        hostIp = new byte[] {10, (byte) 214, (byte) subnet, 1};
        guestIp = new byte[] {10, (byte) 214, (byte) subnet, 2};
        Tap tap = Tap.open(name);
        device = new VirtioNet("eth0", tap, GUEST_MAC);
        ip("addr", "add", "10.214." + subnet + ".1/24", "dev", name);
        if (!arp) {
            // The kernel knows the guest's MAC, so datagrams go straight out without an ARP exchange first.
            ip("neigh", "add", "10.214." + subnet + ".2", "lladdr", "02:00:00:12:34:56", "dev", name);
        }
        tapMac = mac(Files.readString(Path.of("/sys/class/net", name, "address")).strip());
        assertThat(device.offeredFeatures() & features).as("offered").isEqualTo(features);
        SplitQueue rx = rxDriver.queue(true, true);
        SplitQueue tx = txDriver.queue(true, true);
        device.activate(new Activation(rxDriver.memory, List.of(rx, tx), List.of(rxBell, txBell), features,
                interrupt));
        return device;
    }

    private static final long MERGEABLE = VirtioFeatures.COMMON | VirtioNet.F_MAC | VirtioNet.F_MRG_RXBUF;

    private List<FakeDriver.Buf> giveReceiveBuffers(int count, int size) {
        List<FakeDriver.Buf> bufs = new ArrayList<>();
        for (int i = 0; i < count; i++) {
            FakeDriver.Buf b = rxDriver.buffer(size, true);
            rxDriver.add(b);
            bufs.add(b);
        }
        rxBell.ring();
        return bufs;
    }

    private void transmit(byte[] header, byte[] frame) {
        txDriver.add(txDriver.buffer(header.length, false, header), txDriver.buffer(frame.length, false, frame));
        txBell.ring();
    }

    /** One received frame: its header and the frame, put together from the buffers it took. */
    private record Received(NetHeader header, byte[] frame, int buffers) {
    }

    /** The next frame the device gave the guest that {@code wanted} accepts (others are the kernel's IPv6 chatter). */
    private Received receive(List<FakeDriver.Buf> bufs, Predicate<byte[]> wanted) {
        long deadline = System.nanoTime() + 5_000_000_000L;
        List<long[]> pending = new ArrayList<>();
        while (System.nanoTime() < deadline) {
            pending.addAll(rxDriver.takeUsed());
            while (!pending.isEmpty()) {
                long[] first = pending.getFirst();
                byte[] head = rxDriver.read(byHead(bufs, first[0]));
                NetHeader h = NetHeader.parse(MemorySegment.ofArray(head));
                if (pending.size() < h.numBuffers()) {
                    break; // published together, so this does not happen; a test failure below if it does
                }
                ByteArrayOutputStream all = new ByteArrayOutputStream();
                for (int i = 0; i < h.numBuffers(); i++) {
                    long[] u = pending.removeFirst();
                    all.write(rxDriver.read(byHead(bufs, u[0])), 0, (int) u[1]);
                }
                byte[] bytes = all.toByteArray();
                byte[] frame = Arrays.copyOfRange(bytes, NetHeader.SIZE, bytes.length);
                if (wanted.test(frame)) {
                    return new Received(h, frame, h.numBuffers());
                }
            }
            sleep();
        }
        throw new AssertionError("no such frame within 5 s; counters " + device.counters());
    }

    private static FakeDriver.Buf byHead(List<FakeDriver.Buf> bufs, long head) {
        return bufs.get((int) head % bufs.size());
    }

    @Test
    void theKernelsArpRequestReachesTheGuestAndTheGuestsFramesReachTheKernel() throws Exception {
        start(MERGEABLE, true);
        List<FakeDriver.Buf> bufs = giveReceiveBuffers(32, 2048);
        byte[] payload = "to the guest".getBytes(StandardCharsets.US_ASCII);
        try (DatagramSocket udp = new DatagramSocket(new InetSocketAddress(InetAddress.getByAddress(hostIp), 0))) {
            udp.send(new DatagramPacket(payload, payload.length, InetAddress.getByAddress(guestIp), 4242));
            Received arp = receive(bufs, f -> Frames.etherType(f) == Frames.ARP);
            assertThat(arp.buffers()).isEqualTo(1);
            assertThat(Frames.slice(arp.frame(), 38, 4)).as("who has the guest's address").isEqualTo(guestIp);

            transmit(new byte[NetHeader.SIZE], Frames.arpReply(tapMac, hostIp, GUEST_MAC, guestIp));
            Received datagram = receive(bufs, f -> Frames.etherType(f) == Frames.IPV4 && f[23] == 17);
            assertThat(Frames.slice(datagram.frame(), 0, 6)).isEqualTo(GUEST_MAC);
            assertThat(Frames.slice(datagram.frame(), 42, payload.length)).isEqualTo(payload);

            byte[] back = "from the guest".getBytes(StandardCharsets.US_ASCII);
            transmit(new byte[NetHeader.SIZE], Frames.udp(tapMac, GUEST_MAC, guestIp, hostIp, 4242,
                    udp.getLocalPort(), back));
            DatagramPacket in = new DatagramPacket(new byte[100], 100);
            udp.setSoTimeout(5000);
            udp.receive(in);
            assertThat(Arrays.copyOf(in.getData(), in.getLength())).isEqualTo(back);
        }
        // The kernel hands the datagram on as soon as the device wrote it, before the device counts it and gives
        // the chain back: the counters are the device's once both chains are.
        waitFor(() -> txDriver.usedIndex() == 2);
        assertThat(device.counters()).containsEntry("tx_packets", 2L).containsEntry("tx_malformed", 0L);
        assertThat(device.counters().get("rx_packets")).isGreaterThanOrEqualTo(2);
        assertThat(interrupt.usedBuffers.get()).isPositive();
        assertThat(interrupt.resets.get()).isZero();
    }

    @Test
    void aFrameLongerThanOneBufferTakesSeveralAndSaysHowMany() throws Exception {
        start(MERGEABLE);
        List<FakeDriver.Buf> bufs = giveReceiveBuffers(48, 512);
        byte[] payload = new byte[1400];
        Arrays.fill(payload, (byte) 0x5a);
        try (DatagramSocket udp = new DatagramSocket(new InetSocketAddress(InetAddress.getByAddress(hostIp), 0))) {
            udp.send(new DatagramPacket(payload, payload.length, InetAddress.getByAddress(guestIp), 4242));
            Received datagram = receive(bufs, f -> Frames.etherType(f) == Frames.IPV4 && f[23] == 17);
            assertThat(datagram.buffers()).as("12 + 1442 bytes in 512-byte buffers").isEqualTo(3);
            assertThat(Frames.slice(datagram.frame(), 42, payload.length)).isEqualTo(payload);
        }
    }

    @Test
    void withoutMergeableBuffersAFrameTooBigForItsBufferIsDroppedAndCounted() throws Exception {
        start(VirtioFeatures.COMMON | VirtioNet.F_MAC);
        giveReceiveBuffers(8, 200);
        try (DatagramSocket udp = new DatagramSocket(new InetSocketAddress(InetAddress.getByAddress(hostIp), 0))) {
            udp.send(new DatagramPacket(new byte[1000], 1000, InetAddress.getByAddress(guestIp), 4242));
            waitFor(() -> device.counters().get("rx_dropped_too_big") >= 1);
        }
        assertThat(interrupt.resets.get()).isZero();
    }

    @Test
    void aGuestThatTakesNoFramesLeavesThemToTheKernelWhichDropsAndCountsThem() throws Exception {
        start(MERGEABLE);
        try (DatagramSocket udp = new DatagramSocket(new InetSocketAddress(InetAddress.getByAddress(hostIp), 0))) {
            byte[] payload = new byte[1000];
            for (int i = 0; i < 3000; i++) {
                udp.send(new DatagramPacket(payload, payload.length, InetAddress.getByAddress(guestIp), 4242));
            }
        }
        waitFor(() -> device.counters().get("rx_dropped_by_host") > 0);
        assertThat(device.counters().get("rx_packets")).as("nothing taken without buffers").isZero();
        List<FakeDriver.Buf> bufs = giveReceiveBuffers(64, 2048);
        Received late = receive(bufs, f -> Frames.etherType(f) == Frames.IPV4 && f[23] == 17);
        assertThat(late.frame().length).isEqualTo(14 + 20 + 8 + 1000);
    }

    @Test
    void malformedFramesAreCountedGivenBackAndTheNextGoodOneStillGoes() throws Exception {
        start(MERGEABLE);
        byte[] badGso = new byte[NetHeader.SIZE];
        badGso[1] = NetHeader.GSO_TCPV4; // TSO not negotiated
        transmit(badGso, Frames.arpReply(tapMac, hostIp, GUEST_MAC, guestIp));
        transmit(new byte[5], new byte[0]);
        transmit(new byte[NetHeader.SIZE], new byte[3]);
        byte[] badFlags = new byte[NetHeader.SIZE];
        badFlags[0] = (byte) 0x80;
        transmit(badFlags, Frames.arpReply(tapMac, hostIp, GUEST_MAC, guestIp));
        transmit(new byte[NetHeader.SIZE], Frames.arpReply(tapMac, hostIp, GUEST_MAC, guestIp));
        waitFor(() -> txDriver.usedIndex() == 5);
        assertThat(device.counters()).containsEntry("tx_malformed", 4L).containsEntry("tx_packets", 1L);
        assertThat(interrupt.resets.get()).isZero();
    }

    @Test
    void offloadsAreOfferedOnlyWhereTheTapHasThem() {
        assertThat(VirtioNet.offers(0) & (VirtioNet.F_CSUM | VirtioNet.F_GUEST_CSUM | VirtioNet.F_HOST_TSO4
                | VirtioNet.F_GUEST_TSO4)).isZero();
        long csum = VirtioNet.offers(Tap.TUN_F_CSUM);
        assertThat(csum & (VirtioNet.F_CSUM | VirtioNet.F_GUEST_CSUM)).isEqualTo(VirtioNet.F_CSUM
                | VirtioNet.F_GUEST_CSUM);
        assertThat(csum & (VirtioNet.F_HOST_TSO4 | VirtioNet.F_GUEST_TSO4 | VirtioNet.F_GUEST_UFO)).isZero();
        long all = VirtioNet.offers(Tap.TUN_F_CSUM | Tap.TUN_F_TSO4 | Tap.TUN_F_TSO6 | Tap.TUN_F_TSO_ECN
                | Tap.TUN_F_UFO);
        assertThat(VirtioNet.tapOffloads(all)).isEqualTo(Tap.TUN_F_CSUM | Tap.TUN_F_TSO4 | Tap.TUN_F_TSO6
                | Tap.TUN_F_TSO_ECN | Tap.TUN_F_UFO);
        assertThat(VirtioNet.tapOffloads(all & ~VirtioNet.F_GUEST_CSUM)).as("TSO needs the checksum").isZero();
    }

    private static void waitFor(BooleanSupplier condition) {
        long deadline = System.nanoTime() + 5_000_000_000L;
        while (!condition.getAsBoolean()) {
            if (System.nanoTime() > deadline) {
                throw new AssertionError("not within 5 s");
            }
            sleep();
        }
    }

    private static void sleep() {
        try {
            Thread.sleep(2);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }

    static byte[] mac(String text) {
        String[] parts = text.split(":");
        byte[] out = new byte[6];
        for (int i = 0; i < 6; i++) {
            out[i] = (byte) Integer.parseInt(parts[i], 16);
        }
        return out;
    }
}
