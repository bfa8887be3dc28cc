package javisor.examples.embedded;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;

import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * The example on real KVM (in the KVM box on a host without /dev/kvm): once as its users run it, a JVM of its own
 * with the module's class path and native access for the class path; once in the test's JVM.
 */
@Timeout(180)
@Tag("kvm")
class EmbeddedHelloTest {
    private record Run(int status, String out) {
    }

    private static Run java(String... args) throws IOException, InterruptedException {
        // Surefire hands the test JVM a one-entry manifest jar; the real class path is in this property.
        String classPath = System.getProperty("surefire.test.class.path", System.getProperty("java.class.path"));
        List<String> command = new ArrayList<>(List.of(
                Path.of(System.getProperty("java.home"), "bin", "java").toString(),
                "--enable-native-access=ALL-UNNAMED", "-cp", classPath, EmbeddedHello.class.getName()));
        command.addAll(List.of(args));
        Process p = new ProcessBuilder(command).redirectError(ProcessBuilder.Redirect.INHERIT).start();
        p.getOutputStream().close();
        byte[] out = p.getInputStream().readAllBytes();
        assertThat(p.waitFor(120, TimeUnit.SECONDS)).isTrue();
        return new Run(p.exitValue(), new String(out, StandardCharsets.UTF_8));
    }

    @Test
    void theBundledGuestPrintsThroughTheProgramAndPowersOff() throws Exception {
        Run r = java();
        assertThat(r.out()).startsWith("guest: Hello from a Javisor guest!\n")
                .contains("guest: cmdline: from=embedded\n")
                .contains("guest: mmap: base=0x0 len=0x2000000 type=1\n")
                .contains("guest: Bye.\n")
                .containsPattern("\nVM 1 \\(hello\\): guest powered off after [1-9][0-9]* exits in [0-9]+ ms\n$");
        assertThat(r.status()).as(r.out()).isZero();
    }

    @Test
    void untilStopsAGuestThatWouldRunForever() throws Exception {
        // In this JVM: a second JVM start costs some 20 s in the KVM box, and the launch is checked above.
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        int status = EmbeddedHello.run(new String[] {"--kernel",
                Path.of(System.getProperty("javisor.guests.dir"), "spin.elf").toString(), "--until", "spinning"},
                new PrintStream(out, true, StandardCharsets.UTF_8));
        Run r = new Run(status, out.toString(StandardCharsets.UTF_8));
        List<String> lines = r.out().lines().toList();
        assertThat(lines).as(r.out()).hasSize(3);
        assertThat(lines.get(0)).isEqualTo("guest: spinning");
        assertThat(lines.get(1)).isEqualTo("stopping VM 1 (spin.elf): its console said \"spinning\"");
        assertThat(lines.get(2)).matches("VM 1 \\(spin.elf\\): stopped by vm stop after [1-9][0-9]* exits in [0-9]+ ms");
        assertThat(r.status()).as(r.out()).isZero();
    }
}
