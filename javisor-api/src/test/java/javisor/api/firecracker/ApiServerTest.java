package javisor.api.firecracker;

import java.io.ByteArrayOutputStream;
import java.io.InputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;

import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/** The API on a real Unix socket, through Jetty: framing, bounds, the socket file's life. */
class ApiServerTest {
    @TempDir
    Path tmp;
    private Path socket;
    private ApiServer server;

    @BeforeEach
    void start() {
        socket = tmp.resolve("api.sock");
        FirecrackerInstance instance = new FirecrackerInstance("server-test", "javisor test",
                InputStream.nullInputStream(), new PrintStream(new ByteArrayOutputStream(), true,
                StandardCharsets.UTF_8), new FirecrackerMetrics(0));
        server = ApiServer.start(socket, new ApiRouter(instance), 1024);
    }

    @AfterEach
    void stop() {
        server.close();
    }

    @Test
    void answersWithJsonAndFirecrackersStatusCodes() throws Exception {
        UnixHttp.Answer info = UnixHttp.send(socket, "GET", "/", null);
        assertThat(info.status()).isEqualTo(200);
        assertThat(info.headers().get("content-type")).startsWith("application/json");
        assertThat(info.body()).contains("\"state\":\"Not started\"").contains("\"id\":\"server-test\"");
        UnixHttp.Answer put = UnixHttp.send(socket, "PUT", "/machine-config", "{\"vcpu_count\": 1, \"mem_size_mib\": 64}");
        assertThat(put.status()).isEqualTo(204);
        assertThat(put.body()).isEmpty();
        UnixHttp.Answer bad = UnixHttp.send(socket, "PUT", "/machine-config", "{\"vcpu_count\": true}");
        assertThat(bad.status()).isEqualTo(400);
        assertThat(bad.body()).startsWith("{\"fault_message\":\"An error occurred when deserializing");
        UnixHttp.Answer query = UnixHttp.send(socket, "GET", "/machine-config?x=1", null);
        assertThat(query.body()).contains("\"mem_size_mib\":64");
    }

    @Test
    void aBodyOverTheBoundIsRefusedDeclaredOrChunked() throws Exception {
        String big = "{\"kernel_image_path\": \"" + "a".repeat(2000) + "\"}";
        UnixHttp.Answer declared = UnixHttp.send(socket, "PUT", "/boot-source", big);
        assertThat(declared.status()).isEqualTo(400);
        assertThat(declared.body()).contains("Request payload with size " + big.length()
                + " is larger than the limit of 1024 allowed by server.");
        String chunk = Integer.toHexString(big.length()) + "\r\n" + big + "\r\n0\r\n\r\n";
        UnixHttp.Answer chunked = UnixHttp.raw(socket, ("PUT /boot-source HTTP/1.1\r\nHost: x\r\nConnection: close\r\n"
                + "Transfer-Encoding: chunked\r\n\r\n" + chunk).getBytes(StandardCharsets.US_ASCII));
        assertThat(chunked.status()).isEqualTo(400);
        assertThat(chunked.body()).contains("Request payload is larger than the limit of 1024 allowed by server.");
    }

    @Test
    void garbageOnTheSocketGetsAnHttpErrorAndTheServerGoesOn() throws Exception {
        UnixHttp.Answer garbage = UnixHttp.raw(socket, "NOT HTTP AT ALL\r\n\r\n".getBytes(StandardCharsets.US_ASCII));
        assertThat(garbage.status()).isBetween(400, 499);
        assertThat(UnixHttp.send(socket, "GET", "/version", null).status()).isEqualTo(200);
    }

    @Test
    void manyClientsAtOnceAreEachAnswered() throws Exception {
        ExecutorService pool = Executors.newFixedThreadPool(8);
        try {
            List<Future<UnixHttp.Answer>> answers = new ArrayList<>();
            for (int i = 0; i < 64; i++) {
                int mem = 64 + i;
                answers.add(pool.submit(() -> UnixHttp.send(socket, "PUT", "/machine-config",
                        "{\"vcpu_count\": 1, \"mem_size_mib\": " + mem + "}")));
            }
            for (Future<UnixHttp.Answer> a : answers) {
                assertThat(a.get().status()).isEqualTo(204);
            }
        } finally {
            pool.shutdownNow();
        }
    }

    @Test
    void theSocketMustNotExistAndIsRemovedAtClose() throws Exception {
        assertThat(socket).exists();
        assertThatThrownBy(() -> ApiServer.start(socket, null, 1024)).isInstanceOf(IllegalArgumentException.class)
                .hasMessage("the API socket " + socket + " already exists; remove it first (a second process on one "
                        + "socket would answer for the wrong VM)");
        server.close();
        assertThat(Files.exists(socket)).isFalse();
    }
}
