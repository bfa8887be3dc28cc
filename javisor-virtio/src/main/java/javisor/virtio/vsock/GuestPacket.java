package javisor.virtio.vsock;

import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;

import javisor.memory.GuestMemory;
import javisor.virtio.queue.DescriptorChain;

/**
 * A packet the driver put on the transmit queue, checked before the device acts on it. Everything in it comes
 * from guest memory, so nothing is taken on trust: a chain too short for the header, a length past the chain's
 * readable bytes or past {@link #MAX_PAYLOAD}, a source that is not the guest's CID or a destination that is not
 * the host are {@link Dropped} unanswered (5.10.6.1: the device drops packets that are not addressed to it); an
 * operation or socket type the device does not carry is {@link Refused} with an RST (5.10.6.7: SEQPACKET was
 * not negotiated); only a {@link Valid} packet reaches a connection.
 */
public sealed interface GuestPacket {
    /** The largest payload accepted, the size Linux's driver sends at most (VIRTIO_VSOCK_MAX_PKT_BUF_SIZE). */
    int MAX_PAYLOAD = 64 * 1024;

    /** A well-formed stream packet for the host: its payload is the {@code header.len()} bytes after the header. */
    record Valid(VsockPacketHeader header, VsockOp op) implements GuestPacket {
    }

    /** A packet addressed right but not one this device carries: the answer is {@code header.reset()}. */
    record Refused(VsockPacketHeader header, String why) implements GuestPacket {
    }

    /** A packet that is ignored: no answer, counted as dropped. */
    record Dropped(String why) implements GuestPacket {
    }

    /** Reads and checks the packet in {@code chain}'s readable part, sent by the guest with CID {@code guestCid}. */
    static GuestPacket parse(GuestMemory memory, DescriptorChain chain, long guestCid) {
        long readable = chain.readableLength();
        if (readable < VsockPacketHeader.SIZE) {
            return new Dropped("a chain of " + readable + " readable bytes is too short for the "
                    + VsockPacketHeader.SIZE + "-byte header");
        }
        VsockPacketHeader h;
        try (Arena arena = Arena.ofConfined()) {
            MemorySegment bytes = arena.allocate(VsockPacketHeader.SIZE);
            chain.read(memory, 0, bytes);
            h = VsockPacketHeader.decode(bytes);
        }
        return check(h, readable - VsockPacketHeader.SIZE, guestCid);
    }

    /** Checks a header whose chain has {@code payloadRoom} readable bytes after it. */
    static GuestPacket check(VsockPacketHeader h, long payloadRoom, long guestCid) {
        if (h.srcCid() != guestCid) {
            return new Dropped("source CID " + Long.toUnsignedString(h.srcCid()) + " is not the guest's "
                    + guestCid);
        }
        if (h.dstCid() != VsockPacketHeader.HOST_CID) {
            return new Dropped("destination CID " + Long.toUnsignedString(h.dstCid()) + " is not the host's "
                    + VsockPacketHeader.HOST_CID);
        }
        if (h.payloadLength() > MAX_PAYLOAD) {
            return new Dropped("a payload of " + h.payloadLength() + " bytes is more than " + MAX_PAYLOAD);
        }
        if (h.payloadLength() > payloadRoom) {
            return new Dropped("a payload of " + h.payloadLength() + " bytes runs past the chain's " + payloadRoom
                    + " readable bytes after the header");
        }
        var op = VsockOp.of(h.op());
        if (op.isEmpty()) {
            return new Refused(h, "unknown op " + h.op());
        }
        if (h.type() != VsockPacketHeader.TYPE_STREAM) {
            return new Refused(h, "socket type " + h.type() + " is not STREAM");
        }
        return new Valid(h, op.get());
    }
}
