package javisor.vmm.shell;

import java.nio.file.Path;
import java.util.Optional;

import org.junit.jupiter.api.Test;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

class WorkingDirectoryTest {
    private final WorkingDirectory cwd = new WorkingDirectory(Path.of("/srv/vms"), Optional.of(Path.of("/home/me")));

    @Test
    void startsAtTheProcessesDirectory() {
        assertThat(WorkingDirectory.ofProcess().current())
                .isEqualTo(Path.of(System.getProperty("user.dir")).toAbsolutePath().normalize());
    }

    @Test
    void resolvesRelativePathsFromItselfAndLeavesAbsoluteOnes() {
        assertThat(cwd.resolve("a.toml")).isEqualTo(Path.of("/srv/vms/a.toml"));
        assertThat(cwd.resolve("../b")).isEqualTo(Path.of("/srv/vms/../b"));
        assertThat(cwd.resolve("/etc/c")).isEqualTo(Path.of("/etc/c"));
        assertThat(cwd.resolve(".")).isEqualTo(Path.of("/srv/vms/."));
    }

    @Test
    void aLeadingTildeIsTheHomeDirectory() {
        assertThat(cwd.resolve("~")).isEqualTo(Path.of("/home/me"));
        assertThat(cwd.resolve("~/x.toml")).isEqualTo(Path.of("/home/me/x.toml"));
        assertThat(cwd.resolve("~other")).isEqualTo(Path.of("/srv/vms/~other"));
        WorkingDirectory homeless = new WorkingDirectory(Path.of("/srv"), Optional.empty());
        assertThat(homeless.resolve("~/x")).isEqualTo(Path.of("/srv/~/x"));
    }

    @Test
    void changeKeepsANormalizedAbsolutePath() {
        cwd.change(Path.of("/srv/vms/../images/./x"));
        assertThat(cwd.current()).isEqualTo(Path.of("/srv/images/x"));
        assertThat(cwd.resolve("y")).isEqualTo(Path.of("/srv/images/x/y"));
    }

    @Test
    void aWordThatIsNoPathIsAShellError() {
        assertThatThrownBy(() -> cwd.resolve("a\0b")).isInstanceOf(ShellException.class)
                .hasMessageStartingWith("'a\0b' is not a path: ");
        // "" is no name for the working directory, which 'rm -r ""' would otherwise remove
        assertThatThrownBy(() -> cwd.resolve("")).isInstanceOf(ShellException.class)
                .hasMessage("'' is not a path: it is empty");
    }
}
