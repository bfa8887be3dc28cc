package javisor.vmm.shell;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.FileTime;
import java.nio.file.attribute.PosixFilePermissions;
import java.time.Instant;
import java.util.Optional;

import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

import static org.assertj.core.api.Assertions.assertThat;

/** ls, cat, echo, mkdir, rm, cd, pwd and touch, in a shell without a VM (so without KVM). */
@Timeout(30)
class FileCommandsTest {
    @TempDir
    Path tmp;
    private FileShell sh;
    private Path work;

    @BeforeEach
    void setUp() throws IOException {
        sh = new FileShell(tmp);
        work = sh.work;
    }

    @Test
    void pwdPrintsTheShellsWorkingDirectory() {
        assertThat(sh.ok("pwd")).isEqualTo(work + "\n");
    }

    @Test
    void relativePathsStartFromTheDirectoryCdWentTo() throws IOException {
        String userDir = System.getProperty("user.dir");
        sh.file("sub/f", "in sub\n");
        sh.ok("cd sub");
        assertThat(sh.ok("pwd")).isEqualTo(work.resolve("sub") + "\n");
        assertThat(sh.ok("cat f")).isEqualTo("in sub\n");
        sh.ok("echo new > g");
        assertThat(work.resolve("sub/g")).hasContent("new");
        sh.ok("cd ..");
        assertThat(sh.ok("pwd")).isEqualTo(work + "\n");
        sh.ok("cd " + tmp);
        assertThat(sh.ok("pwd")).isEqualTo(tmp + "\n");
        assertThat(System.getProperty("user.dir")).as("the JVM's directory").isEqualTo(userDir);
    }

    @Test
    void cdWithoutAnArgumentGoesHome() throws IOException {
        Files.writeString(sh.home.resolve("h.toml"), "home file\n");
        sh.ok("cd");
        assertThat(sh.ok("pwd")).isEqualTo(sh.home + "\n");
        assertThat(sh.ok("ls")).isEqualTo("h.toml\n");
        sh.ok("cd " + work);
        assertThat(sh.ok("cat ~/h.toml")).isEqualTo("home file\n");
        sh.ok("cd ~");
        assertThat(sh.ok("pwd")).isEqualTo(sh.home + "\n");
    }

    @Test
    void cdWithoutAHomeIsRefused() {
        LineDriver homeless = new LineDriver(null, new WorkingDirectory(work, Optional.empty()));
        assertThat(homeless.run("cd").errors()).containsExactly("cd: there is no home directory ($HOME is not set)");
        assertThat(homeless.run("pwd").out()).isEqualTo(work + "\n");
    }

    @Test
    void cdRefusesWhatIsNoDirectoryAndStays() throws IOException {
        sh.file("f", "");
        assertThat(sh.refused("cd nope")).isEqualTo("cd: nope: no such directory");
        assertThat(sh.refused("cd f")).isEqualTo("cd: f: not a directory");
        assertThat(sh.refused("cd a b")).isEqualTo("'cd' takes one DIR, got 'a' 'b'");
        assertThat(sh.ok("pwd")).isEqualTo(work + "\n");
    }

    @Test
    void lsListsSortedAndHidesDotEntriesUnlessAll() throws IOException {
        sh.file("b", "");
        sh.file("a", "");
        sh.file(".hidden", "");
        sh.dir("c");
        assertThat(sh.ok("ls")).isEqualTo("a\nb\nc\n");
        assertThat(sh.ok("ls -a")).isEqualTo(".hidden\na\nb\nc\n");
        assertThat(sh.ok("ls --all .")).isEqualTo(".hidden\na\nb\nc\n");
        assertThat(sh.ok("ls c")).isEmpty();
    }

    @Test
    void lsLongShowsTypePermissionsAndSize() throws IOException {
        Path f = sh.file("data.bin", "12345");
        Files.setPosixFilePermissions(f, PosixFilePermissions.fromString("rw-r-----"));
        Path d = sh.dir("dir");
        Files.setPosixFilePermissions(d, PosixFilePermissions.fromString("rwxr-xr-x"));
        Files.createSymbolicLink(work.resolve("link"), Path.of("data.bin"));
        String out = sh.ok("ls -l");
        assertThat(out.lines()).satisfiesExactly(
                l -> assertThat(l).isEqualTo("-rw-r-----        5 data.bin"),
                l -> assertThat(l).matches("drwxr-xr-x [ \\d]{8} dir"),
                l -> assertThat(l).matches("l[rwx-]{9}        8 link -> data.bin"));
        assertThat(sh.ok("ls --long data.bin")).isEqualTo("-rw-r-----        5 data.bin\n");
        sh.file(".h", "");
        assertThat(sh.ok("ls -la")).contains(" .h\n");
    }

    @Test
    void lsOfSeveralPathsHeadsEachDirectoryAndShowsAFileAsTyped() throws IOException {
        sh.file("one/x", "");
        sh.file("two/y", "");
        assertThat(sh.ok("ls one two/y two")).isEqualTo("one:\nx\n\ntwo/y\n\ntwo:\ny\n");
    }

    @Test
    void lsReportsWhatIsMissingAndListsTheRest() throws IOException {
        sh.file("one/x", "");
        LineDriver.Result r = sh.shell.run("ls nope one");
        assertThat(r.errors()).containsExactly("ls: nope: no such file or directory");
        assertThat(r.out()).isEqualTo("one:\nx\n");
        assertThat(r.outcome()).isEqualTo(Outcome.FAILURE);
    }

    @Test
    void catPrintsEachFileInTurn() throws IOException {
        sh.file("a", "one\n");
        sh.file("b", "two");
        assertThat(sh.ok("cat a b")).isEqualTo("one\ntwo");
        assertThat(sh.refused("cat")).isEqualTo("'cat' needs FILE... (see 'cat --help')");
    }

    @Test
    void catReportsMissingFilesAndDirectoriesAndPrintsTheRest() throws IOException {
        sh.file("a", "one\n");
        sh.dir("sub");
        LineDriver.Result r = sh.shell.run("cat nope a sub");
        assertThat(r.out()).isEqualTo("one\n");
        assertThat(r.errors()).containsExactly("cat: nope: no such file or directory", "cat: sub: is a directory");
        assertThat(r.outcome()).isEqualTo(Outcome.FAILURE);
    }

    @Test
    void echoPrintsTheWords() {
        assertThat(sh.ok("echo hello   world")).isEqualTo("hello world\n");
        assertThat(sh.ok("echo \"two  spaces\"")).isEqualTo("two  spaces\n");
        assertThat(sh.ok("echo -n hi")).isEqualTo("hi");
        assertThat(sh.ok("echo --no-newline hi")).isEqualTo("hi");
        assertThat(sh.ok("echo")).isEqualTo("\n");
        assertThat(sh.ok("echo -- -n")).isEqualTo("-n\n");
    }

    @Test
    void echoToAFileReplacesWhatItHeld() throws IOException {
        Path f = sh.file("f", "a much longer text than the new one\n");
        assertThat(sh.ok("echo short > f")).isEmpty();
        assertThat(f).hasContent("short\n");
        sh.ok("echo -n attached >f");
        assertThat(f).hasContent("attached");
        sh.ok("echo key = 1 > new.toml");
        assertThat(work.resolve("new.toml")).hasContent("key = 1\n");
        sh.ok("echo a > f b");
        assertThat(f).hasContent("a b\n");
    }

    @Test
    void theLastRedirectionWinsAndTheEarlierFilesAreLeftAlone() {
        sh.ok("echo a > first > second");
        assertThat(work.resolve("second")).hasContent("a\n");
        assertThat(work.resolve("first")).doesNotExist();
    }

    @Test
    void echoRefusesAppendAMissingFileNameAndADirectory() throws IOException {
        sh.dir("sub");
        String noAppend = "echo: there is no '>>' (append); '>' replaces the file's contents";
        assertThat(sh.refused("echo a >> f")).isEqualTo(noAppend);
        assertThat(sh.refused("echo a >>f")).isEqualTo(noAppend);
        assertThat(work.resolve("f")).doesNotExist();
        assertThat(sh.refused("echo a >")).isEqualTo("echo: '>' needs a file name after it");
        assertThat(sh.refused("echo a > sub")).isEqualTo("echo: sub: is a directory");
        assertThat(sh.refused("echo a > nope/f"))
                .isEqualTo("echo: nope/f: the directory " + work.resolve("nope") + " does not exist");
    }

    @Test
    void mkdirCreatesDirectoriesWhoseParentsExist() {
        sh.ok("mkdir a b");
        assertThat(work.resolve("a")).isDirectory();
        assertThat(work.resolve("b")).isDirectory();
        assertThat(sh.refused("mkdir a")).isEqualTo("mkdir: a: already exists");
        assertThat(sh.refused("mkdir x/y"))
                .isEqualTo("mkdir: x/y: the directory " + work.resolve("x") + " does not exist (use -p)");
    }

    @Test
    void mkdirParentsCreatesTheMissingOnesAndTakesAnExistingDirectory() throws IOException {
        sh.ok("mkdir -p x/y/z");
        assertThat(work.resolve("x/y/z")).isDirectory();
        sh.ok("mkdir --parents x/y/z x");
        sh.file("f", "");
        assertThat(sh.refused("mkdir -p f")).isEqualTo("mkdir: f: already exists and is not a directory");
        String notADirectory = "mkdir: f/sub: " + work.resolve("f") + " is not a directory";
        assertThat(sh.refused("mkdir -p f/sub")).isEqualTo(notADirectory);
        assertThat(sh.refused("mkdir f/sub")).isEqualTo(notADirectory);
    }

    @Test
    void aRefusedMkdirCreatesNothing() throws IOException {
        sh.dir("exists");
        assertThat(sh.refused("mkdir new exists")).isEqualTo("mkdir: exists: already exists");
        assertThat(work.resolve("new")).doesNotExist();
    }

    @Test
    void rmRemovesFiles() throws IOException {
        sh.file("a", "");
        sh.file("b", "");
        sh.ok("rm a b");
        assertThat(work.resolve("a")).doesNotExist();
        assertThat(work.resolve("b")).doesNotExist();
    }

    @Test
    void rmRefusesADirectoryWithoutRecursiveOrDir() throws IOException {
        Path sub = sh.dir("sub");
        assertThat(sh.refused("rm " + sub)).isEqualTo("rm: " + sub + ": is a directory (use -r or -d)");
        assertThat(sh.refused("rm sub")).isEqualTo("rm: sub: is a directory (use -r or -d)");
        assertThat(sub).isDirectory();
    }

    @Test
    void rmDirRemovesOnlyEmptyDirectories() throws IOException {
        sh.dir("empty");
        sh.file("full/f", "");
        sh.ok("rm -d empty");
        assertThat(work.resolve("empty")).doesNotExist();
        assertThat(sh.refused("rm --dir full")).isEqualTo("rm: full: directory not empty (use -r)");
        assertThat(work.resolve("full/f")).exists();
    }

    @Test
    void rmRecursiveRemovesATreeButNotWhatItsLinksPointTo() throws IOException {
        sh.file("tree/a/b/c", "");
        Path outside = sh.file("outside/keep", "kept");
        Files.createSymbolicLink(work.resolve("tree/link"), work.resolve("outside"));
        sh.ok("rm -r tree");
        assertThat(work.resolve("tree")).doesNotExist();
        assertThat(outside).hasContent("kept");
        sh.file("t2/x", "");
        sh.ok("rm --recursive t2");
        assertThat(work.resolve("t2")).doesNotExist();
    }

    @Test
    void rmOfALinkToADirectoryRemovesTheLinkOnly() throws IOException {
        Path target = sh.file("target/keep", "kept");
        Files.createSymbolicLink(work.resolve("link"), work.resolve("target"));
        sh.ok("rm link");
        assertThat(work.resolve("link")).doesNotExist();
        assertThat(target).hasContent("kept");
    }

    @Test
    void rmNamesWhatIsMissingUnlessForce() throws IOException {
        sh.file("a", "");
        assertThat(sh.refused("rm nope a")).isEqualTo("rm: nope: no such file or directory");
        assertThat(work.resolve("a")).as("a refused rm removes nothing").exists();
        assertThat(sh.ok("rm -f nope a")).isEmpty();
        assertThat(work.resolve("a")).doesNotExist();
        assertThat(sh.ok("rm --force nope")).isEmpty();
    }

    @Test
    void forceDoesNotHideOtherRefusals() throws IOException {
        sh.dir("sub");
        assertThat(sh.refused("rm -f sub")).isEqualTo("rm: sub: is a directory (use -r or -d)");
    }

    @Test
    void aRefusedRmRemovesNothing() throws IOException {
        sh.file("a", "");
        sh.dir("sub");
        assertThat(sh.refused("rm a sub")).isEqualTo("rm: sub: is a directory (use -r or -d)");
        assertThat(work.resolve("a")).exists();
    }

    @Test
    void rmRefusesDotDotDotAndTheRoot() throws IOException {
        sh.dir("sub");
        assertThat(sh.refused("rm -r .")).isEqualTo("rm: .: refusing to remove '.' or '..'");
        assertThat(sh.refused("rm -rf sub/..")).isEqualTo("rm: sub/..: refusing to remove '.' or '..'");
        assertThat(sh.refused("rm -rf /")).isEqualTo("rm: /: refusing to remove the root directory");
        assertThat(work.resolve("sub")).isDirectory();
    }

    @Test
    void anEmptyPathIsRefusedNotTakenForTheWorkingDirectory() throws IOException {
        sh.file("a", "");
        assertThat(sh.refused("rm -rf \"\"")).isEqualTo("'' is not a path: it is empty");
        assertThat(work.resolve("a")).exists();
    }

    @Test
    void touchCreatesAMissingFileEmpty() {
        sh.ok("touch new other");
        assertThat(work.resolve("new")).isEmptyFile();
        assertThat(work.resolve("other")).isEmptyFile();
    }

    @Test
    void touchKeepsAnExistingFilesContentsAndUpdatesItsTime() throws IOException {
        Path f = sh.file("vm.toml", "[base]\nid = 1\n");
        FileTime old = FileTime.from(Instant.parse("2000-01-01T00:00:00Z"));
        Files.setLastModifiedTime(f, old);
        sh.ok("touch vm.toml");
        assertThat(f).hasContent("[base]\nid = 1\n");
        assertThat(Files.getLastModifiedTime(f)).isGreaterThan(old);
    }

    @Test
    void touchRefusesAFileInAMissingDirectoryAndCreatesNothing() {
        assertThat(sh.refused("touch a nope/f"))
                .isEqualTo("touch: nope/f: the directory " + work.resolve("nope") + " does not exist");
        assertThat(work.resolve("a")).doesNotExist();
    }
}
