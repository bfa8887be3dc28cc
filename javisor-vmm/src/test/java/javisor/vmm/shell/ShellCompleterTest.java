package javisor.vmm.shell;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Optional;

import org.jline.reader.Candidate;
import org.junit.jupiter.api.BeforeEach;
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
    private WorkingDirectory cwd;

    @BeforeEach
    void setUp() throws IOException {
        cwd = new WorkingDirectory(tmp, Optional.of(Files.createDirectory(tmp.resolve("home"))));
    }

    private List<Candidate> candidates(Vmm vmm, String line) {
        List<String> words = Tokenizer.split(line);
        boolean fresh = line.endsWith(" ") || line.isEmpty();
        List<String> before = fresh ? words : words.subList(0, words.size() - 1);
        String current = fresh ? "" : words.getLast();
        return new ShellCompleter(ShellCommands.tree(), vmm, cwd).candidates(before, current);
    }

    private List<String> complete(Vmm vmm, String line) {
        return candidates(vmm, line).stream().map(Candidate::value).toList();
    }

    @Test
    void completesTopLevelCommands() {
        assertThat(complete(null, "")).containsExactly("help", "clear", "exit", "quit", "uname", "log", "wait", "ls",
                "cat", "echo", "mkdir", "rm", "cd", "pwd", "touch", "cp", "mv", "vm", "ivc");
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
                tmp + "/sub/", tmp + "/home/");
    }

    @Test
    void completesRelativePathsFromTheShellsWorkingDirectory() throws IOException {
        Files.writeString(tmp.resolve("a.toml"), "");
        Files.createDirectories(tmp.resolve("sub/deeper"));
        Files.writeString(tmp.resolve("sub/b.toml"), "");
        assertThat(complete(null, "vm create ")).containsExactlyInAnyOrder("a.toml", "sub/", "home/");
        assertThat(complete(null, "vm create sub/")).containsExactlyInAnyOrder("sub/b.toml", "sub/deeper/");
        cwd.change(tmp.resolve("sub"));
        assertThat(complete(null, "vm create ")).containsExactlyInAnyOrder("b.toml", "deeper/");
        assertThat(complete(null, "vm create ../")).containsExactlyInAnyOrder("../a.toml", "../sub/", "../home/");
    }

    @Test
    void aDirectoryEndsWithASlashAndLeavesTheWordOpen() throws IOException {
        Files.writeString(tmp.resolve("a.toml"), "");
        Files.createDirectory(tmp.resolve("sub"));
        assertThat(candidates(null, "cat s")).filteredOn(c -> c.value().equals("sub/")).singleElement()
                .satisfies(c -> assertThat(c.complete()).isFalse());
        assertThat(candidates(null, "cat a")).filteredOn(c -> c.value().equals("a.toml")).singleElement()
                .satisfies(c -> assertThat(c.complete()).isTrue());
    }

    @Test
    void completesPathsForEveryFileCommand() throws IOException {
        Files.writeString(tmp.resolve("a.toml"), "");
        Files.createDirectory(tmp.resolve("sub"));
        for (String line : List.of("ls ", "ls -l ", "cat ", "rm -r ", "touch ", "cp a.toml ", "cp -r sub a.toml ",
                "mv a.toml ", "mv a.toml sub ")) {
            assertThat(complete(null, line)).as(line).containsExactlyInAnyOrder("a.toml", "sub/", "home/");
        }
    }

    @Test
    void cdAndMkdirAreOfferedDirectoriesOnly() throws IOException {
        Files.writeString(tmp.resolve("a.toml"), "");
        Files.createDirectory(tmp.resolve("sub"));
        assertThat(complete(null, "cd ")).containsExactlyInAnyOrder("sub/", "home/");
        assertThat(complete(null, "mkdir -p ")).containsExactlyInAnyOrder("sub/", "home/");
        assertThat(complete(null, "cd sub ")).isEmpty();
        assertThat(complete(null, "pwd ")).isEmpty();
    }

    @Test
    void echoOffersPathsAfterTheRedirection() throws IOException {
        Files.writeString(tmp.resolve("a.toml"), "");
        assertThat(complete(null, "echo hello ")).isEmpty();
        assertThat(complete(null, "echo hello > ")).containsExactlyInAnyOrder("a.toml", "home/");
    }

    @Test
    void aTildeStartsFromTheHomeDirectory() throws IOException {
        Files.writeString(tmp.resolve("home/vm.toml"), "");
        assertThat(complete(null, "vm create ~/")).containsExactly("~/vm.toml");
    }

    @Test
    @Tag("kvm")
    void completesVmIds() throws IOException {
        Guests.requireKvm();
        try (Vmm vmm = Vmm.init(List.of(), Consoles.inMemory())) {
            new LineDriver(vmm).run("vm create " + Guests.config(tmp, "s.toml", 5, "five", "spin.elf", ""));
            List<Candidate> c = new ShellCompleter(ShellCommands.tree(), vmm, cwd).candidates(List.of("vm", "show"),
                    "");
            assertThat(c).singleElement().satisfies(cand -> {
                assertThat(cand.value()).isEqualTo("5");
                assertThat(cand.descr()).isEqualTo("five (loaded)");
            });
            assertThat(complete(vmm, "vm show 5 ")).isEmpty();
            assertThat(complete(vmm, "vm stop 5 ")).containsExactly("5");
        }
    }
}
