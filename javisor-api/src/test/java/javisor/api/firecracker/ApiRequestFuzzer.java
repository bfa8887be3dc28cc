package javisor.api.firecracker;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.ByteArrayOutputStream;
import java.io.InputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;

import com.code_intelligence.jazzer.api.FuzzedDataProvider;
import com.code_intelligence.jazzer.junit.FuzzTest;
import com.fasterxml.jackson.databind.JsonNode;

/**
 * Coverage-guided: any sequence of requests (any method, any of Firecracker's paths or any other, any body) on one
 * microVM before it starts. Each gets 200, 204 or a 400 whose {@code fault_message} says why, never a 500 (an
 * exception the router did not expect). Requests that would act on the host (InstanceStart boots a VM, logger and
 * metrics open files) have their bodies read only, which must give a value or a {@link BadRequest}.
 */
class ApiRequestFuzzer {
    private static final String[] METHODS = {"GET", "PUT", "PATCH", "POST", "DELETE", "HEAD"};
    private static final String[] PATHS = {"/", "/version", "/machine-config", "/boot-source", "/drives/rootfs",
        "/drives/", "/drives/a/b", "/network-interfaces/eth0", "/vsock", "/entropy", "/serial", "/vm", "/vm/config",
        "/metrics", "/balloon", "/snapshot/create", "/mmds", "/cpu-config", "/pmem/p0", "/hotplug/memory",
        "/machine-config?x=1", "//", "/drives/%2e%2e", ""};
    /** Routes whose handling reaches past the router into the host; their bodies are only read. */
    private static final String[] HOST_EFFECTS = {"PUT /actions", "PUT /logger", "PUT /metrics"};

    @FuzzTest
    void anyRequestsBeforeBoot(FuzzedDataProvider data) throws Exception {
        FirecrackerInstance instance = new FirecrackerInstance("fuzz", "javisor fuzz", InputStream.nullInputStream(),
                new PrintStream(new ByteArrayOutputStream(), true, StandardCharsets.UTF_8), new FirecrackerMetrics(0));
        ApiRouter router = new ApiRouter(instance);
        int requests = data.consumeInt(1, 8);
        for (int i = 0; i < requests && data.remainingBytes() > 0; i++) {
            int kind = data.consumeInt(0, 9);
            if (kind == 0) {
                readOnly(data.pickValue(HOST_EFFECTS), data.consumeBytes(2048));
                continue;
            }
            String method = kind < 8 ? data.pickValue(new String[] {"GET", "PUT", "PATCH"}) : data.pickValue(METHODS);
            String path = kind < 9 ? data.pickValue(PATHS) : "/" + data.consumeString(40);
            ApiRouter.Response r = router.handle(method, path, data.consumeBytes(2048));
            assertThat(r.status()).as("%s %s", method, path).isIn(200, 204, 400);
            if (r.status() == 400) {
                JsonNode fault = Json.MAPPER.readTree(r.body());
                assertThat(fault.get("fault_message").asText()).isNotBlank();
            }
        }
    }

    private static void readOnly(String route, byte[] body) {
        Class<?> type = switch (route) {
            case "PUT /actions" -> ApiTypes.InstanceActionInfo.class;
            case "PUT /logger" -> ApiTypes.Logger.class;
            default -> ApiTypes.Metrics.class;
        };
        try {
            assertThat(Json.read(body, type)).isNotNull();
        } catch (BadRequest e) {
            assertThat(e.getMessage()).startsWith("An error occurred when deserializing the json body of a request:");
        }
    }
}
