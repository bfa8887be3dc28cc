package javisor.api.hypervisor;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.HashMap;
import java.util.HashSet;
import java.util.Locale;
import java.util.Map;
import java.util.Set;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.dataformat.yaml.YAMLFactory;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/**
 * The multi-VM API's routes against its OpenAPI document (docs/javisor-api.yaml), and its request bodies' checks;
 * no KVM here. Answers from a live server are checked against the document by VmsApiIT, in the KVM box.
 */
class VmsApiDocumentTest {
    static final Path DOCUMENT = Path.of(System.getProperty("javisor.root", "..")).resolve("docs/javisor-api.yaml");

    static JsonNode document() throws IOException {
        return new ObjectMapper(new YAMLFactory()).readTree(DOCUMENT.toFile());
    }

    @Test
    void theDocumentListsExactlyTheServedRoutes() throws IOException {
        Map<String, Set<String>> documented = new HashMap<>();
        document().get("paths").properties().forEach(p -> {
            Set<String> methods = new HashSet<>();
            p.getValue().properties().forEach(m -> {
                if (!m.getKey().equals("parameters")) {
                    methods.add(m.getKey().toUpperCase(Locale.ROOT));
                }
            });
            documented.put(p.getKey(), methods);
        });
        assertThat(documented).isEqualTo(VmsRouter.ROUTES);
    }

    @Test
    void everyPathFindsItsRoute() {
        assertThat(VmsRouter.route("/vms")).contains("/vms");
        assertThat(VmsRouter.route("/vms/3")).contains("/vms/{id}");
        assertThat(VmsRouter.route("/vms/web-1/stop")).contains("/vms/{id}/stop");
        assertThat(VmsRouter.route("/vms/1/console")).contains("/vms/{id}/console");
        assertThat(VmsRouter.route("/ivc")).contains("/ivc");
        assertThat(VmsRouter.route("/vms/1/reboot")).isEmpty();
        assertThat(VmsRouter.route("/vms/1/stop/now")).isEmpty();
        assertThat(VmsRouter.route("/")).isEmpty();
    }

    @ParameterizedTest(name = "{0}")
    @CsvSource(delimiter = '|', value = {
            "{\"force\": true, \"forse\": 1} | unknown field 'forse' (known: force, graceful, timeout_s)",
            "{\"force\": \"yes\"}             | field 'force' must be a boolean, got \"yes\"",
            "{\"timeout_s\": -1}              | field 'timeout_s' must be a number of seconds above 0 and at most 86400, got -1",
            "{\"force\": tru}                 | the body is not valid JSON: Unrecognized token 'tru'",
            "[1, 2]                           | the body must be a JSON object",
    })
    void badBodiesAreRefusedNamingTheField(String body, String message) {
        assertThatThrownBy(() -> {
            VmsRouter.Fields f = VmsRouter.Fields.of(body.getBytes(StandardCharsets.UTF_8),
                    Set.of("force", "graceful", "timeout_s"));
            f.bool("force");
            f.seconds("timeout_s");
        }).isInstanceOf(VmsRouter.BadRequest.class).hasMessageStartingWith(message);
    }

    @Test
    void fieldsOfTheRightTypeAreRead() {
        VmsRouter.Fields f = VmsRouter.Fields.of("{\"config_path\": \"a.toml\", \"cpus\": 2, \"replace\": true}"
                .getBytes(StandardCharsets.UTF_8), Set.of("config_path", "cpus", "replace", "name"));
        assertThat(f.text("config_path")).contains("a.toml");
        assertThat(f.integer("cpus")).contains(2L);
        assertThat(f.bool("replace")).isTrue();
        assertThat(f.text("name")).isEmpty();
        assertThat(VmsRouter.Fields.of(new byte[0], Set.of()).bool("force")).isFalse();
        assertThatThrownBy(() -> VmsRouter.Fields.of("{\"cpus\": 0}".getBytes(StandardCharsets.UTF_8),
                Set.of("cpus")).integer("cpus")).hasMessage("field 'cpus' must be a positive integer, got 0");
        assertThatThrownBy(() -> VmsRouter.Fields.of("{\"a\": 1}".getBytes(StandardCharsets.UTF_8), Set.of()))
                .hasMessage("unknown field 'a' (this request takes no fields)");
    }

    @Test
    void theWebFilesServeOnlyPlainNames() {
        assertThat(WebFiles.find("../module-info.class")).isEmpty();
        assertThat(WebFiles.find("/etc/passwd")).isEmpty();
        assertThat(WebFiles.find("a/../../b")).isEmpty();
        assertThat(WebFiles.find("no-such-file.js")).isEmpty();
        assertThat(WebFiles.contentType("app.js")).startsWith("text/javascript");
    }
}
