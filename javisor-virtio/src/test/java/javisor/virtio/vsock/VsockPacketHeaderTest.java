package javisor.virtio.vsock;

import java.lang.foreign.MemorySegment;

import javisor.virtio.queue.DescriptorChain;
import javisor.virtio.queue.FakeDriver;
import javisor.virtio.queue.SplitQueue;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

import static org.assertj.core.api.Assertions.assertThat;

/** The vsock header's layout (virtio 1.2, 5.10.6) and the checks on every packet the guest sends. */
class VsockPacketHeaderTest {
    private final FakeDriver driver = new FakeDriver(16);
    private final SplitQueue queue = driver.queue(false, false);

    @AfterEach
    void close() {
        driver.close();
    }

    private static VsockPacketHeader header(int len, int type, int op) {
        return new VsockPacketHeader(3, 2, 1000, 1234, len, type, op, 0, 4096, 0);
    }

    private GuestPacket send(byte[]... readable) throws Exception {
        FakeDriver.Buf[] bufs = new FakeDriver.Buf[readable.length];
        for (int i = 0; i < readable.length; i++) {
            bufs[i] = driver.buffer(readable[i].length, false, readable[i]);
        }
        driver.add(bufs);
        DescriptorChain chain = queue.pop(driver.memory).orElseThrow();
        return GuestPacket.parse(driver.memory, chain, 3);
    }

    @Test
    void everyFieldIsLittleEndianAtItsOffset() {
        VsockPacketHeader h = new VsockPacketHeader(0x0102030405060708L, 0x1112131415161718L, 0x21222324,
                0xf1f2f3f4, 0x31323334, 0x4142, 0xf152, 0x61626364, 0x71727374, 0x81828384);
        byte[] b = h.toBytes();
        assertThat(b).hasSize(44);
        assertThat(b[0]).as("src_cid, low byte first").isEqualTo((byte) 0x08);
        assertThat(b[8]).as("dst_cid").isEqualTo((byte) 0x18);
        assertThat(b[16]).as("src_port").isEqualTo((byte) 0x24);
        assertThat(b[20]).as("dst_port").isEqualTo((byte) 0xf4);
        assertThat(b[24]).as("len").isEqualTo((byte) 0x34);
        assertThat(b[28]).as("type").isEqualTo((byte) 0x42);
        assertThat(b[30]).as("op").isEqualTo((byte) 0x52);
        assertThat(b[31]).as("op, high byte").isEqualTo((byte) 0xf1);
        assertThat(b[32]).as("flags").isEqualTo((byte) 0x64);
        assertThat(b[36]).as("buf_alloc").isEqualTo((byte) 0x74);
        assertThat(b[40]).as("fwd_cnt").isEqualTo((byte) 0x84);
        assertThat(VsockPacketHeader.decode(MemorySegment.ofArray(b))).isEqualTo(h);
    }

    @Test
    void theResetAnsweringAPacketSwapsItsAddresses() {
        VsockPacketHeader rst = new VsockPacketHeader(3, 2, 1000, 1234, 7, 2, 1, 3, 9, 9).reset();
        assertThat(rst).isEqualTo(new VsockPacketHeader(2, 3, 1234, 1000, 0, 2, VsockOp.RST.code(), 0, 0, 0));
        assertThat(new VsockPacketHeader(3, 2, 1, 2, 0, 77, 1, 0, 0, 0).reset().type()).as("an unknown type")
                .isEqualTo(VsockPacketHeader.TYPE_STREAM);
    }

    @Test
    void aWellFormedPacketIsValidWithItsPayloadInAnyDescriptor() throws Exception {
        VsockPacketHeader h = header(5, 1, VsockOp.RW.code());
        assertThat(send(h.toBytes(), "hello".getBytes())).isEqualTo(new GuestPacket.Valid(h, VsockOp.RW));
        byte[] both = new byte[49];
        System.arraycopy(h.toBytes(), 0, both, 0, 44);
        assertThat(send(both)).isEqualTo(new GuestPacket.Valid(h, VsockOp.RW));
        byte[] first = new byte[20];
        byte[] rest = new byte[29];
        System.arraycopy(both, 0, first, 0, 20);
        System.arraycopy(both, 20, rest, 0, 29);
        assertThat(send(first, rest)).as("the header split across descriptors")
                .isEqualTo(new GuestPacket.Valid(h, VsockOp.RW));
    }

    @Test
    void aChainShorterThanTheHeaderIsDropped() throws Exception {
        byte[] h = header(0, 1, 1).toBytes();
        byte[] short43 = new byte[43];
        System.arraycopy(h, 0, short43, 0, 43);
        assertThat(send(short43)).isEqualTo(new GuestPacket.Dropped(
                "a chain of 43 readable bytes is too short for the 44-byte header"));
    }

    @Test
    void badLengthsAndAddressesAreDroppedAndNamed() {
        assertThat(GuestPacket.check(header(6, 1, 5), 5, 3)).isEqualTo(new GuestPacket.Dropped(
                "a payload of 6 bytes runs past the chain's 5 readable bytes after the header"));
        assertThat(GuestPacket.check(header(65537, 1, 5), 1 << 20, 3)).isEqualTo(new GuestPacket.Dropped(
                "a payload of 65537 bytes is more than 65536"));
        assertThat(GuestPacket.check(header(-1, 1, 5), 1 << 20, 3)).as("len 2^32 - 1").isEqualTo(
                new GuestPacket.Dropped("a payload of 4294967295 bytes is more than 65536"));
        assertThat(GuestPacket.check(header(0, 1, 1), 0, 4)).isEqualTo(new GuestPacket.Dropped(
                "source CID 3 is not the guest's 4"));
        VsockPacketHeader toGuest = new VsockPacketHeader(3, 3, 1, 2, 0, 1, 1, 0, 0, 0);
        assertThat(GuestPacket.check(toGuest, 0, 3)).isEqualTo(new GuestPacket.Dropped(
                "destination CID 3 is not the host's 2"));
        VsockPacketHeader hugeCid = new VsockPacketHeader(-1L, 2, 1, 2, 0, 1, 1, 0, 0, 0);
        assertThat(GuestPacket.check(hugeCid, 0, 3)).isEqualTo(new GuestPacket.Dropped(
                "source CID 18446744073709551615 is not the guest's 3"));
    }

    @Test
    void unknownOpsAndTypesAreRefusedWithAReset() {
        assertThat(GuestPacket.check(header(0, 1, 0), 0, 3)).isEqualTo(
                new GuestPacket.Refused(header(0, 1, 0), "unknown op 0"));
        assertThat(GuestPacket.check(header(0, 1, 8), 0, 3)).isEqualTo(
                new GuestPacket.Refused(header(0, 1, 8), "unknown op 8"));
        assertThat(GuestPacket.check(header(0, 2, 1), 0, 3)).as("SEQPACKET").isEqualTo(
                new GuestPacket.Refused(header(0, 2, 1), "socket type 2 is not STREAM"));
        assertThat(GuestPacket.check(header(0, 0xffff, 1), 0, 3)).isEqualTo(
                new GuestPacket.Refused(header(0, 0xffff, 1), "socket type 65535 is not STREAM"));
    }

    @Test
    void everyOpKnowsItsCode() {
        for (VsockOp op : VsockOp.values()) {
            assertThat(VsockOp.of(op.code())).contains(op);
        }
        assertThat(VsockOp.REQUEST.code()).isEqualTo(1);
        assertThat(VsockOp.CREDIT_REQUEST.code()).isEqualTo(7);
    }
}
