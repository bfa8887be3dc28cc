package javisor.virtio.vsock;

import java.io.IOException;
import java.nio.channels.ServerSocketChannel;
import java.nio.channels.SocketChannel;
import java.nio.file.Files;
import java.nio.file.Path;

import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import static javisor.virtio.vsock.TestGuest.bytes;
import static javisor.virtio.vsock.TestGuest.header;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/**
 * virtio-vsock with its own threads, a guest played by {@link TestGuest} and real Unix sockets on the host side:
 * connections both ways in Firecracker's hybrid scheme, data both ways, and how each side's close reaches the other.
 */
class VirtioVsockTest {
    private static final int BUF = 256 * 1024;

    @TempDir
    Path tmp;
    private VirtioVsock device;
    private TestGuest guest;

    @AfterEach
    void close() {
        if (device != null) {
            device.close();
        }
        if (guest != null) {
            guest.close();
        }
    }

    private Path start() {
        Path path = tmp.resolve("v.sock");
        device = new VirtioVsock(3, path);
        guest = new TestGuest();
        device.activate(guest.activation());
        guest.fillRx();
        return path;
    }

    @Test
    void theConstructorRefusesBadCidsAndPathsNamingThem() throws IOException {
        Path ok = tmp.resolve("v.sock");
        assertThatThrownBy(() -> new VirtioVsock(2, ok)).isInstanceOf(IllegalArgumentException.class)
                .hasMessage("vsock guest CID 2 is not from 3 to 4294967294 (0, 1 and 2 are reserved, "
                        + "4294967295 means any)");
        assertThatThrownBy(() -> new VirtioVsock(0xffff_ffffL, ok)).hasMessageContaining("CID 4294967295");
        assertThatThrownBy(() -> new VirtioVsock(-1, ok)).hasMessageContaining("CID 18446744073709551615");
        Path nowhere = tmp.resolve("no/such/folder/v.sock");
        assertThatThrownBy(() -> new VirtioVsock(3, nowhere)).isInstanceOf(IllegalArgumentException.class)
                .hasMessage("vsock socket path " + nowhere + ": its folder " + nowhere.getParent()
                        + " does not exist");
        Path file = Files.writeString(tmp.resolve("data"), "keep me");
        assertThatThrownBy(() -> new VirtioVsock(3, file)).isInstanceOf(IllegalArgumentException.class)
                .hasMessage("vsock socket path " + file + " exists and is not a socket");
        assertThat(Files.readString(file)).isEqualTo("keep me");
        Path longPath = tmp.resolve("x".repeat(100));
        assertThatThrownBy(() -> new VirtioVsock(3, longPath)).hasMessageContaining("is too long");
    }

    @Test
    void aStaleSocketIsReplacedAndCloseRemovesTheSocketFile() throws IOException {
        Path path = tmp.resolve("v.sock");
        HostSide.listen(path).close(); // closing a listener leaves its file behind
        assertThat(path).exists();
        try (VirtioVsock v = new VirtioVsock(7, path)) {
            assertThat(v.describe()).isEqualTo("vsock cid 7 on " + path);
            assertThat(v.readConfig(0, 8)).as("guest_cid").isEqualTo(7);
            assertThat(v.readConfig(0, 4)).isEqualTo(7);
            assertThat(v.queueSizes()).hasSize(3);
            assertThat(v.offeredFeatures() & VirtioVsock.F_STREAM).isNotZero();
        }
        assertThat(path).doesNotExist();
    }

    @Test
    void aGuestConnectsToTheHostSocketAtPathUnderscorePort() throws IOException {
        Path path = start();
        try (ServerSocketChannel listener = HostSide.listen(Path.of(path + "_1234"))) {
            guest.send(header(VsockOp.REQUEST, 5000, 1234, 0, 0, BUF, 0), new byte[0]);
            TestGuest.Packet response = guest.next(VsockOp.RESPONSE);
            assertThat(response.header()).isEqualTo(new VsockPacketHeader(2, 3, 1234, 5000, 0, 1,
                    VsockOp.RESPONSE.code(), 0, BUF, 0));
            SocketChannel host = HostSide.accept(listener);

            guest.send(header(VsockOp.RW, 5000, 1234, 5, 0, BUF, 0), bytes("hello"));
            assertThat(HostSide.read(host, 5)).isEqualTo(bytes("hello"));

            HostSide.write(host, "world!");
            TestGuest.Packet data = guest.next(VsockOp.RW);
            assertThat(data.payload()).isEqualTo(bytes("world!"));
            assertThat(data.header().srcPort()).isEqualTo(1234);
            assertThat(data.header().dstPort()).isEqualTo(5000);
            assertThat(data.header().fwdCnt()).as("the guest's bytes forwarded").isEqualTo(5);

            guest.send(header(VsockOp.SHUTDOWN, 5000, 1234, 0, VsockOp.SHUTDOWN_RCV | VsockOp.SHUTDOWN_SEND,
                    BUF, 6), new byte[0]);
            assertThat(HostSide.drainToEof(host)).isZero();
            assertThat(guest.next(VsockOp.RST).header().dstPort()).as("a clean close is answered with RST")
                    .isEqualTo(5000);
            host.close();
        }
        assertThat(device.counters()).containsEntry("connections", 1L).containsEntry("connections_active", 0L)
                .containsEntry("tx_bytes", 5L).containsEntry("rx_bytes", 6L).containsEntry("resets", 1L);
    }

    @Test
    void aGuestShutdownOfSendingIsAnEofForTheHostWhichMayStillAnswer() throws IOException {
        Path path = start();
        try (ServerSocketChannel listener = HostSide.listen(Path.of(path + "_80"))) {
            guest.send(header(VsockOp.REQUEST, 6000, 80, 0, 0, BUF, 0), new byte[0]);
            guest.next(VsockOp.RESPONSE);
            SocketChannel host = HostSide.accept(listener);
            guest.send(header(VsockOp.RW, 6000, 80, 3, 0, BUF, 0), bytes("GET"));
            guest.send(header(VsockOp.SHUTDOWN, 6000, 80, 0, VsockOp.SHUTDOWN_SEND, BUF, 0), new byte[0]);
            assertThat(HostSide.drainToEof(host)).isEqualTo(3);
            HostSide.write(host, "200");
            assertThat(guest.next(VsockOp.RW).payload()).isEqualTo(bytes("200"));
            host.close();
            TestGuest.Packet shutdown = guest.next(VsockOp.SHUTDOWN);
            assertThat(shutdown.header().flags()).as("a host close: neither side sends more")
                    .isEqualTo(VsockOp.SHUTDOWN_RCV | VsockOp.SHUTDOWN_SEND);
            guest.send(header(VsockOp.RST, 6000, 80, 0, 0, BUF, 3), new byte[0]);
            TestGuest.await("the connection gone", () -> device.counters().get("connections_active") == 0
                    ? true : null);
        }
    }

    @Test
    void aGuestConnectToAPortNobodyListensOnIsReset() {
        start();
        guest.send(header(VsockOp.REQUEST, 5001, 9, 0, 0, BUF, 0), new byte[0]);
        assertThat(guest.next(VsockOp.RST).header()).isEqualTo(new VsockPacketHeader(2, 3, 9, 5001, 0, 1,
                VsockOp.RST.code(), 0, 0, 0));
        assertThat(device.counters()).containsEntry("connections", 0L).containsEntry("resets", 1L);
    }

    @Test
    void seqpacketAndPacketsForNoConnectionAreReset() {
        start();
        VsockPacketHeader seq = new VsockPacketHeader(3, 2, 5002, 1234, 0, VsockPacketHeader.TYPE_SEQPACKET,
                VsockOp.REQUEST.code(), 0, BUF, 0);
        guest.send(seq, new byte[0]);
        assertThat(guest.next(VsockOp.RST).header()).isEqualTo(seq.reset());
        guest.send(header(VsockOp.RW, 5003, 1234, 2, 0, BUF, 0), bytes("hi"));
        assertThat(guest.next(VsockOp.RST).header().dstPort()).isEqualTo(5003);
        guest.send(header(VsockOp.RST, 5003, 1234, 0, 0, BUF, 0), new byte[0]); // never answered: no RST loops
        guest.send(new VsockPacketHeader(9, 2, 5004, 1234, 0, 1, 1, 0, BUF, 0), new byte[0]); // not its CID
        guest.send(header(VsockOp.REQUEST, 5005, 9, 0, 0, BUF, 0), new byte[0]);
        assertThat(guest.next(VsockOp.RST).header().dstPort()).as("the next answer is the last request's")
                .isEqualTo(5005);
        assertThat(device.counters()).containsEntry("dropped", 2L).containsEntry("tx_packets", 5L);
    }

    @Test
    void aHostClientConnectsToAGuestPortWithConnect() throws IOException {
        Path path = start();
        try (SocketChannel client = HostSide.connect(path)) {
            HostSide.write(client, "CONNECT 52\nearly");
            TestGuest.Packet request = guest.next(VsockOp.REQUEST);
            int local = request.header().srcPort();
            assertThat(Integer.toUnsignedLong(local)).isGreaterThanOrEqualTo(1L << 30);
            assertThat(request.header()).isEqualTo(new VsockPacketHeader(2, 3, local, 52, 0, 1,
                    VsockOp.REQUEST.code(), 0, BUF, 0));
            guest.send(new VsockPacketHeader(3, 2, 52, local, 0, 1, VsockOp.RESPONSE.code(), 0, BUF, 0),
                    new byte[0]);
            assertThat(HostSide.readLine(client)).isEqualTo("OK " + Integer.toUnsignedString(local));
            assertThat(guest.next(VsockOp.RW).payload()).as("what the client sent after its line")
                    .isEqualTo(bytes("early"));

            guest.send(new VsockPacketHeader(3, 2, 52, local, 4, 1, VsockOp.RW.code(), 0, BUF, 5), bytes("pong"));
            assertThat(HostSide.read(client, 4)).isEqualTo(bytes("pong"));

            guest.send(new VsockPacketHeader(3, 2, 52, local, 0, 1, VsockOp.RST.code(), 0, BUF, 5), new byte[0]);
            assertThat(HostSide.drainToEof(client)).isZero();
        }
        assertThat(device.counters()).containsEntry("connections", 1L).containsEntry("connections_active", 0L);
    }

    @Test
    void aHostConnectToAGuestPortNobodyListensOnClosesTheClient() throws IOException {
        Path path = start();
        try (SocketChannel client = HostSide.connect(path)) {
            HostSide.write(client, "CONNECT 53\n");
            VsockPacketHeader request = guest.next(VsockOp.REQUEST).header();
            guest.send(new VsockPacketHeader(3, 2, 53, request.srcPort(), 0, 1, VsockOp.RST.code(), 0, 0, 0),
                    new byte[0]);
            assertThat(HostSide.drainToEof(client)).as("no OK line").isZero();
        }
    }

    @Test
    void malformedConnectLinesCloseTheClient() throws IOException {
        Path path = start();
        for (String bad : new String[] {"CONNECT x\n", "HELLO 52\n", "CONNECT 4294967296\n", "CONNECT 52\r\n",
                "CONNECT " + "1".repeat(40)}) {
            try (SocketChannel client = HostSide.connect(path)) {
                HostSide.write(client, bad);
                assertThat(HostSide.drainToEof(client)).as(bad).isZero();
            }
        }
        assertThat(guest.poll()).as("the guest heard of none of them").isEmpty();
    }

    @Test
    void aResetEndsEveryConnectionAndTheListenerServesTheNextActivation() throws IOException {
        Path path = start();
        try (ServerSocketChannel listener = HostSide.listen(Path.of(path + "_1234"))) {
            guest.send(header(VsockOp.REQUEST, 5000, 1234, 0, 0, BUF, 0), new byte[0]);
            guest.next(VsockOp.RESPONSE);
            SocketChannel host = HostSide.accept(listener);
            device.reset();
            assertThat(HostSide.drainToEof(host)).isZero();
            host.close();
            assertThat(device.counters()).containsEntry("connections_active", 0L);
        }
        guest.close();
        guest = new TestGuest();
        device.activate(guest.activation());
        guest.fillRx();
        try (SocketChannel client = HostSide.connect(path)) {
            HostSide.write(client, "CONNECT 52\n");
            assertThat(guest.next(VsockOp.REQUEST).header().dstPort()).isEqualTo(52);
        }
    }
}
