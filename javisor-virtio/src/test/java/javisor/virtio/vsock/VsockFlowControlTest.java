package javisor.virtio.vsock;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.ByteBuffer;
import java.nio.channels.ServerSocketChannel;
import java.nio.channels.SocketChannel;
import java.nio.file.Path;
import java.util.SplittableRandom;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.locks.LockSupport;
import java.util.zip.CRC32;

import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import static javisor.virtio.vsock.TestGuest.header;
import static org.assertj.core.api.Assertions.assertThat;

/**
 * Credit-based flow control (virtio 1.2, 5.10.6.3) with the device's threads and real sockets: the device sends
 * the guest no more than its credit, a guest that sends past the credit it was given loses the connection, and
 * megabytes move both ways at once without a byte lost.
 */
class VsockFlowControlTest {
    private static final int GUEST_PORT = 5000;
    private static final int HOST_PORT = 1234;

    @TempDir
    Path tmp;
    private VirtioVsock device;
    private TestGuest guest;
    private ServerSocketChannel listener;

    @BeforeEach
    void start() throws IOException {
        Path path = tmp.resolve("v.sock");
        device = new VirtioVsock(3, path);
        listener = HostSide.listen(Path.of(path + "_" + HOST_PORT));
        guest = new TestGuest();
        device.activate(guest.activation());
    }

    @AfterEach
    void close() throws IOException {
        device.close();
        listener.close();
        guest.close();
    }

    /** The guest connects, advertising {@code bufAlloc}; returns the host's end. */
    private SocketChannel connect(int bufAlloc) {
        guest.send(header(VsockOp.REQUEST, GUEST_PORT, HOST_PORT, 0, 0, bufAlloc, 0), new byte[0]);
        guest.next(VsockOp.RESPONSE);
        return HostSide.accept(listener);
    }

    private void send(VsockOp op, byte[] payload, int bufAlloc, int fwdCnt) {
        guest.send(header(op, GUEST_PORT, HOST_PORT, payload.length, 0, bufAlloc, fwdCnt), payload);
    }

    private static byte[] random(long seed, int n) {
        byte[] b = new byte[n];
        new SplittableRandom(seed).nextBytes(b);
        return b;
    }

    @Test
    void theHostSendsTheGuestNoMoreThanItsCredit() throws IOException {
        guest.fillRx();
        SocketChannel host = connect(4096);
        byte[] data = random(1, 10_000);
        HostSide.write(host, data);
        ByteBuffer got = ByteBuffer.allocate(data.length);
        for (int fwd = 4096; fwd <= 12_288; fwd += 4096) {
            int expected = Math.min(fwd, data.length);
            while (got.position() < expected) {
                got.put(guest.next(VsockOp.RW).payload());
            }
            assertThat(got.position()).as("bytes received with fwd_cnt %d", fwd - 4096).isEqualTo(expected);
            // The device answers a CREDIT_REQUEST after the data it had credit for, and sends nothing more before.
            send(VsockOp.CREDIT_REQUEST, new byte[0], 4096, fwd - 4096);
            TestGuest.Packet update = guest.next();
            assertThat(update.op()).as("after %d bytes", expected).isEqualTo(VsockOp.CREDIT_UPDATE);
            assertThat(update.header().bufAlloc()).isEqualTo(VsockMuxer.BUF_ALLOC);
            assertThat(device.counters().get("rx_bytes")).isEqualTo(expected);
            send(VsockOp.CREDIT_UPDATE, new byte[0], 4096, fwd);
        }
        assertThat(got.array()).isEqualTo(data);
        host.close();
    }

    @Test
    void aGuestThatSendsPastItsCreditIsReset() throws IOException {
        guest.postRx(1);
        SocketChannel host = connect(4096); // the host does not read: the device must keep what it is sent
        byte[] chunk = random(2, GuestPacket.MAX_PAYLOAD);
        for (int i = 0; i < VsockMuxer.BUF_ALLOC / chunk.length; i++) {
            send(VsockOp.RW, chunk, 4096, 0);
        }
        TestGuest.await("the buf_alloc the guest was given, forwarded or kept", () ->
                device.counters().get("tx_bytes") == VsockMuxer.BUF_ALLOC ? true : null);
        assertThat(device.counters()).as("all the credit used, not more").containsEntry("connections_active", 1L)
                .containsEntry("resets", 0L);

        send(VsockOp.RW, new byte[1], 4096, 0);
        // The device closes the connection when it takes the packet; only then may the guest post a buffer, else
        // the device could first use it for the CREDIT_UPDATE it owes, and the extra byte would be within credit.
        TestGuest.await("the connection closed", () ->
                device.counters().get("connections_active") == 0 ? true : null);
        guest.postRx(1);
        assertThat(guest.next(VsockOp.RST).header().dstPort()).isEqualTo(GUEST_PORT);
        assertThat(HostSide.drainToEof(host)).isLessThanOrEqualTo(VsockMuxer.BUF_ALLOC);
        assertThat(device.counters()).containsEntry("connections_active", 0L).containsEntry("resets", 1L);
        host.close();
    }

    @Test
    void eightMebibytesEachWayArriveWhole() throws Exception {
        int total = 8 << 20;
        int guestBuf = 256 * 1024;
        guest.fillRx();
        SocketChannel host = connect(guestBuf);
        host.configureBlocking(true);
        CompletableFuture<Long> hostWrote = CompletableFuture.supplyAsync(() -> {
            CRC32 crc = new CRC32();
            SplittableRandom r = new SplittableRandom(3);
            byte[] block = new byte[100_000];
            try {
                for (int done = 0; done < total; ) {
                    int n = Math.min(block.length, total - done);
                    r.nextBytes(block);
                    crc.update(block, 0, n);
                    ByteBuffer b = ByteBuffer.wrap(block, 0, n);
                    while (b.hasRemaining()) {
                        host.write(b);
                    }
                    done += n;
                }
            } catch (IOException e) {
                throw new UncheckedIOException(e);
            }
            return crc.getValue();
        });
        CompletableFuture<Long> hostRead = CompletableFuture.supplyAsync(() -> {
            CRC32 crc = new CRC32();
            ByteBuffer b = ByteBuffer.allocate(64 * 1024);
            try {
                for (long done = 0; done < total; ) {
                    b.clear();
                    int n = host.read(b);
                    if (n < 0) {
                        throw new AssertionError("EOF after " + done + " bytes");
                    }
                    crc.update(b.array(), 0, n);
                    done += n;
                }
            } catch (IOException e) {
                throw new UncheckedIOException(e);
            }
            return crc.getValue();
        });

        CRC32 sentCrc = new CRC32();
        CRC32 receivedCrc = new CRC32();
        SplittableRandom r = new SplittableRandom(4);
        long sent = 0;
        long received = 0;
        long told = 0;
        long deviceBufAlloc = 0;
        long deviceFwd = 0;
        long end = System.nanoTime() + TimeUnit.SECONDS.toNanos(30);
        while (sent < total || received < total) {
            assertThat(System.nanoTime() - end).as("sent %d, received %d", sent, received).isNegative();
            boolean progress = false;
            for (TestGuest.Packet p : guest.poll()) {
                deviceBufAlloc = Integer.toUnsignedLong(p.header().bufAlloc());
                deviceFwd = Integer.toUnsignedLong(p.header().fwdCnt());
                if (p.op() == VsockOp.RW) {
                    receivedCrc.update(p.payload());
                    received += p.payload().length;
                }
                progress = true;
            }
            if (received - told >= 64 * 1024 || (received == total && told < total)) {
                send(VsockOp.CREDIT_UPDATE, new byte[0], guestBuf, (int) received);
                told = received;
            }
            long credit = deviceBufAlloc - (sent - deviceFwd);
            if (sent < total && credit > 0 && guest.txFree()) {
                byte[] chunk = new byte[(int) Math.min(Math.min(credit, GuestPacket.MAX_PAYLOAD), total - sent)];
                r.nextBytes(chunk);
                sentCrc.update(chunk);
                send(VsockOp.RW, chunk, guestBuf, (int) received);
                sent += chunk.length;
                progress = true;
            }
            if (!progress) {
                LockSupport.parkNanos(20_000);
            }
        }
        assertThat(hostRead.get(30, TimeUnit.SECONDS)).as("what the host read").isEqualTo(sentCrc.getValue());
        assertThat(receivedCrc.getValue()).as("what the guest received").isEqualTo(hostWrote.get(30,
                TimeUnit.SECONDS));
        assertThat(device.counters()).containsEntry("tx_bytes", (long) total).containsEntry("rx_bytes",
                (long) total).containsEntry("resets", 0L);
        host.close();
    }
}
