package javisor.vmm.jail;

import java.nio.file.Path;

import org.junit.jupiter.api.Test;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

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
    void eachLibraryOnceInTheOrderSeenTheRuntimesOwnLeftOut() throws JailException {
        assertThat(SharedLibraries.parse(LDD)).containsExactly(Path.of("/rt/lib/libjli.so"),
                Path.of("/lib/x86_64-linux-gnu/libc.so.6"), Path.of("/lib64/ld-linux-x86-64.so.2"),
                Path.of("/lib/x86_64-linux-gnu/libcap-ng.so.0"));
        assertThat(SharedLibraries.outside(Path.of("/rt"), SharedLibraries.parse(LDD))).containsExactly(
                Path.of("/lib/x86_64-linux-gnu/libc.so.6"), Path.of("/lib64/ld-linux-x86-64.so.2"),
                Path.of("/lib/x86_64-linux-gnu/libcap-ng.so.0"));
    }

    @Test
    void aMissingLibraryIsAnError() {
        assertThatThrownBy(() -> SharedLibraries.parse("/x:\n\tlibfoo.so.1 => not found\n"))
                .isInstanceOf(JailException.class)
                .hasMessage("ldd: a library the VMM needs is missing on this host: libfoo.so.1 => not found");
    }
}
