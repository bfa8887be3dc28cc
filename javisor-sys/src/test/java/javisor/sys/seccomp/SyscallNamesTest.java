package javisor.sys.seccomp;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;
import java.util.TreeMap;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

import javisor.sys.CProgram;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/** The x86_64 system call table against {@code <asm/unistd_64.h>}, both ways. */
class SyscallNamesTest {
    private static final Path HEADER = Path.of("/usr/include/x86_64-linux-gnu/asm/unistd_64.h");

    @Test
    void everyNameHasTheHeadersNumber(@TempDir Path dir) throws Exception {
        CProgram program = new CProgram().include("asm/unistd_64.h");
        SyscallNames.all().forEach((nr, name) -> program.value(name, "__NR_" + name));
        Map<String, Long> c = program.run(dir);

        SyscallNames.all().forEach((nr, name) -> assertThat(c.get(name)).as("__NR_" + name).isEqualTo((long) nr));
    }

    @Test
    void theTableHasEveryCallTheHeaderDefines() throws Exception {
        Map<Integer, String> header = new TreeMap<>();
        Matcher m = Pattern.compile("(?m)^#define __NR_(\\w+)\\s+(\\d+)\\s*$").matcher(Files.readString(HEADER));
        while (m.find()) {
            header.put(Integer.parseInt(m.group(2)), m.group(1));
        }
        assertThat(header).as(HEADER + " parsed").hasSizeGreaterThan(300);
        // A header newer than the table adds numbers above its highest: those are printed as numbers, and
        // regenerating the table (see SyscallNames) names them. Below the highest, the two must agree exactly.
        header.keySet().removeIf(nr -> nr > SyscallNames.highest());
        assertThat(SyscallNames.all()).isEqualTo(header);
    }

    @Test
    void namesAndNumbersGoBothWays() {
        assertThat(SyscallNames.number("ioctl")).isEqualTo(16);
        assertThat(SyscallNames.describe(16)).isEqualTo("ioctl");
        assertThat(SyscallNames.describe(400)).isEqualTo("syscall 400");
        assertThat(SyscallNames.describe(-1)).isEqualTo("syscall -1");
        assertThatThrownBy(() -> SyscallNames.number("fork2")).hasMessageContaining("fork2");
    }
}
