package javisor.virtio.net;

import java.lang.foreign.MemorySegment;
import java.util.Optional;

import static java.lang.foreign.ValueLayout.JAVA_BYTE;
import static java.lang.foreign.ValueLayout.JAVA_SHORT_UNALIGNED;

/**
 * The header before every frame (virtio 1.2, 5.1.6 "Device Operation": struct virtio_net_hdr, with num_buffers
 * for a virtio 1.x device): what the driver says of a frame it sends, checksum to finish and segmentation to do,
 * read from guest memory and checked here before the frame goes anywhere.
 */
public record NetHeader(int flags, int gsoType, int hdrLen, int gsoSize, int csumStart, int csumOffset,
                        int numBuffers) {
    /** sizeof(struct virtio_net_hdr_v1). */
    public static final int SIZE = 12;
    public static final int F_NEEDS_CSUM = 1;
    public static final int F_DATA_VALID = 2;
    public static final int GSO_NONE = 0;
    public static final int GSO_TCPV4 = 1;
    public static final int GSO_UDP = 3;
    public static final int GSO_TCPV6 = 4;
    public static final int GSO_ECN = 0x80;
    /** An Ethernet header: the shortest frame worth sending. */
    public static final int ETHERNET_HEADER = 14;
    /** The longest frame after the header: a 64 KiB super-frame, its Ethernet header and a VLAN tag. */
    public static final int MAX_FRAME = 65535 + ETHERNET_HEADER + 4;

    /** Decodes the 12 bytes at the start of {@code bytes} (little-endian, as every virtio 1.x field). */
    public static NetHeader parse(MemorySegment bytes) {
        return new NetHeader(Byte.toUnsignedInt(bytes.get(JAVA_BYTE, 0)), Byte.toUnsignedInt(bytes.get(JAVA_BYTE, 1)),
                u16(bytes, 2), u16(bytes, 4), u16(bytes, 6), u16(bytes, 8), u16(bytes, 10));
    }

    private static int u16(MemorySegment s, long at) {
        return Short.toUnsignedInt(s.get(JAVA_SHORT_UNALIGNED, at));
    }

    /**
     * What is wrong with this header on a frame of {@code frameLength} bytes (after the header) that a driver
     * sends, given the features it negotiated; empty when nothing is. The kernel checks it again when the frame
     * goes into the tap; this keeps a hostile driver's mistakes counted and out of the host's log.
     */
    public Optional<String> transmitProblem(long frameLength, long features) {
        if (frameLength < ETHERNET_HEADER) {
            return Optional.of("a frame of " + frameLength + " bytes is shorter than an Ethernet header");
        }
        if (frameLength > MAX_FRAME) {
            return Optional.of("a frame of " + frameLength + " bytes is longer than " + MAX_FRAME);
        }
        if ((flags & ~F_NEEDS_CSUM) != 0) {
            return Optional.of("flags 0x" + Integer.toHexString(flags) + " (a driver sets only NEEDS_CSUM)");
        }
        if ((flags & F_NEEDS_CSUM) != 0) {
            if ((features & VirtioNet.F_CSUM) == 0) {
                return Optional.of("NEEDS_CSUM without VIRTIO_NET_F_CSUM negotiated");
            }
            if ((long) csumStart + csumOffset + 2 > frameLength) {
                return Optional.of("the checksum at " + csumStart + " + " + csumOffset + " is not inside the frame of "
                        + frameLength + " bytes");
            }
        }
        int type = gsoType & ~GSO_ECN;
        if (type == GSO_NONE) {
            return gsoType == GSO_NONE ? Optional.empty() : Optional.of("GSO_ECN on a frame that is not segmented");
        }
        long needed = switch (type) {
            case GSO_TCPV4 -> VirtioNet.F_HOST_TSO4;
            case GSO_TCPV6 -> VirtioNet.F_HOST_TSO6;
            case GSO_UDP -> VirtioNet.F_HOST_UFO;
            default -> -1;
        };
        if (needed < 0) {
            return Optional.of("gso_type " + gsoType + " is none of TCPV4, UDP, TCPV6");
        }
        if ((features & needed) == 0) {
            return Optional.of("gso_type " + gsoType + " without the feature that allows it");
        }
        if ((gsoType & GSO_ECN) != 0 && (features & VirtioNet.F_HOST_ECN) == 0) {
            return Optional.of("GSO_ECN without VIRTIO_NET_F_HOST_ECN");
        }
        if ((flags & F_NEEDS_CSUM) == 0) {
            return Optional.of("a segmented frame without NEEDS_CSUM");
        }
        if (gsoSize == 0) {
            return Optional.of("a segmented frame with gso_size 0");
        }
        if (hdrLen > frameLength) {
            return Optional.of("hdr_len " + hdrLen + " is longer than the frame of " + frameLength + " bytes");
        }
        return Optional.empty();
    }
}
