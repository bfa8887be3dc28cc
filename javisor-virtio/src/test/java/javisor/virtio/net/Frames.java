package javisor.virtio.net;

import java.nio.ByteBuffer;
import java.nio.ByteOrder;

/** Ethernet frames a test's guest sends or expects: ARP and IPv4 UDP, built and read as on the wire. */
final class Frames {
    static final short ARP = 0x0806;
    static final short IPV4 = 0x0800;

    private Frames() {
    }

    static byte[] arpReply(byte[] toMac, byte[] toIp, byte[] fromMac, byte[] fromIp) {
        ByteBuffer b = ByteBuffer.allocate(42).order(ByteOrder.BIG_ENDIAN);
        b.put(toMac).put(fromMac).putShort(ARP);
        b.putShort((short) 1).putShort(IPV4).put((byte) 6).put((byte) 4).putShort((short) 2);
        b.put(fromMac).put(fromIp).put(toMac).put(toIp);
        return b.array();
    }

    /** An IPv4 UDP datagram in an Ethernet frame, its UDP checksum left out (0, which IPv4 allows). */
    static byte[] udp(byte[] toMac, byte[] fromMac, byte[] fromIp, byte[] toIp, int fromPort, int toPort,
                      byte[] payload) {
        ByteBuffer b = ByteBuffer.allocate(14 + 20 + 8 + payload.length).order(ByteOrder.BIG_ENDIAN);
        b.put(toMac).put(fromMac).putShort(IPV4);
        int ipStart = b.position();
        b.put((byte) 0x45).put((byte) 0).putShort((short) (20 + 8 + payload.length)).putShort((short) 1)
                .putShort((short) 0x4000).put((byte) 64).put((byte) 17).putShort((short) 0).put(fromIp).put(toIp);
        b.putShort(ipStart + 10, ipChecksum(b.array(), ipStart, 20));
        b.putShort((short) fromPort).putShort((short) toPort).putShort((short) (8 + payload.length))
                .putShort((short) 0).put(payload);
        return b.array();
    }

    static short ipChecksum(byte[] data, int from, int length) {
        long sum = 0;
        for (int i = from; i < from + length; i += 2) {
            sum += ((data[i] & 0xff) << 8) | (data[i + 1] & 0xff);
        }
        while ((sum >> 16) != 0) {
            sum = (sum & 0xffff) + (sum >> 16);
        }
        return (short) ~sum;
    }

    static int etherType(byte[] frame) {
        return ((frame[12] & 0xff) << 8) | (frame[13] & 0xff);
    }

    static byte[] slice(byte[] b, int from, int length) {
        byte[] out = new byte[length];
        System.arraycopy(b, from, out, 0, length);
        return out;
    }
}
