package javisor.virtio.net;

import java.net.DatagramPacket;
import java.net.DatagramSocket;
import java.net.InetAddress;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.SplittableRandom;
import java.util.function.BooleanSupplier;

import javisor.sys.net.Tap;
import javisor.virtio.Activation;
import javisor.virtio.Doorbell;
import javisor.virtio.CountingInterrupt;
import javisor.virtio.queue.FakeDriver;
import javisor.virtio.queue.Fuzzing;
import javisor.virtio.queue.SplitQueue;
import org.junit.jupiter.api.Test;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * A hostile driver on a real tap, seeded (see {@link Fuzzing}): random transmit chains (random headers, lengths,
 * flags, pieces, addresses in and out of RAM, indirect tables) and random receive buffers (tiny, huge, in many
 * pieces, read-only), while the host sends frames in. Every chain is given back, the device never stops or asks
 * for a reset (its rings stay well-formed; only the chains are bad), and after each round a good frame still goes
 * out and a datagram still comes in.
 */
class VirtioNetFuzzTest {
    private static final byte[] GUEST_MAC = {2, 0, 0, 0x12, 0x34, 0x57};
    private static final long FEATURES = VirtioNet.offers(Tap.TUN_F_CSUM | Tap.TUN_F_TSO4 | Tap.TUN_F_TSO6);

    @Test
    void noDriverInputStopsTheDeviceOrLosesAChain() throws Exception {
        String name = "jvf" + Integer.toHexString((int) ProcessHandle.current().pid() & 0xffff);
        int subnet = 16 + (int) (ProcessHandle.current().pid() % 200);
        String hostIp = "10.215." + subnet + ".1";
        String guestIp = "10.215." + subnet + ".2";
        CountingInterrupt interrupt = new CountingInterrupt();
        Tap tap = Tap.open(name);
        try (VirtioNet device = new VirtioNet("fuzz", tap, GUEST_MAC); Doorbell rxBell = new Doorbell();
             Doorbell txBell = new Doorbell(); DatagramSocket udp = new DatagramSocket()) {
            VirtioNetTest.ip("addr", "add", hostIp + "/24", "dev", name);
            VirtioNetTest.ip("neigh", "add", guestIp, "lladdr", "02:00:00:12:34:57", "dev", name);
            byte[] tapMac = VirtioNetTest.mac(Files.readString(Path.of("/sys/class/net", name, "address")).strip());
            Fuzzing.run("virtio-net", 60, Duration.ofSeconds(20), r -> {
                try (FakeDriver rx = new FakeDriver(32)) {
                    FakeDriver tx = rx.queueDriver(1);
                    SplitQueue rxq = rx.queue(r.nextBoolean(), true);
                    SplitQueue txq = tx.queue(r.nextBoolean(), true);
                    device.activate(new Activation(rx.memory, List.of(rxq, txq), List.of(rxBell, txBell),
                            FEATURES & (r.nextBoolean() ? -1L : ~VirtioNet.F_MRG_RXBUF), interrupt));
                    for (int i = 0; i < 24; i++) {
                        receiveBuffer(rx, r);
                    }
                    rxBell.ring();
                    int txMade = 1 + r.nextInt(24);
                    for (int i = 0; i < txMade; i++) {
                        transmitChain(tx, r, tapMac);
                    }
                    txBell.ring();
                    byte[] payload = new byte[1 + r.nextInt(1472)];
                    for (int i = 0; i < 4; i++) {
                        udp.send(new DatagramPacket(payload, payload.length, InetAddress.getByName(guestIp), 9));
                    }
                    int made = txMade;
                    waitFor(() -> tx.usedIndex() == made, "every transmit chain given back: " + made);
                    long sent = device.counters().get("tx_packets");
                    tx.add(tx.buffer(NetHeader.SIZE, false), tx.buffer(42, false,
                            Frames.arpReply(tapMac, new byte[4], GUEST_MAC, new byte[4])));
                    txBell.ring();
                    waitFor(() -> device.counters().get("tx_packets") == sent + 1, "a good frame still goes");
                    assertThat(interrupt.resets.get()).as("resets asked for").isZero();
                    device.reset();
                }
            });
        }
    }

    /** A random receive chain: usually a sane buffer, else tiny, split, read-only or outside RAM. */
    private static void receiveBuffer(FakeDriver d, SplittableRandom r) {
        switch (r.nextInt(6)) {
            case 0 -> d.add(d.buffer(1 + r.nextInt(16), true));
            case 1 -> {
                FakeDriver.Buf[] pieces = new FakeDriver.Buf[2 + r.nextInt(6)];
                for (int i = 0; i < pieces.length; i++) {
                    pieces[i] = d.buffer(1 + r.nextInt(600), true);
                }
                d.add(pieces);
            }
            case 2 -> d.add(d.buffer(64, false), d.buffer(2048, true)); // a readable piece first: ignored
            case 3 -> d.add(new FakeDriver.Buf(FakeDriver.RAM - 100 + r.nextInt(200), 2048, true));
            default -> d.add(d.buffer(1526 + r.nextInt(3000), true));
        }
    }

    /** A random transmit chain: a random or damaged header, random lengths and pieces, some outside RAM. */
    private static void transmitChain(FakeDriver d, SplittableRandom r, byte[] tapMac) {
        byte[] header = new byte[NetHeader.SIZE];
        if (r.nextBoolean()) {
            r.nextBytes(header);
        }
        byte[] frame = new byte[r.nextInt(3) == 0 ? r.nextInt(20) : 14 + r.nextInt(1600)];
        r.nextBytes(frame);
        if (frame.length >= 14 && r.nextBoolean()) {
            System.arraycopy(tapMac, 0, frame, 0, 6);
        }
        switch (r.nextInt(5)) {
            case 0 -> d.add(d.buffer(header.length, false, header), d.buffer(frame.length, false, frame));
            case 1 -> d.addIndirect(d.buffer(header.length, false, header), d.buffer(frame.length, false, frame));
            case 2 -> d.add(d.buffer(header.length, false, header), d.buffer(frame.length, true, frame));
            case 3 -> d.add(new FakeDriver.Buf(FakeDriver.RAM - r.nextInt(64), 128, false));
            default -> {
                byte[] all = new byte[header.length + frame.length];
                System.arraycopy(header, 0, all, 0, header.length);
                System.arraycopy(frame, 0, all, header.length, frame.length);
                d.add(d.buffer(all.length, false, all));
            }
        }
    }

    private static void waitFor(BooleanSupplier condition, String what) {
        long deadline = System.nanoTime() + 5_000_000_000L;
        while (!condition.getAsBoolean()) {
            if (System.nanoTime() > deadline) {
                throw new AssertionError("not within 5 s: " + what);
            }
            Thread.onSpinWait();
        }
    }
}
