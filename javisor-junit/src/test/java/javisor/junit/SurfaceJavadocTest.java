package javisor.junit;

import java.io.IOException;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.spi.ToolProvider;
import java.util.stream.Stream;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * The library's supported surface (javisor.vmm.embed, javisor.junit, HypercallHook) is documented throughout: the
 * JDK's javadoc, with its default checks and warnings as errors, passes on it. The Maven javadoc plugin is not in
 * the build's offline repository, so the tool runs here, in every build.
 */
class SurfaceJavadocTest {
    @TempDir
    Path out;

    @Test
    void javadocFindsNothingToWarnAbout() throws IOException {
        Path root = Path.of(System.getProperty("javisor.root", ".."));
        List<String> args = new ArrayList<>(List.of("-quiet", "-Werror", "-d", out.toString(), "-cp",
                System.getProperty("surefire.test.class.path", System.getProperty("java.class.path"))));
        for (String dir : List.of("javisor-vmm/src/main/java/javisor/vmm/embed",
                "javisor-junit/src/main/java/javisor/junit")) {
            try (Stream<Path> s = Files.list(root.resolve(dir))) {
                s.filter(p -> p.toString().endsWith(".java")).sorted().forEach(p -> args.add(p.toString()));
            }
        }
        args.add(root.resolve("javisor-vm/src/main/java/javisor/vm/hypercall/HypercallHook.java").toString());
        StringWriter log = new StringWriter();
        PrintWriter w = new PrintWriter(log);
        int status = ToolProvider.findFirst("javadoc").orElseThrow().run(w, w, args.toArray(String[]::new));
        w.flush();
        assertThat(log.toString()).isEmpty();
        assertThat(status).isZero();
        assertThat(out.resolve("javisor/vmm/embed/VirtualMachine.html")).exists();
    }
}
