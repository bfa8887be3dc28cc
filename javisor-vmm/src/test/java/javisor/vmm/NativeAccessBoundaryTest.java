package javisor.vmm;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.lang.foreign.Linker;
import java.lang.foreign.MemorySegment;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.stream.Stream;

import org.junit.jupiter.api.Test;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/**
 * Only javisor-sys may make restricted FFM calls. The compiler rejects them elsewhere (-Xlint:all -Werror
 * reports each one); this test closes the two ways around that: a run-time call from another module is refused
 * (the tests run with --illegal-native-access=deny, as the design asks), and no source outside javisor-sys
 * silences the compiler's warning.
 */
class NativeAccessBoundaryTest {
    @Test
    void aRestrictedCallFromAnotherModuleIsRefusedAtRunTime() {
        assertThat(NativeAccessBoundaryTest.class.getModule().getName()).isEqualTo("javisor.vmm");
        assertThatThrownBy(NativeAccessBoundaryTest::callRestricted).isInstanceOf(IllegalCallerException.class)
                .hasMessageContaining("javisor.vmm");
    }

    @SuppressWarnings("restricted") // the point of the test: this call must be refused
    private static void callRestricted() {
        Linker.nativeLinker().defaultLookup();
        MemorySegment.NULL.reinterpret(8);
    }

    @Test
    void noSourceOutsideJavisorSysSilencesTheRestrictedWarning() throws IOException {
        Path root = Path.of(System.getProperty("javisor.guests.dir", "../guests/target/guests"))
                .resolve("../../..").normalize();
        List<Path> offenders;
        try (Stream<Path> files = Files.walk(root)) {
            offenders = files.filter(p -> p.toString().endsWith(".java"))
                    .filter(p -> p.toString().contains("/src/main/"))
                    .filter(p -> !root.relativize(p).startsWith("javisor-sys"))
                    .filter(p -> {
                        try {
                            String s = Files.readString(p);
                            return s.contains("\"restricted\"") || s.contains("-restricted");
                        } catch (IOException e) {
                            throw new UncheckedIOException(e);
                        }
                    })
                    .toList();
        }
        assertThat(root.resolve("javisor-sys")).isDirectory();
        assertThat(offenders).as("sources outside javisor-sys that silence the 'restricted' lint").isEmpty();
    }
}
