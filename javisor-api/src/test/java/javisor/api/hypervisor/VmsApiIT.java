package javisor.api.hypervisor;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.OutputStream;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.net.http.WebSocket;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.TimeUnit;
import java.util.function.Supplier;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import javisor.api.firecracker.SchemaCheck;
import javisor.sys.kvm.Kvm;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import static org.assertj.core.api.Assertions.assertThat;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * The multi-VM API as its users reach it, on real KVM (in the KVM box where the host has none): {@code javisor
 * shell --api-sock --web} as a process of its own, driven at once through its shell (standard input) and its API
 * (curl over the Unix socket; the JDK's HTTP and WebSocket clients over TCP with the token). Both act on the same
 * VMs and refuse with the same words; every answer is checked against docs/javisor-api.yaml.
 */
@Tag("kvm")
class VmsApiIT {
    private static final Path ROOT = Path.of(System.getProperty("javisor.root", "..")).toAbsolutePath().normalize();
    private static final Path LIB = ROOT.resolve("javisor-api/target/lib");
    private static final Path GUESTS = ROOT.resolve("guests/target/guests");
    /** JVMs start about ten times slower in the box: bounds against hangs, not measures. */
    private static final long SLOW = System.getenv("JAVISOR_IN_BOX") != null ? 10 : 1;
    private static final ObjectMapper JSON = new ObjectMapper();
    private static final String TOKEN = "0123456789abcdef-it-token";

    @TempDir
    Path tmp;
    private Process process;
    private OutputStream commands;
    private Path out;
    private Path err;
    private Path socket;
    private JsonNode document;
    private SchemaCheck schemas;
    private final List<String> checked = new ArrayList<>();

    @BeforeAll
    static void requireKvm() {
        var cause = Kvm.unavailabilityCause();
        assertTrue(cause.isEmpty(), () -> "needs /dev/kvm: " + cause.orElse(""));
    }

    @AfterEach
    void stop() throws Exception {
        if (process != null && process.isAlive()) {
            process.destroyForcibly().waitFor(30, TimeUnit.SECONDS);
        }
    }

    record Answer(int status, String body) {
        JsonNode json() throws IOException {
            return JSON.readTree(body);
        }

        String error() throws IOException {
            return json().path("error").asText();
        }
    }

    @Test
    void theShellAndTheApiDriveTheSameVms() throws Exception {
        document = VmsApiDocumentTest.document();
        schemas = new SchemaCheck(document);
        Path config = echoConfig();
        Files.writeString(tmp.resolve("token"), TOKEN + "\n");
        socket = tmp.resolve("api.sock");
        out = tmp.resolve("stdout");
        err = tmp.resolve("stderr");
        launch("shell", config.toString(), "--api-sock", socket.toString(), "--web", "127.0.0.1:0",
                "--web-token-file", tmp.resolve("token").toString(), "--log-dir", tmp.resolve("logs").toString());
        String web = await("the web address on standard error", () -> {
            Matcher m = Pattern.compile("API and web console on (http://127\\.0\\.0\\.1:\\d+)/ui/\\?token=(\\S+)")
                    .matcher(read(err));
            return m.find() && m.group(2).equals(TOKEN) ? m.group(1) : null;
        });
        assertThat(read(err)).contains("javisor: API on unix:" + socket);
        assertThat(PosixFilePermissions.toString(Files.getPosixFilePermissions(socket))).isEqualTo("rw-------");

        // The shell booted the config's VM; the API sees it.
        Answer list = curl("GET", "/vms", null);
        assertThat(list.status()).isEqualTo(200);
        JsonNode vm = list.json().get("vms").get(0);
        assertThat(vm.get("name").asText()).isEqualTo("echo");
        assertThat(vm.get("state").asText()).isEqualTo("running");

        // One refusal, one wording, whoever asks.
        Answer again = curl("POST", "/vms/1/start", null);
        assertThat(again.status()).isEqualTo(409);
        String refusal = again.error();
        assertThat(refusal).isEqualTo("VM 1 (echo) is RUNNING; only a LOADED or STOPPED VM can be started");
        type("vm start 1\n");
        await("the shell's refusal", () -> read(err).contains("error: " + refusal) ? "" : null);

        // The API's changes are the shell's, and the other way round.
        Answer suspended = curl("POST", "/vms/echo/suspend", "{}");
        assertThat(suspended.status()).isEqualTo(200);
        assertThat(suspended.json().get("message").asText()).isEqualTo("suspended VM 1 (echo)");
        assertThat(suspended.json().get("vm").get("state").asText()).isEqualTo("suspended");
        type("vm list --format json\n");
        await("the shell seeing the suspension", () -> read(out).contains("\"state\":\"suspended\"") ? "" : null);
        assertThat(curl("POST", "/vms/1/resume", null).status()).isEqualTo(200);
        Answer stats = curl("GET", "/vms/1/stats", null);
        assertThat(stats.status()).isEqualTo(200);
        assertThat(stats.json().get("vcpus").size()).isEqualTo(1);

        // Over TCP only with the token.
        HttpClient http = HttpClient.newHttpClient();
        assertThat(http.send(HttpRequest.newBuilder(URI.create(web + "/vms")).build(),
                HttpResponse.BodyHandlers.ofString()).statusCode()).isEqualTo(401);
        assertThat(http.send(HttpRequest.newBuilder(URI.create(web + "/vms")).header("Authorization",
                "Bearer wrong-token-wrong-token").build(), HttpResponse.BodyHandlers.ofString()).statusCode())
                .isEqualTo(401);
        HttpResponse<String> tcp = http.send(HttpRequest.newBuilder(URI.create(web + "/vms"))
                .header("Authorization", "Bearer " + TOKEN).build(), HttpResponse.BodyHandlers.ofString());
        assertThat(tcp.statusCode()).isEqualTo(200);
        assertThat(JSON.readTree(tcp.body()).get("vms").get(0).get("name").asText()).isEqualTo("echo");
        check("GET", "/vms", new Answer(tcp.statusCode(), tcp.body()));

        // The console over a WebSocket: the guest's prompt, then what is typed comes back.
        ByteArrayOutputStream console = new ByteArrayOutputStream();
        WebSocket ws = connect(() -> http.newWebSocketBuilder().buildAsync(URI.create(web.replace("http:", "ws:")
                + "/vms/1/console?token=" + TOKEN), new WebSocket.Listener() {
                    @Override
                    public CompletionStage<?> onBinary(WebSocket s, ByteBuffer data, boolean last) {
                        synchronized (console) {
                            while (data.hasRemaining()) {
                                console.write(data.get());
                            }
                        }
                        s.request(1);
                        return null;
                    }
                }).get(30 * SLOW, TimeUnit.SECONDS));
        await("the guest's prompt on the WebSocket", () -> text(console).contains("uart_echo: type a line") ? ""
                : null);
        ws.sendText("hi\r", true).get(10 * SLOW, TimeUnit.SECONDS);
        await("the echo on the WebSocket", () -> text(console).contains("uart_echo: got \"hi\"") ? "" : null);
        await("the guest's exit", () -> {
            try {
                return curl("GET", "/vms/1", null).json().get("state").asText().equals("stopped") ? "" : null;
            } catch (Exception e) {
                throw new IllegalStateException(e);
            }
        });
        ws.abort();

        // The shell starts it again; the API stops it, refusing a bad field first.
        type("vm start 1\n");
        await("the shell's start", () -> read(out).contains("started VM 1 (echo)") ? "" : null);
        Answer badField = curl("POST", "/vms/1/stop", "{\"force\": \"yes\"}");
        assertThat(badField.status()).isEqualTo(400);
        assertThat(badField.error()).isEqualTo("field 'force' must be a boolean, got \"yes\"");
        Answer stopped = curl("POST", "/vms/1/stop", "{\"force\": true}");
        assertThat(stopped.status()).isEqualTo(200);
        assertThat(stopped.json().get("message").asText()).isEqualTo("stopped VM 1 (echo)");

        // Create, replace, delete; bad requests named.
        Answer taken = curl("POST", "/vms", "{\"config_path\": \"" + config + "\", \"name\": \"echo2\"}");
        assertThat(taken.status()).isEqualTo(409);
        assertThat(taken.error()).isEqualTo("VM id 1 is already used by VM 'echo'");
        Answer replaced = curl("POST", "/vms", "{\"config_path\": \"" + config
                + "\", \"name\": \"echo2\", \"replace\": true}");
        assertThat(replaced.status()).isEqualTo(201);
        assertThat(replaced.json().get("message").asText())
                .isEqualTo("deleted VM 1 (echo) to replace it; created VM 1 (echo2)");
        assertThat(curl("POST", "/vms", "{\"config_path\": \"missing.toml\"}").status()).isEqualTo(400);
        assertThat(curl("POST", "/vms", "{\"config_path\": ").error()).startsWith("the body is not valid JSON");
        assertThat(curl("POST", "/vms", "{\"pad\": \"" + "x".repeat(20_000) + "\"}").status()).isEqualTo(413);
        assertThat(curl("PUT", "/vms", "{}").status()).isEqualTo(405);
        assertThat(curl("GET", "/vms/1/console", null).status()).isEqualTo(400);
        assertThat(curl("GET", "/vms/99/console", null).error()).startsWith("no VM with id 99");
        assertThat(curl("POST", "/vms", "{\"config_path\": \"a\\u0000b\"}").error())
                .startsWith("field 'config_path' is not a path");
        Answer loaded = curl("DELETE", "/vms/echo2", null);
        assertThat(loaded.status()).isEqualTo(409);
        assertThat(loaded.error()).isEqualTo("VM 1 (echo2) is LOADED; delete needs --force unless it is STOPPED");
        Answer deleted = curl("DELETE", "/vms/echo2?force=true", null);
        assertThat(deleted.status()).isEqualTo(200);
        assertThat(deleted.json().get("message").asText()).isEqualTo("deleted VM 1 (echo2)");
        Answer gone = curl("GET", "/vms/echo2", null);
        assertThat(gone.status()).isEqualTo(404);
        assertThat(gone.error()).isEqualTo("no VM with id or name 'echo2'");
        assertThat(curl("GET", "/vms/1", null).status()).isEqualTo(404);
        assertThat(curl("GET", "/vms?all=true", null).json().get("vms").get(0).get("state").asText())
                .isEqualTo("deleted");
        assertThat(curl("GET", "/ivc", null).status()).isEqualTo(200);

        // A create that also starts: one request where two were needed.
        assertThat(curl("POST", "/vms", "{\"config_path\": \"" + config + "\", \"start\": 1}").error())
                .isEqualTo("field 'start' must be a boolean, got 1");
        Answer started = curl("POST", "/vms", "{\"config_path\": \"" + config
                + "\", \"name\": \"echo3\", \"start\": true}");
        assertThat(started.status()).isEqualTo(201);
        assertThat(started.json().get("message").asText()).isEqualTo("created VM 1 (echo3); started VM 1 (echo3)");
        assertThat(started.json().get("vm").get("state").asText()).isEqualTo("running");
        assertThat(checked).hasSizeGreaterThan(20);

        // exit stops the shell, and the socket goes with it.
        type("exit\n");
        assertThat(process.waitFor(60 * SLOW, TimeUnit.SECONDS)).isTrue();
        assertThat(process.exitValue()).as("a script shell's status: 1, as one command (the second start) failed")
                .isEqualTo(1);
        assertThat(socket).doesNotExist();
    }

    @Test
    void serveAnswersUntilSigtermThenStopsWithStatusZero() throws Exception {
        document = VmsApiDocumentTest.document();
        schemas = new SchemaCheck(document);
        socket = tmp.resolve("api.sock");
        out = tmp.resolve("stdout");
        err = tmp.resolve("stderr");
        launch("serve", echoConfig().toString(), "--api-sock", socket.toString(), "--log-dir",
                tmp.resolve("logs").toString());
        await("the API's address on standard error", () -> read(err).contains("javisor: API on unix:" + socket)
                ? true : null);
        assertThat(curl("GET", "/vms", null).json().get("vms").get(0).get("state").asText()).isEqualTo("running");

        process.destroy(); // SIGTERM: every VM stops, the socket goes, and the status says it stopped as asked
        assertThat(process.waitFor(60 * SLOW, TimeUnit.SECONDS)).isTrue();
        assertThat(process.exitValue()).as("stderr:\n" + read(err)).isZero();
        assertThat(socket).doesNotExist();
    }

    /** {@code javisor ARGS...} from the module path, with the launcher's flags; its output to out and err. */
    private void launch(String... args) throws IOException {
        List<String> command = new ArrayList<>(List.of(Path.of(System.getProperty("java.home"), "bin", "java")
                .toString(), "-XX:+UseSerialGC", "-XX:TieredStopAtLevel=1", "--enable-native-access=javisor.sys",
                "-p", LIB.toString(), "-m", "javisor.vmm/javisor.vmm.Main"));
        command.addAll(List.of(args));
        process = new ProcessBuilder(command).directory(tmp.toFile()).redirectOutput(out.toFile())
                .redirectError(err.toFile()).start();
        commands = process.getOutputStream();
    }

    private <T> T connect(java.util.concurrent.Callable<T> open) throws Exception {
        try {
            return open.call();
        } catch (java.util.concurrent.ExecutionException e) {
            throw new AssertionError("the console's WebSocket failed; stderr:\n" + read(err), e);
        }
    }

    /** A request through curl over the Unix socket, its answer checked against the document. */
    private Answer curl(String method, String path, String body) throws Exception {
        Path answer = tmp.resolve("answer");
        List<String> cmd = new ArrayList<>(List.of("curl", "-s", "-o", answer.toString(), "-w", "%{http_code}",
                "--unix-socket", socket.toString(), "-X", method));
        if (body != null) {
            Files.writeString(tmp.resolve("body"), body);
            cmd.addAll(List.of("-H", "Content-Type: application/json", "--data-binary", "@" + tmp.resolve("body")));
        }
        cmd.add("http://localhost" + path);
        Process p = new ProcessBuilder(cmd).redirectErrorStream(true).start();
        String status = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8).trim();
        assertThat(p.waitFor(60 * SLOW, TimeUnit.SECONDS)).isTrue();
        assertThat(p.exitValue()).as("curl's status for " + method + " " + path).isZero();
        Answer a = new Answer(Integer.parseInt(status), Files.readString(answer));
        check(method, path, a);
        return a;
    }

    /** The answer's status is one the document gives the route and method, and its body fits that schema. */
    private void check(String method, String path, Answer a) throws IOException {
        String route = VmsRouter.route(path.replaceFirst("\\?.*", "")).orElse(null);
        if (route == null || !VmsRouter.ROUTES.get(route).contains(method)) {
            assertThat(a.status()).as(method + " " + path).isIn(404, 405);
            return;
        }
        JsonNode responses = document.get("paths").get(route).get(method.toLowerCase()).get("responses");
        JsonNode response = responses.has(Integer.toString(a.status())) ? responses.get(Integer.toString(a.status()))
                : responses.get("default");
        assertThat(response).as("the document's answer " + a.status() + " to " + method + " " + route).isNotNull();
        if (response.has("schema")) {
            assertThat(schemas.problems(JSON.readTree(a.body()), response.get("schema")))
                    .as(method + " " + path + " answered " + a.body()).isEmpty();
        }
        checked.add(method + " " + path + " " + a.status());
    }

    private void type(String line) throws IOException {
        commands.write(line.getBytes(StandardCharsets.UTF_8));
        commands.flush();
    }

    private <T> T await(String what, Supplier<T> probe) throws Exception {
        long deadline = System.nanoTime() + Duration.ofSeconds(30 * SLOW).toNanos();
        while (System.nanoTime() < deadline) {
            T t = probe.get();
            if (t != null) {
                return t;
            }
            if (!process.isAlive()) {
                break;
            }
            Thread.sleep(50);
        }
        throw new AssertionError("no " + what + "; stdout:\n" + read(out) + "\nstderr:\n" + read(err));
    }

    private static String read(Path file) {
        try {
            return Files.readString(file);
        } catch (IOException e) {
            return "";
        }
    }

    private static String text(ByteArrayOutputStream b) {
        synchronized (b) {
            return b.toString(StandardCharsets.UTF_8);
        }
    }

    private Path echoConfig() throws IOException {
        Path c = tmp.resolve("echo.toml");
        Files.writeString(c, """
                [base]
                id = 1
                name = "echo"
                vm_type = 1
                cpu_num = 1

                [kernel]
                entry_point = 0x10_0000
                kernel_path = "%s"
                kernel_load_addr = 0x10_0000
                memory_regions = [
                    [0x0, 0x40_0000, 0x7, 0],
                ]

                [devices]
                emu_devices = []
                passthrough_devices = []
                interrupt_mode = "emu"
                """.formatted(GUESTS.resolve("uart_echo.elf")));
        return c;
    }
}
