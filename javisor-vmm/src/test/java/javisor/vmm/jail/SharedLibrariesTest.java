package javisor.vmm.jail;

import java.nio.file.Path;
import java.util.List;
import java.util.Set;

import org.junit.jupiter.api.Test;

import static org.assertj.core.api.Assertions.assertThat;

class SharedLibrariesTest {
    private static final String LDD = """
            /rt/bin/java:
            \tlinux-vdso.so.1 (0x00007ffc5b3f2000)
            \tlibjli.so => /rt/bin/../lib/libjli.so (0x00007f0e1c9b2000)
            \tlibc.so.6 => /lib/x86_64-linux-gnu/libc.so.6 (0x00007f0e1c7d1000)
            \t/lib64/ld-linux-x86-64.so.2 (0x00007f0e1c9d2000)
            /rt/lib/libjsound.so:
            \tstatically linked
            /usr/bin/setpriv:
            \tlinux-vdso.so.1 (0x00007ffd4d5e6000)
            \tlibcap-ng.so.0 => /lib/x86_64-linux-gnu/libcap-ng.so.0 (0x00007f9a810d3000)
            \tlibc.so.6 => /lib/x86_64-linux-gnu/libc.so.6 (0x00007f9a80ef1000)
            \t/lib64/ld-linux-x86-64.so.2 (0x00007f9a81103000)
            """;

    @Test
    void eachLibraryOnceInTheOrderSeenTheRuntimesOwnLeftOut() {
        assertThat(SharedLibraries.parse(LDD).found()).containsExactly(Path.of("/rt/lib/libjli.so"),
                Path.of("/lib/x86_64-linux-gnu/libc.so.6"), Path.of("/lib64/ld-linux-x86-64.so.2"),
                Path.of("/lib/x86_64-linux-gnu/libcap-ng.so.0"));
        assertThat(SharedLibraries.outside(Path.of("/rt"), SharedLibraries.parse(LDD).found())).containsExactly(
                Path.of("/lib/x86_64-linux-gnu/libc.so.6"), Path.of("/lib64/ld-linux-x86-64.so.2"),
                Path.of("/lib/x86_64-linux-gnu/libcap-ng.so.0"));
    }

    @Test
    void aLibraryLddDidNotFindIsReportedByName() {
        // As the JDK's libjava.so, which finds libjvm.so through the JVM, not through the loader's search.
        assertThat(SharedLibraries.parse("/rt/lib/libjava.so:\n\tlibjvm.so => not found\n"
                + "\tlibc.so.6 => /lib/x86_64-linux-gnu/libc.so.6 (0x00007f0e1c7d1000)\n"))
                .isEqualTo(new SharedLibraries.Report(List.of(Path.of("/lib/x86_64-linux-gnu/libc.so.6")),
                        Set.of("libjvm.so")));
    }
}
