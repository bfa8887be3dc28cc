package javisor.api.firecracker;

import java.io.ByteArrayOutputStream;
import java.io.InputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.List;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

import static org.assertj.core.api.Assertions.assertThat;

/** {@code javisor firecracker}'s command line, and its config file, up to where KVM is needed. */
class FirecrackerMainTest {
    @TempDir
    Path tmp;

    private record Run(int status, String out, String err) {
    }

    private static Run run(String... args) {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        ByteArrayOutputStream err = new ByteArrayOutputStream();
        int status = FirecrackerMain.run(List.of(args), InputStream.nullInputStream(),
                new PrintStream(out, true, StandardCharsets.UTF_8), new PrintStream(err, true, StandardCharsets.UTF_8));
        return new Run(status, out.toString(StandardCharsets.UTF_8), err.toString(StandardCharsets.UTF_8));
    }

    @ParameterizedTest(name = "{0}")
    @CsvSource(delimiter = '|', textBlock = """
            --bogus                          | unknown option --bogus
            --api-sock                       | option --api-sock needs a value
            --no-api                         | --no-api needs --config-file (there would be no way to configure the microVM)
            --id a.b                         | --id: expected 1 to 64 letters, digits or hyphens, got "a.b"
            --level Loud                     | --level: expected Error, Warning, Info, Debug, Trace or Off, got "Loud"
            --http-api-max-payload-size 0    | --http-api-max-payload-size: expected 1 to 1073741824, got 0
            --http-api-max-payload-size ten  | --http-api-max-payload-size: expected a number, got "ten"
            --seccomp-filter f.bpf           | --seccomp-filter: Javisor cannot load Firecracker's seccomp filters (use --no-seccomp)
            --api-sock=                      | --api-sock needs a path, got ""
            """)
    void aBadOptionIsNamedAndTheStatusIsTwo(String args, String message) {
        Run r = run(args.split(" "));
        assertThat(r.status()).isEqualTo(2);
        assertThat(r.err()).startsWith("javisor firecracker: " + message + "\n");
    }

    @Test
    void helpPrintsTheUsage() {
        Run r = run("--help");
        assertThat(r.status()).isZero();
        assertThat(r.out()).startsWith("Usage: javisor firecracker");
    }

    @Test
    void theOptionsAreReadInEitherForm() {
        FirecrackerMain.Options o = FirecrackerMain.parse(Arrays.asList("--api-sock=/tmp/a.sock", "--id", "vm-7",
                "--level", "Debug", "--metrics-path", "/tmp/m", "--boot-timer", "--no-seccomp", "--start-time-us", "5"));
        assertThat(o.apiSock()).isEqualTo(Path.of("/tmp/a.sock"));
        assertThat(o.id()).isEqualTo("vm-7");
        assertThat(o.level()).isEqualTo("Debug");
        assertThat(o.metricsPath()).isEqualTo(Path.of("/tmp/m"));
        assertThat(o.bootTimer()).isTrue();
        assertThat(o.startTimeMicros()).isEqualTo(5);
        assertThat(o.maxPayload()).isEqualTo(ApiServer.DEFAULT_MAX_PAYLOAD);
    }

    @Test
    void aBadConfigFileIsRefusedNamingTheFileAndTheFieldAndNoSocketIsLeft() throws Exception {
        Path sock = tmp.resolve("fc.sock");
        Path config = Files.writeString(tmp.resolve("vm.json"), """
                {"boot-source": {"kernel_image_path": "vmlinux"}, "machine-config": {"vcpu_count": 1, "mem_size_mib": 64, "vcpus": 2}}
                """);
        Run r = run("--api-sock", sock.toString(), "--config-file", config.toString());
        assertThat(r.status()).isEqualTo(2);
        assertThat(r.err()).contains("javisor firecracker: The config file " + config + ": An error occurred when "
                + "deserializing the json body of a request: unknown field `vcpus`");
        assertThat(Files.exists(sock)).as("the socket is removed when the process gives up").isFalse();
    }

    @Test
    void aConfigFileStartChecksTheSocketBeforeItBoots() throws Exception {
        // The microVM of a config file boots before the server starts: the socket's path is checked first, so a
        // taken path or a missing folder stops the start before anything runs (the kernel named does not exist,
        // and the error about it would come first if the boot were tried).
        Path config = Files.writeString(tmp.resolve("vm.json"), """
                {"boot-source": {"kernel_image_path": "no-such-kernel"}}
                """);
        Path taken = Files.writeString(tmp.resolve("taken.sock"), "");
        Run r = run("--api-sock", taken.toString(), "--config-file", config.toString());
        assertThat(r.status()).isEqualTo(2);
        assertThat(r.err()).isEqualTo("javisor firecracker: the API socket " + taken + " already exists; remove it "
                + "first (a second process on one socket would answer for the wrong VM)\n");
        assertThat(taken).exists();
        Path nowhere = tmp.resolve("no-such-folder").resolve("fc.sock");
        r = run("--api-sock", nowhere.toString(), "--config-file", config.toString());
        assertThat(r.status()).isEqualTo(2);
        assertThat(r.err()).isEqualTo("javisor firecracker: cannot listen on the API socket " + nowhere + ": its "
                + "folder " + nowhere.getParent() + " does not exist\n");
    }

    @Test
    void aConfigFileWithSectionsJavisorLacksIsRefused() throws Exception {
        Path config = Files.writeString(tmp.resolve("vm.json"), """
                {"boot-source": {"kernel_image_path": "vmlinux"}, "balloon": {"amount_mib": 1, "deflate_on_oom": true}}
                """);
        Run r = run("--no-api", "--config-file", config.toString());
        assertThat(r.status()).isEqualTo(2);
        assertThat(r.err()).contains("Javisor cannot honour the config file's balloon, cpu-config, mmds-config and "
                + "memory-hotplug sections: it has none of these devices.");
    }

    @Test
    void aMissingConfigFileIsNamed() {
        Path missing = tmp.resolve("nope.json");
        Run r = run("--no-api", "--config-file", missing.toString());
        assertThat(r.status()).isEqualTo(2);
        assertThat(r.err()).contains("Cannot read the config file " + missing);
    }
}
