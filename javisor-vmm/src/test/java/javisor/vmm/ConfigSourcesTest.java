package javisor.vmm;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/** Where VM configs come from: a file, or every VM config in a directory. */
class ConfigSourcesTest {
    @TempDir
    Path tmp;

    @Test
    void configsFromADirectoryAreTheOnesWithAllThreeSections() throws IOException {
        Path dir = Files.createDirectory(tmp.resolve("vms"));
        GuestToml.of(5, "exit42.elf").write(dir, "vm5.toml");
        Files.writeString(dir.resolve("notes.toml"), "title = \"not a VM\"\n");
        Files.writeString(dir.resolve("readme.txt"), "[base] [kernel] [devices]\n");
        List<Vmm.VmDefinition> defs = ConfigSources.fromDirectory(dir);
        assertThat(defs).extracting(d -> d.config().base().id()).containsExactly(5L);
    }

    @Test
    void aMissingConfigDirectoryIsNamed() {
        assertThatThrownBy(() -> ConfigSources.fromDirectory(tmp.resolve("nope")))
                .hasMessageContaining("nope").hasMessageContaining("does not exist");
    }
}
