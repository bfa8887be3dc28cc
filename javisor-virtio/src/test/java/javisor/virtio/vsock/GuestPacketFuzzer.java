package javisor.virtio.vsock;

import java.lang.foreign.MemorySegment;
import java.nio.charset.StandardCharsets;
import java.util.Optional;

import javisor.virtio.queue.DescriptorChain;
import javisor.virtio.queue.FuzzInput;
import javisor.virtio.queue.FuzzedChain;
import javisor.virtio.queue.GuardedRam;
import com.code_intelligence.jazzer.junit.FuzzTest;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * Coverage-guided: what virtio-vsock reads from outside before it acts. A packet on the transmit queue (virtio 1.2,
 * 5.10.6), in any chain a driver could make over {@link GuardedRam}, is parsed without an exception into Dropped,
 * Refused or Valid, and a Valid one is a stream packet from the guest's CID to the host's whose payload lies in the
 * chain and within {@link GuestPacket#MAX_PAYLOAD}; a Refused one's RST answer can be built. And a host client's
 * {@code CONNECT <port>} line gives a port exactly when it is one.
 */
class GuestPacketFuzzer {
    private static final long GUEST_CID = 3;
    private static final GuardedRam RAM = new GuardedRam();

    /**
     * Input ({@link FuzzInput}): a chain as {@link FuzzedChain} reads it, then the bytes of guest RAM from address 0
     * (the 44-byte header goes where the chain's first buffer is).
     */
    @FuzzTest
    void transmitPacket(byte[] data) {
        FuzzInput in = new FuzzInput(data);
        Optional<DescriptorChain> chain = FuzzedChain.read(in);
        FuzzedChain.load(RAM, in.bytes(Integer.MAX_VALUE));
        if (chain.isEmpty()) {
            return;
        }
        DescriptorChain c = chain.get();
        RAM.remember();
        GuestPacket p = GuestPacket.parse(RAM.memory, c, GUEST_CID);
        RAM.assertChangesOnly("parsing a packet", gpa -> false);
        switch (p) {
            case GuestPacket.Valid(VsockPacketHeader h, VsockOp op) -> {
                assertThat(h.srcCid()).isEqualTo(GUEST_CID);
                assertThat(h.dstCid()).isEqualTo(VsockPacketHeader.HOST_CID);
                assertThat(h.type()).isEqualTo(VsockPacketHeader.TYPE_STREAM);
                assertThat(op.code()).isEqualTo(h.op());
                assertThat(h.payloadLength()).isLessThanOrEqualTo(GuestPacket.MAX_PAYLOAD)
                        .isLessThanOrEqualTo(c.readableLength() - VsockPacketHeader.SIZE);
            }
            case GuestPacket.Refused(VsockPacketHeader h, String why) -> {
                assertThat(h.srcCid()).isEqualTo(GUEST_CID);
                VsockPacketHeader rst = h.reset();
                assertThat(rst.op()).isEqualTo(VsockOp.RST.code());
                assertThat(rst.dstCid()).isEqualTo(h.srcCid());
                assertThat(rst.dstPort()).isEqualTo(h.srcPort());
                assertThat(rst.payloadLength()).isZero();
                assertThat(VsockPacketHeader.decode(MemorySegment.ofArray(rst.toBytes())))
                        .isEqualTo(rst);
                assertThat(why).isNotBlank();
            }
            case GuestPacket.Dropped(String why) -> assertThat(why).isNotBlank();
        }
    }

    /** Input: the line a host client sends, its newline taken off, as ASCII. */
    @FuzzTest
    void connectLine(byte[] data) {
        String line = new String(data, StandardCharsets.US_ASCII);
        long port = ConnectLine.parse(line);
        boolean isOne = line.matches("CONNECT [0-9]{1,10}")
                && Long.parseLong(line.substring("CONNECT ".length())) <= 0xffff_ffffL;
        assertThat(port >= 0).as("\"%s\" gives %d", line, port).isEqualTo(isOne);
        if (isOne) {
            assertThat(port).isEqualTo(Long.parseLong(line.substring("CONNECT ".length())));
        }
    }
}
