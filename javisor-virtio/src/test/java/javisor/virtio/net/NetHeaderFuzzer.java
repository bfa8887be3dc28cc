package javisor.virtio.net;

import java.lang.foreign.MemorySegment;
import java.util.Optional;

import javisor.virtio.queue.FuzzInput;
import com.code_intelligence.jazzer.junit.FuzzTest;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * Coverage-guided: the virtio-net header a driver puts before each frame it sends (virtio 1.2, 5.1.6), as
 * {@link NetHeader#parse} decodes it and {@link NetHeader#transmitProblem} judges it. Neither throws on any bytes,
 * and a header accepted is one the tap may be given: a frame of Ethernet size, only NEEDS_CSUM among the flags and
 * only with VIRTIO_NET_F_CSUM, its checksum inside the frame, segmentation only of a kind the features allow, with a
 * segment size and a header length inside the frame. (The device's transmit path needs a tap; it is VirtioNetTest's.)
 *
 * <p>Input ({@link FuzzInput}): the 12 header bytes, u32 frame length after the header, u64 negotiated features.
 */
class NetHeaderFuzzer {
    @FuzzTest
    void transmitHeader(byte[] data) {
        FuzzInput in = new FuzzInput(data);
        byte[] bytes = new byte[NetHeader.SIZE];
        byte[] given = in.bytes(NetHeader.SIZE);
        System.arraycopy(given, 0, bytes, 0, given.length);
        long frame = Integer.toUnsignedLong(in.u32());
        long features = in.u64();
        NetHeader h = NetHeader.parse(MemorySegment.ofArray(bytes));
        assertThat(h.flags()).isBetween(0, 0xff);
        assertThat(h.numBuffers()).isBetween(0, 0xffff);
        Optional<String> problem = h.transmitProblem(frame, features);
        if (problem.isPresent()) {
            assertThat(problem.get()).isNotBlank();
            return;
        }
        assertThat(frame).isBetween((long) NetHeader.ETHERNET_HEADER, (long) NetHeader.MAX_FRAME);
        assertThat(h.flags() & ~NetHeader.F_NEEDS_CSUM).isZero();
        if ((h.flags() & NetHeader.F_NEEDS_CSUM) != 0) {
            assertThat(features & VirtioNet.F_CSUM).isNotZero();
            assertThat((long) h.csumStart() + h.csumOffset() + 2).isLessThanOrEqualTo(frame);
        }
        int type = h.gsoType() & ~NetHeader.GSO_ECN;
        if (type == NetHeader.GSO_NONE) {
            assertThat(h.gsoType()).as("ECN without segmentation").isEqualTo(NetHeader.GSO_NONE);
            return;
        }
        long needed = switch (type) {
            case NetHeader.GSO_TCPV4 -> VirtioNet.F_HOST_TSO4;
            case NetHeader.GSO_TCPV6 -> VirtioNet.F_HOST_TSO6;
            case NetHeader.GSO_UDP -> VirtioNet.F_HOST_UFO;
            default -> 0;
        };
        assertThat(features & needed).as("gso_type %d's feature", h.gsoType()).isNotZero();
        if ((h.gsoType() & NetHeader.GSO_ECN) != 0) {
            assertThat(features & VirtioNet.F_HOST_ECN).isNotZero();
        }
        assertThat(h.flags() & NetHeader.F_NEEDS_CSUM).as("segmentation needs a checksum").isNotZero();
        assertThat(h.gsoSize()).isPositive();
        assertThat((long) h.hdrLen()).isLessThanOrEqualTo(frame);
    }
}
