package javisor.vmm;

import java.net.DatagramPacket;
import java.net.DatagramSocket;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.SocketTimeoutException;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.Arrays;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;

import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * virtio-net on real KVM with a guest that is not Linux: guests/src/virtio_net.c answers ARP and ping and echoes
 * UDP on a tap whose other end is this host's network stack. The host pings it and checks datagrams of 1 to 1472
 * bytes come back unchanged (with 512-byte receive buffers, so the larger ones span several: MRG_RXBUF).
 */
@Timeout(180)
@Tag("kvm")
class VirtioNetGuestTest {
    private static final int PASS = 0x72;

    @BeforeEach
    void kvm() {
        TestGuests.requireKvm();
    }

    @Test
    void theHostPingsTheGuestAndDatagramsComeBackUnchanged() throws Exception {
        int subnet = HostNet.subnet();
        String hostIp = "10.216." + subnet + ".1";
        String guestIp = "10.216." + subnet + ".2";
        int port = 7000 + subnet;
        try (HostNet net = new HostNet()) {
            String tap = net.tap(net.name("jvg"), hostIp + "/24");
            try (DatagramSocket udp = new DatagramSocket(new InetSocketAddress(InetAddress.getByName(hostIp), port))) {
                exchange(udp, tap, hostIp, guestIp, port);
            }
        }
    }

    private static void exchange(DatagramSocket udp, String tap, String hostIp, String guestIp, int port)
            throws Exception {
        udp.setSoTimeout((int) TestGuests.patience(Duration.ofSeconds(30)).toMillis());
        CompletableFuture<CliRun> run = CompletableFuture.supplyAsync(() -> CliRun.of("run", "--kernel",
                TestGuests.image("virtio_net.elf").toString(), "--memory", "16", "--net", "tap=" + tap
                        + ",mac=02:00:00:00:00:2a", "--cmdline", "ip=" + guestIp + " peer=" + hostIp + " port="
                        + port + " seconds=120 rxbuf=512"));

        DatagramPacket hello = new DatagramPacket(new byte[200], 200);
        try {
            udp.receive(hello);
        } catch (SocketTimeoutException e) {
            throw new AssertionError("no hello from the guest; " + finished(run));
        }
        assertThat(new String(hello.getData(), 0, hello.getLength(), StandardCharsets.US_ASCII))
                .isEqualTo("hello from virtio_net 02:00:00:00:00:2a");

        HostNet.ping(guestIp, 3);

        for (int size : new int[] {1, 64, 512, 1400, 1472}) {
            byte[] payload = new byte[size];
            for (int i = 0; i < size; i++) {
                payload[i] = (byte) (i * 31 + size);
            }
            udp.send(new DatagramPacket(payload, size, InetAddress.getByName(guestIp), port));
            DatagramPacket back = new DatagramPacket(new byte[2048], 2048);
            udp.receive(back);
            assertThat(Arrays.copyOf(back.getData(), back.getLength())).as("%d bytes echoed", size)
                    .isEqualTo(payload);
        }
        byte[] quit = "quit".getBytes(StandardCharsets.US_ASCII);
        udp.send(new DatagramPacket(quit, quit.length, InetAddress.getByName(guestIp), port));
        CliRun r = run.get(60, TimeUnit.SECONDS);
        assertThat(r.out()).as(r.err()).doesNotContain("FAIL").contains("virtio_net: passed");
        assertThat(r.status()).as(r.out() + r.err()).isEqualTo((PASS << 1) | 1);
    }

    private static String finished(CompletableFuture<CliRun> run) {
        try {
            CliRun r = run.get(5, TimeUnit.SECONDS);
            return "Javisor ended with " + r.status() + ":\n" + r.out() + r.err();
        } catch (Exception e) {
            return "Javisor still runs";
        }
    }
}
