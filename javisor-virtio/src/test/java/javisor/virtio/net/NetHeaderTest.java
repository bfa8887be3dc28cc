package javisor.virtio.net;

import java.lang.foreign.MemorySegment;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.util.Random;

import javisor.virtio.VirtioFeatures;
import org.junit.jupiter.api.Test;

import static org.assertj.core.api.Assertions.assertThat;

/** The transmit header's checks (virtio 1.2, 5.1.6.2), each rule on its own, and random headers never throwing. */
class NetHeaderTest {
    private static final long ALL = VirtioFeatures.COMMON | VirtioNet.F_CSUM | VirtioNet.F_HOST_TSO4
            | VirtioNet.F_HOST_TSO6 | VirtioNet.F_HOST_ECN | VirtioNet.F_HOST_UFO;

    private static NetHeader header(int flags, int gso, int hdrLen, int gsoSize, int csumStart, int csumOffset) {
        byte[] b = ByteBuffer.allocate(NetHeader.SIZE).order(ByteOrder.LITTLE_ENDIAN).put((byte) flags)
                .put((byte) gso).putShort((short) hdrLen).putShort((short) gsoSize).putShort((short) csumStart)
                .putShort((short) csumOffset).putShort((short) 7).array();
        return NetHeader.parse(MemorySegment.ofArray(b));
    }

    private static String problem(NetHeader h, long frame, long features) {
        return h.transmitProblem(frame, features).orElse("ok");
    }

    @Test
    void decodesEveryFieldLittleEndian() {
        NetHeader h = header(1, 0x81, 0x1234, 1448, 34, 16);
        assertThat(h).isEqualTo(new NetHeader(1, 0x81, 0x1234, 1448, 34, 16, 7));
    }

    @Test
    void acceptsPlainFramesChecksumsAndSegmentsTheDriverNegotiated() {
        assertThat(problem(header(0, 0, 0, 0, 0, 0), 60, VirtioFeatures.COMMON)).isEqualTo("ok");
        assertThat(problem(header(1, 0, 0, 0, 34, 16), 100, ALL)).isEqualTo("ok");
        assertThat(problem(header(1, NetHeader.GSO_TCPV4, 66, 1448, 34, 16), 30000, ALL)).isEqualTo("ok");
        assertThat(problem(header(1, NetHeader.GSO_TCPV6 | NetHeader.GSO_ECN, 86, 1428, 54, 16), 60000, ALL))
                .isEqualTo("ok");
        assertThat(problem(header(1, NetHeader.GSO_UDP, 42, 1472, 34, 6), 9000, ALL)).isEqualTo("ok");
    }

    @Test
    void namesWhatIsWrong() {
        assertThat(problem(header(0, 0, 0, 0, 0, 0), 13, ALL))
                .isEqualTo("a frame of 13 bytes is shorter than an Ethernet header");
        assertThat(problem(header(0, 0, 0, 0, 0, 0), NetHeader.MAX_FRAME + 1, ALL))
                .isEqualTo("a frame of 65554 bytes is longer than 65553");
        assertThat(problem(header(2, 0, 0, 0, 0, 0), 60, ALL)).isEqualTo("flags 0x2 (a driver sets only NEEDS_CSUM)");
        assertThat(problem(header(1, 0, 0, 0, 34, 16), 60, VirtioFeatures.COMMON))
                .isEqualTo("NEEDS_CSUM without VIRTIO_NET_F_CSUM negotiated");
        assertThat(problem(header(1, 0, 0, 0, 50, 9), 60, ALL))
                .isEqualTo("the checksum at 50 + 9 is not inside the frame of 60 bytes");
        assertThat(problem(header(0, NetHeader.GSO_ECN, 0, 0, 0, 0), 60, ALL))
                .isEqualTo("GSO_ECN on a frame that is not segmented");
        assertThat(problem(header(1, 2, 0, 1, 0, 0), 60, ALL)).isEqualTo("gso_type 2 is none of TCPV4, UDP, TCPV6");
        assertThat(problem(header(1, NetHeader.GSO_TCPV4, 54, 1448, 34, 16), 3000, ALL & ~VirtioNet.F_HOST_TSO4))
                .isEqualTo("gso_type 1 without the feature that allows it");
        assertThat(problem(header(1, NetHeader.GSO_TCPV4 | NetHeader.GSO_ECN, 54, 1448, 34, 16), 3000,
                ALL & ~VirtioNet.F_HOST_ECN)).isEqualTo("GSO_ECN without VIRTIO_NET_F_HOST_ECN");
        assertThat(problem(header(0, NetHeader.GSO_TCPV4, 54, 1448, 0, 0), 3000, ALL))
                .isEqualTo("a segmented frame without NEEDS_CSUM");
        assertThat(problem(header(1, NetHeader.GSO_TCPV4, 54, 0, 34, 16), 3000, ALL))
                .isEqualTo("a segmented frame with gso_size 0");
        assertThat(problem(header(1, NetHeader.GSO_TCPV4, 4000, 1448, 34, 16), 3000, ALL))
                .isEqualTo("hdr_len 4000 is longer than the frame of 3000 bytes");
    }

    @Test
    void randomHeadersGetAnAnswerNotAnException() {
        Random random = new Random(13);
        byte[] b = new byte[NetHeader.SIZE];
        for (int i = 0; i < 200_000; i++) {
            random.nextBytes(b);
            NetHeader h = NetHeader.parse(MemorySegment.ofArray(b));
            assertThat(h.transmitProblem(random.nextInt(70_000), random.nextLong())).isNotNull();
        }
    }
}
