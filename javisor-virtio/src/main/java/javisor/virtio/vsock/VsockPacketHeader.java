package javisor.virtio.vsock;

import java.lang.foreign.MemorySegment;

import static java.lang.foreign.ValueLayout.JAVA_INT_UNALIGNED;
import static java.lang.foreign.ValueLayout.JAVA_LONG_UNALIGNED;
import static java.lang.foreign.ValueLayout.JAVA_SHORT_UNALIGNED;

/**
 * The header every vsock packet starts with, {@code struct virtio_vsock_hdr} (virtio 1.2, 5.10.6), 44 bytes,
 * little-endian. The fields hold the raw values: a port is a u32 and the counters wrap at 2^32, so the ints here are
 * read as unsigned where it matters ({@link Integer#toUnsignedLong}); type and op are u16.
 *
 * @param len      the payload's length in bytes, after the header
 * @param bufAlloc the sender's receive buffer for this connection, in bytes (5.10.6.3)
 * @param fwdCnt   the bytes of this connection the sender has taken from its receive buffer, mod 2^32
 */
public record VsockPacketHeader(long srcCid, long dstCid, int srcPort, int dstPort, int len, int type, int op,
                                int flags, int bufAlloc, int fwdCnt) {
    public static final int SIZE = 44;
    /** VIRTIO_VSOCK_TYPE_STREAM, the one socket type this device carries. */
    public static final int TYPE_STREAM = 1;
    /** VIRTIO_VSOCK_TYPE_SEQPACKET (5.10.6.7): refused with RST. */
    public static final int TYPE_SEQPACKET = 2;
    /** The well-known CID of the host (5.10.4). */
    public static final long HOST_CID = 2;

    public VsockPacketHeader {
        if ((type & ~0xffff) != 0 || (op & ~0xffff) != 0) {
            throw new IllegalArgumentException("type " + type + " or op " + op + " is not a u16");
        }
    }

    /** The header in the 44 bytes at the start of {@code s}. */
    public static VsockPacketHeader decode(MemorySegment s) {
        return new VsockPacketHeader(
                s.get(JAVA_LONG_UNALIGNED, 0),
                s.get(JAVA_LONG_UNALIGNED, 8),
                s.get(JAVA_INT_UNALIGNED, 16),
                s.get(JAVA_INT_UNALIGNED, 20),
                s.get(JAVA_INT_UNALIGNED, 24),
                Short.toUnsignedInt(s.get(JAVA_SHORT_UNALIGNED, 28)),
                Short.toUnsignedInt(s.get(JAVA_SHORT_UNALIGNED, 30)),
                s.get(JAVA_INT_UNALIGNED, 32),
                s.get(JAVA_INT_UNALIGNED, 36),
                s.get(JAVA_INT_UNALIGNED, 40));
    }

    /** Writes the header into the first 44 bytes of {@code s}. */
    public void encode(MemorySegment s) {
        s.set(JAVA_LONG_UNALIGNED, 0, srcCid);
        s.set(JAVA_LONG_UNALIGNED, 8, dstCid);
        s.set(JAVA_INT_UNALIGNED, 16, srcPort);
        s.set(JAVA_INT_UNALIGNED, 20, dstPort);
        s.set(JAVA_INT_UNALIGNED, 24, len);
        s.set(JAVA_SHORT_UNALIGNED, 28, (short) type);
        s.set(JAVA_SHORT_UNALIGNED, 30, (short) op);
        s.set(JAVA_INT_UNALIGNED, 32, flags);
        s.set(JAVA_INT_UNALIGNED, 36, bufAlloc);
        s.set(JAVA_INT_UNALIGNED, 40, fwdCnt);
    }

    /** The header as 44 bytes. */
    public byte[] toBytes() {
        byte[] out = new byte[SIZE];
        encode(MemorySegment.ofArray(out));
        return out;
    }

    /** The payload length as an unsigned number. */
    public long payloadLength() {
        return Integer.toUnsignedLong(len);
    }

    /**
     * The RST that answers this packet (5.10.6.4): addresses swapped, no payload, the same socket type where it is
     * one the spec knows (so that a SEQPACKET driver matches it to its socket), else STREAM.
     */
    public VsockPacketHeader reset() {
        int t = type == TYPE_SEQPACKET ? TYPE_SEQPACKET : TYPE_STREAM;
        return new VsockPacketHeader(dstCid, srcCid, dstPort, srcPort, 0, t, VsockOp.RST.code(), 0, 0, 0);
    }

    @Override
    public String toString() {
        String name = VsockOp.of(op).map(Enum::name).orElse("op " + op);
        return name + " " + srcCid + ":" + Integer.toUnsignedString(srcPort) + " -> " + dstCid + ":"
                + Integer.toUnsignedString(dstPort) + " (type " + type + ", len " + payloadLength() + ", flags "
                + flags + ", buf_alloc " + Integer.toUnsignedString(bufAlloc) + ", fwd_cnt "
                + Integer.toUnsignedString(fwdCnt) + ")";
    }
}
