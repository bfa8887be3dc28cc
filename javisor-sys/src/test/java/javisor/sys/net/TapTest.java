package javisor.sys.net;

import java.io.IOException;
import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.net.DatagramPacket;
import java.net.DatagramSocket;
import java.net.InetAddress;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.function.Predicate;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import javisor.sys.CProgram;

import javisor.sys.LibC;

import static java.lang.foreign.ValueLayout.JAVA_BYTE;
import static java.lang.foreign.ValueLayout.JAVA_INT;
import static java.lang.foreign.ValueLayout.JAVA_SHORT;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;

/**
 * A real tap on this host (the tests run as root, as CI does): the kernel's own network stack is the peer. The
 * tap gets an address; a UDP datagram sent to a neighbour on its subnet makes the kernel ask for the neighbour's
 * MAC (an ARP request read from the tap), the test answers (an ARP reply written to the tap), and the datagram
 * follows, header and all.
 */
class TapTest {
    private static final int PID = (int) ProcessHandle.current().pid();

    static String tapName(String prefix) {
        return prefix + Integer.toHexString(PID & 0xffffff);
    }

    static void ip(String... args) throws IOException, InterruptedException {
        Process p = new ProcessBuilder(concat("ip", args)).redirectErrorStream(true).start();
        String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        assertEquals(0, p.waitFor(), "ip " + String.join(" ", args) + ": " + out);
    }

    private static String[] concat(String first, String[] rest) {
        String[] all = new String[rest.length + 1];
        all[0] = first;
        System.arraycopy(rest, 0, all, 1, rest.length);
        return all;
    }

    @Test
    void createsATapExchangesFramesWithTheKernelAndRemovesItOnClose() throws Exception {
        String name = tapName("jvt");
        int subnet = 16 + PID % 200;
        byte[] hostIp = {10, (byte) 213, (byte) subnet, 1};
        byte[] guestIp = {10, (byte) 213, (byte) subnet, 2};
        byte[] guestMac = {2, 0, 0, 0, 0, 2};
        try (Tap tap = Tap.open(name); Arena arena = Arena.ofConfined();
             DatagramSocket udp = new DatagramSocket()) {
            assertTrue(tap.created());
            assertTrue(Files.exists(Path.of("/sys/class/net", name)));
            int flags = Integer.decode(Files.readString(Path.of("/sys/class/net", name, "flags")).strip());
            assertEquals(1, flags & 1, "the tap Javisor made is up (IFF_UP)");
            assertTrue((tap.supportedOffloads() & Tap.TUN_F_CSUM) != 0, "checksum offload is always there");
            tap.setOffloads(0);
            ip("addr", "add", "10.213." + subnet + ".1/24", "dev", name);
            byte[] tapMac = mac(Files.readString(Path.of("/sys/class/net", name, "address")).strip());

            MemorySegment header = arena.allocate(Tap.VNET_HDR_SIZE);
            MemorySegment frame = arena.allocate(2048);
            byte[] payload = "through the tap".getBytes(StandardCharsets.US_ASCII);
            udp.send(new DatagramPacket(payload, payload.length, InetAddress.getByAddress(guestIp), 4242));

            ByteBuffer arp = read(tap, header, frame, f -> f.getShort(12) == 0x0806);
            assertEquals(1, arp.getShort(20), "an ARP request");
            assertArrayEquals(guestIp, bytes(arp, 38, 4), "for the neighbour's address");
            assertArrayEquals(hostIp, bytes(arp, 28, 4));

            ByteBuffer reply = ByteBuffer.allocate(42).order(ByteOrder.BIG_ENDIAN);
            reply.put(tapMac).put(guestMac).putShort((short) 0x0806);
            reply.putShort((short) 1).putShort((short) 0x0800).put((byte) 6).put((byte) 4).putShort((short) 2);
            reply.put(guestMac).put(guestIp).put(tapMac).put(hostIp);
            MemorySegment out = arena.allocate(42);
            MemorySegment.copy(MemorySegment.ofArray(reply.array()), 0, out, 0, 42);
            MemorySegment zeroHeader = arena.allocate(Tap.VNET_HDR_SIZE);
            assertEquals(Tap.VNET_HDR_SIZE + 42, tap.write(List.of(zeroHeader, out)));

            ByteBuffer ipv4 = read(tap, header, frame, f -> f.getShort(12) == 0x0800 && f.get(23) == 17);
            assertArrayEquals(guestMac, bytes(ipv4, 0, 6), "sent to the MAC the reply gave");
            assertEquals(4242, Short.toUnsignedInt(ipv4.getShort(36)));
            assertArrayEquals(payload, bytes(ipv4, 42, payload.length));
        }
        assertFalse(Files.exists(Path.of("/sys/class/net", name)), "a tap Javisor made goes with it");
    }

    @Test
    void theIoctlNumbersAndFlagsAreThoseOfTheHeaders(@TempDir Path dir) throws Exception {
        Map<String, Long> c = new CProgram().include("stddef.h").include("sys/ioctl.h").include("linux/if_tun.h").include("linux/sockios.h")
                .include("linux/if.h").include("linux/virtio_net.h")
                .macroValue("TUNSETIFF", "TUNSETIFF").macroValue("TUNSETOFFLOAD", "TUNSETOFFLOAD")
                .macroValue("TUNSETVNETHDRSZ", "TUNSETVNETHDRSZ").macroValue("IFF_TAP", "IFF_TAP")
                .macroValue("IFF_NO_PI", "IFF_NO_PI").macroValue("IFF_VNET_HDR", "IFF_VNET_HDR")
                .macroValue("SIOCGIFFLAGS", "SIOCGIFFLAGS").macroValue("SIOCSIFFLAGS", "SIOCSIFFLAGS")
                .macroValue("IFF_UP", "IFF_UP").macroValue("IFNAMSIZ", "IFNAMSIZ")
                .macroValue("TUN_F_CSUM", "TUN_F_CSUM").macroValue("TUN_F_TSO4", "TUN_F_TSO4")
                .macroValue("TUN_F_TSO6", "TUN_F_TSO6").macroValue("TUN_F_TSO_ECN", "TUN_F_TSO_ECN")
                .macroValue("TUN_F_UFO", "TUN_F_UFO")
                .value("hdr", "sizeof(struct virtio_net_hdr_v1)").value("ifreq", "sizeof(struct ifreq)")
                .value("flags", "offsetof(struct ifreq, ifr_flags)")
                .run(dir);
        assertEquals(c.get("TUNSETIFF"), Tap.TUNSETIFF);
        assertEquals(c.get("TUNSETOFFLOAD"), Tap.TUNSETOFFLOAD);
        assertEquals(c.get("TUNSETVNETHDRSZ"), Tap.TUNSETVNETHDRSZ);
        assertEquals(c.get("IFF_TAP"), (long) Tap.IFF_TAP);
        assertEquals(c.get("IFF_NO_PI"), (long) Tap.IFF_NO_PI);
        assertEquals(c.get("IFF_VNET_HDR"), (long) Tap.IFF_VNET_HDR);
        assertEquals(c.get("SIOCGIFFLAGS"), Tap.SIOCGIFFLAGS);
        assertEquals(c.get("SIOCSIFFLAGS"), Tap.SIOCSIFFLAGS);
        assertEquals(c.get("IFF_UP"), (long) Tap.IFF_UP);
        assertEquals(c.get("IFNAMSIZ") - 1, Tap.MAX_NAME);
        assertEquals(c.get("TUN_F_CSUM"), Tap.TUN_F_CSUM);
        assertEquals(c.get("TUN_F_TSO4"), Tap.TUN_F_TSO4);
        assertEquals(c.get("TUN_F_TSO6"), Tap.TUN_F_TSO6);
        assertEquals(c.get("TUN_F_TSO_ECN"), Tap.TUN_F_TSO_ECN);
        assertEquals(c.get("TUN_F_UFO"), Tap.TUN_F_UFO);
        assertEquals(c.get("hdr"), Tap.VNET_HDR_SIZE);
        assertEquals(c.get("ifreq"), Tap.IFREQ_SIZE);
        assertEquals(c.get("flags"), 16);
    }

    @Test
    void aNameLinuxWouldNotTakeIsRefusedAndAnInterfaceThatIsNoTapIsNamed() {
        assertThrows(IllegalArgumentException.class, () -> Tap.open("a/b"));
        assertThrows(IllegalArgumentException.class, () -> Tap.open("sixteen-chars-xx"));
        assertThrows(IllegalArgumentException.class, () -> Tap.open(""));
        Tap.TapException e = assertThrows(Tap.TapException.class, () -> Tap.open("lo"));
        assertEquals("tap lo: there is an interface of that name which is not a tap device", e.getMessage());
    }

    @Test
    void aReadWithNothingQueuedDoesNotBlock() {
        try (Tap tap = Tap.open(tapName("jvr")); Arena arena = Arena.ofConfined()) {
            ip("link", "set", tap.name(), "down"); // no more IPv6 chatter from the kernel
            MemorySegment buffer = arena.allocate(2048);
            int queued = 0;
            while (tap.read(List.of(buffer)) != LibC.WOULD_BLOCK) { // what it sent while up
                assertTrue(++queued < 100, "frames without end from a tap that is down");
            }
            assertEquals(LibC.WOULD_BLOCK, tap.read(List.of(buffer)));
        } catch (IOException | InterruptedException e) {
            fail(e);
        }
    }

    /** Frames from the tap until one {@code wanted} (the kernel also sends IPv6 neighbour discovery), 5 s at most. */
    private static ByteBuffer read(Tap tap, MemorySegment header, MemorySegment frame, Predicate<ByteBuffer> wanted) {
        long deadline = System.nanoTime() + 5_000_000_000L;
        try (Arena arena = Arena.ofConfined()) {
            MemorySegment pollfd = arena.allocate(8);
            while (System.nanoTime() < deadline) {
                pollfd.set(JAVA_INT, 0, tap.fd());
                pollfd.set(JAVA_SHORT, 4, LibC.POLLIN);
                LibC.poll(pollfd, 1, 100);
                long n = tap.read(List.of(header, frame));
                if (n == LibC.WOULD_BLOCK) {
                    continue;
                }
                assertTrue(n >= Tap.VNET_HDR_SIZE + 14, "a frame of " + n + " bytes");
                ByteBuffer f = ByteBuffer.wrap(frame.asSlice(0, n - Tap.VNET_HDR_SIZE).toArray(JAVA_BYTE)).order(ByteOrder.BIG_ENDIAN);
                if (wanted.test(f)) {
                    return f;
                }
            }
        }
        return fail("no such frame from the tap within 5 s");
    }

    private static byte[] bytes(ByteBuffer b, int at, int n) {
        byte[] out = new byte[n];
        b.get(at, out);
        return out;
    }

    private static byte[] mac(String text) {
        String[] parts = text.split(":");
        byte[] out = new byte[6];
        for (int i = 0; i < 6; i++) {
            out[i] = (byte) Integer.parseInt(parts[i], 16);
        }
        return out;
    }
}
