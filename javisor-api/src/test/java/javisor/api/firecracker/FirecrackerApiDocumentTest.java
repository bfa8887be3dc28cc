package javisor.api.firecracker;

import java.io.ByteArrayOutputStream;
import java.io.InputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.dataformat.yaml.YAMLFactory;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * Walks Firecracker's OpenAPI document (src/test/resources/firecracker-api.yaml, Firecracker's own, Apache-2.0):
 * every path and method in it is either served, with each request body this test sends checked against the
 * document's schema for it and each answer against the document's responses, or answered as not supported and
 * listed in docs/firecracker-api.md. No KVM here: the requests are the ones a client makes before InstanceStart
 * (InstanceStart itself is FirecrackerIT's, in the KVM box).
 */
class FirecrackerApiDocumentTest {
    private static final Set<String> METHODS = Set.of("get", "put", "patch", "post", "delete");

    @TempDir
    Path tmp;
    private JsonNode document;
    private SchemaCheck schemas;
    private ApiRouter router;

    @BeforeEach
    void setUp() throws Exception {
        try (InputStream in = getClass().getResourceAsStream("/firecracker-api.yaml")) {
            document = new ObjectMapper(new YAMLFactory()).readTree(in);
        }
        schemas = new SchemaCheck(document);
        router = new ApiRouter(new FirecrackerInstance("doc-test", "javisor test", InputStream.nullInputStream(),
                new PrintStream(new ByteArrayOutputStream(), true, StandardCharsets.UTF_8), new FirecrackerMetrics(0)));
    }

    /** A body for each served operation that takes one: what a client sends before InstanceStart. */
    private Map<String, String> bodies() throws Exception {
        Path kernel = Files.writeString(tmp.resolve("vmlinux"), "not really a kernel");
        Path disk = Files.write(tmp.resolve("rootfs.ext4"), new byte[4096]);
        Map<String, String> b = new LinkedHashMap<>();
        b.put("PUT /metrics", "{\"metrics_path\": \"" + tmp.resolve("metrics.json") + "\"}");
        b.put("PUT /logger", "{\"level\": \"Warning\", \"log_path\": \"" + tmp.resolve("log.txt")
                + "\", \"show_level\": true}");
        b.put("PUT /boot-source", "{\"kernel_image_path\": \"" + kernel + "\", \"boot_args\": \"console=ttyS0\"}");
        b.put("PUT /machine-config", "{\"vcpu_count\": 2, \"mem_size_mib\": 256, \"smt\": false}");
        b.put("PATCH /machine-config", "{\"vcpu_count\": 2, \"mem_size_mib\": 512}"); // the document requires both
        b.put("PUT /drives/{drive_id}", "{\"drive_id\": \"rootfs\", \"path_on_host\": \"" + disk
                + "\", \"is_root_device\": true, \"is_read_only\": false}");
        b.put("PATCH /drives/{drive_id}", "{\"drive_id\": \"rootfs\", \"path_on_host\": \"" + disk + "\"}");
        b.put("PUT /network-interfaces/{iface_id}", "{\"iface_id\": \"eth0\", \"host_dev_name\": \"tap0\", "
                + "\"guest_mac\": \"06:00:ac:10:00:02\"}");
        b.put("PATCH /network-interfaces/{iface_id}", "{\"iface_id\": \"eth0\"}");
        b.put("PUT /vsock", "{\"guest_cid\": 3, \"uds_path\": \"" + tmp.resolve("v.sock") + "\"}");
        b.put("PUT /entropy", "{\"rate_limiter\": {\"bandwidth\": {\"size\": 1000, \"refill_time\": 100}}}");
        b.put("PUT /serial", "{\"serial_out_path\": \"" + tmp.resolve("serial.log") + "\"}");
        b.put("PATCH /vm", "{\"state\": \"Paused\"}");
        b.put("PUT /actions", "{\"action_type\": \"FlushMetrics\"}");
        return b;
    }

    @Test
    void everyPathAndMethodOfTheDocumentIsServedOrListedAsNotSupported() throws Exception {
        Map<String, String> bodies = bodies();
        String docs = Files.readString(Path.of(System.getProperty("javisor.root", "..")).resolve(
                "docs/firecracker-api.md"));
        List<String> served = new ArrayList<>();
        List<String> unsupported = new ArrayList<>();
        // Served operations in the order a client makes them (metrics before FlushMetrics), then the rest.
        List<String> operations = new ArrayList<>(bodies.keySet());
        for (Iterator<Map.Entry<String, JsonNode>> paths = document.get("paths").properties().iterator(); paths.hasNext(); ) {
            Map.Entry<String, JsonNode> p = paths.next();
            for (Iterator<String> m = p.getValue().fieldNames(); m.hasNext(); ) {
                String method = m.next();
                if (METHODS.contains(method)) {
                    String op = method.toUpperCase(Locale.ROOT) + " " + p.getKey();
                    if (!operations.contains(op)) {
                        operations.add(op);
                    }
                }
            }
        }
        for (String op : operations) {
            String method = op.substring(0, op.indexOf(' '));
            String path = op.substring(op.indexOf(' ') + 1);
            JsonNode spec = document.get("paths").get(path).get(method.toLowerCase(Locale.ROOT));
            assertThat(spec).as("%s is in the document", op).isNotNull();
            String concrete = path.replace("{drive_id}", "rootfs").replace("{iface_id}", "eth0").replace("{id}", "p0");
            String body = bodies.get(op);
            if (body != null) {
                JsonNode bodySchema = bodySchema(spec);
                assertThat(schemas.problems(new ObjectMapper().readTree(body), bodySchema))
                        .as("the test's body for %s conforms to the document", op).isEmpty();
            }
            ApiRouter.Response r = router.handle(method, concrete, body == null ? new byte[0]
                    : body.getBytes(StandardCharsets.UTF_8));
            JsonNode responses = spec.get("responses");
            if (ApiRouter.SERVED.getOrDefault(path, Set.of()).contains(method)) {
                served.add(op);
                String status = Integer.toString(r.status());
                assertThat(responses.has(status) || r.status() >= 400 && responses.has("default"))
                        .as("%s answered %s, which the document has: %s", op, status, new String(r.body(),
                                StandardCharsets.UTF_8)).isTrue();
                JsonNode schema = responses.has(status) ? responses.get(status).get("schema")
                        : responses.get("default").get("schema");
                if (schema != null) {
                    assertThat(schemas.problems(Json.MAPPER.readTree(r.body()), schema))
                            .as("%s's answer %s conforms", op, new String(r.body(), StandardCharsets.UTF_8)).isEmpty();
                } else {
                    assertThat(r.body()).as("%s's %s has no body", op, status).isEmpty();
                }
            } else {
                unsupported.add(op);
                assertThat(ApiRouter.UNSUPPORTED).as("%s is neither served nor listed as not supported", op)
                        .containsKey(path);
                assertThat(r.status()).isEqualTo(400);
                assertThat(schemas.problems(Json.MAPPER.readTree(r.body()), document.at("/definitions/Error")))
                        .isEmpty();
                assertThat(new String(r.body(), StandardCharsets.UTF_8))
                        .contains("Javisor does not support " + method + " " + concrete);
                assertThat(docs).as("docs/firecracker-api.md lists %s as not supported", op).contains("`" + op + "`");
            }
        }
        // The served operations a client needs before InstanceStart all succeed (the post-boot ones are refused).
        assertThat(served).contains("PUT /boot-source", "PUT /machine-config", "PUT /drives/{drive_id}",
                "PUT /network-interfaces/{iface_id}", "PUT /vsock", "PUT /entropy", "PUT /actions", "GET /vm/config");
        assertThat(unsupported).contains("PUT /snapshot/create", "GET /balloon");
        // And nothing is served that the document does not have, but Javisor's GET /metrics.
        ApiRouter.SERVED.forEach((path, methods) -> methods.forEach(method -> {
            if (!(path.equals("/metrics") && method.equals("GET"))) {
                assertThat(document.get("paths").path(path).has(method.toLowerCase(Locale.ROOT)))
                        .as("%s %s is in the document", method, path).isTrue();
            }
        }));
    }

    @Test
    void theConfigurationReadBackConformsAndHoldsWhatWasPut() throws Exception {
        Map<String, String> bodies = bodies();
        for (String op : List.of("PUT /boot-source", "PUT /machine-config", "PUT /drives/{drive_id}",
                "PUT /network-interfaces/{iface_id}", "PUT /vsock", "PUT /entropy", "PUT /metrics")) {
            String method = op.substring(0, op.indexOf(' '));
            String path = op.substring(op.indexOf(' ') + 1).replace("{drive_id}", "rootfs").replace("{iface_id}",
                    "eth0");
            assertThat(router.handle(method, path, bodies.get(op).getBytes(StandardCharsets.UTF_8)).status())
                    .as(op).isEqualTo(204);
        }
        ApiRouter.Response r = router.handle("GET", "/vm/config", new byte[0]);
        JsonNode config = Json.MAPPER.readTree(r.body());
        assertThat(schemas.problems(config, document.at("/definitions/FullVmConfiguration"))).isEmpty();
        assertThat(config.at("/machine-config/vcpu_count").asInt()).isEqualTo(2);
        assertThat(config.at("/drives/0/drive_id").asText()).isEqualTo("rootfs");
        assertThat(config.at("/network-interfaces/0/host_dev_name").asText()).isEqualTo("tap0");
        assertThat(config.at("/vsock/guest_cid").asInt()).isEqualTo(3);
        assertThat(config.at("/entropy/rate_limiter/bandwidth/size").asInt()).isEqualTo(1000);
        ApiRouter.Response info = router.handle("GET", "/", new byte[0]);
        assertThat(schemas.problems(Json.MAPPER.readTree(info.body()), document.at("/definitions/InstanceInfo")))
                .isEmpty();
    }

    private static JsonNode bodySchema(JsonNode spec) {
        for (JsonNode p : spec.path("parameters")) {
            if (p.path("in").asText().equals("body")) {
                return p.get("schema");
            }
        }
        throw new AssertionError("no body parameter in " + spec);
    }
}
