package javisor.vmm.shell;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;

import org.jline.reader.Candidate;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

import javisor.vmm.Vmm;

import static org.assertj.core.api.Assertions.assertThat;

@Timeout(30)
class ShellCompleterTest {
    @TempDir
    Path tmp;

    private static List<String> complete(Vmm vmm, String line) {
        List<String> words = Tokenizer.split(line);
        boolean fresh = line.endsWith(" ") || line.isEmpty();
        List<String> before = fresh ? words : words.subList(0, words.size() - 1);
        String current = fresh ? "" : words.getLast();
        return new ShellCompleter(ShellCommands.tree(), vmm).candidates(before, current).stream()
                .map(Candidate::value).toList();
    }

    @Test
    void completesTopLevelCommands() {
        assertThat(complete(null, "")).containsExactly("help", "clear", "exit", "quit", "uname", "log", "wait", "vm",
                "ivc");
    }

    @Test
    void completesSubcommands() {
        assertThat(complete(null, "vm ")).contains("list", "show", "stats", "create", "start", "stop", "suspend",
                "resume", "restart", "delete", "console", "help");
    }

    @Test
    void completesOptionsOfTheCommand() {
        assertThat(complete(null, "vm delete --")).containsExactly("--force", "--keep-data", "--help");
    }

    @Test
    void completesAnOptionsAllowedValues() {
        assertThat(complete(null, "vm list --format ")).containsExactly("table", "json");
    }

    @Test
    void completesLogLevelsAndHelpTopics() {
        assertThat(complete(null, "log ")).contains("off", "error", "warn", "info", "debug", "trace");
        assertThat(complete(null, "help vm ")).contains("start", "console");
        assertThat(complete(null, "vm help ")).contains("start", "console");
    }

    @Test
    void offersNothingAfterTheLastArgument() {
        assertThat(complete(null, "log info ")).isEmpty();
        assertThat(complete(null, "uname ")).isEmpty();
    }

    @Test
    void completesFilesForCreate() throws IOException {
        Files.writeString(tmp.resolve("a.toml"), "");
        Files.createDirectory(tmp.resolve("sub"));
        Files.writeString(tmp.resolve(".hidden"), "");
        assertThat(complete(null, "vm create -n x " + tmp + "/")).containsExactlyInAnyOrder(tmp + "/a.toml",
                tmp + "/sub/");
    }

    @Test
    @Tag("kvm")
    void completesVmIds() throws IOException {
        Guests.requireKvm();
        try (Vmm vmm = Vmm.init(List.of(), Consoles.inMemory())) {
            new LineDriver(vmm).run("vm create " + Guests.config(tmp, "s.toml", 5, "five", "spin.elf", ""));
            List<Candidate> c = new ShellCompleter(ShellCommands.tree(), vmm).candidates(List.of("vm", "show"), "");
            assertThat(c).singleElement().satisfies(cand -> {
                assertThat(cand.value()).isEqualTo("5");
                assertThat(cand.descr()).isEqualTo("five (loaded)");
            });
            assertThat(complete(vmm, "vm show 5 ")).isEmpty();
            assertThat(complete(vmm, "vm stop 5 ")).containsExactly("5");
        }
    }
}
