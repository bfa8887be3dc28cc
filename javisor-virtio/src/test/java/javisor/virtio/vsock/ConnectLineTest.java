package javisor.virtio.vsock;

import org.junit.jupiter.api.Test;

import static org.assertj.core.api.Assertions.assertThat;

/** The host client's {@code CONNECT <port>} line (Firecracker docs/vsock.md): exactly that, or nothing. */
class ConnectLineTest {
    @Test
    void onlyExactConnectLinesAreAccepted() {
        assertThat(ConnectLine.parse("CONNECT 52")).isEqualTo(52);
        assertThat(ConnectLine.parse("CONNECT 4294967295")).isEqualTo(0xffff_ffffL);
        for (String bad : new String[] {"CONNECT 4294967296", "CONNECT ", "CONNECT", "connect 52", "CONNECT -1",
                "CONNECT 52 ", "CONNECT  52", "CONNECT 52\r", "CONNECT 0x10", "CONNECT 99999999999"}) {
            assertThat(ConnectLine.parse(bad)).as(bad).isEqualTo(-1);
        }
    }
}
