package javisor.vmm.shell;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;

import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

import static org.assertj.core.api.Assertions.assertThat;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

/** cp and mv, in a shell without a VM (so without KVM). */
@Timeout(30)
class CopyAndMoveTest {
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
    void cpCopiesAFileAndReplacesOne() throws IOException {
        Path a = sh.file("a", "alpha\n");
        sh.file("b", "old contents, longer\n");
        sh.ok("cp a copy");
        sh.ok("cp a b");
        assertThat(work.resolve("copy")).hasContent("alpha\n");
        assertThat(work.resolve("b")).hasContent("alpha\n");
        assertThat(a).hasContent("alpha\n");
    }

    @Test
    void cpIntoADirectoryKeepsTheSourcesNames() throws IOException {
        sh.file("a", "alpha");
        sh.file("b", "beta");
        sh.file("dir/zzz", "first entry");
        sh.ok("cp a dir");
        assertThat(work.resolve("dir/a")).hasContent("alpha");
        sh.ok("cp a b dir/");
        assertThat(work.resolve("dir/b")).hasContent("beta");
        assertThat(work.resolve("dir/zzz")).hasContent("first entry");
    }

    @Test
    void cpOfADirectoryNeedsRecursive() throws IOException {
        sh.file("tree/sub/f", "deep");
        sh.file("tree/g", "top");
        assertThat(sh.refused("cp tree copy")).isEqualTo("cp: tree: is a directory (use -r)");
        assertThat(work.resolve("copy")).doesNotExist();
        sh.ok("cp -r tree copy");
        assertThat(work.resolve("copy/sub/f")).hasContent("deep");
        assertThat(work.resolve("copy/g")).hasContent("top");
        sh.dir("into");
        sh.ok("cp --recursive tree into");
        assertThat(work.resolve("into/tree/sub/f")).hasContent("deep");
    }

    @Test
    void cpRecursiveCopiesLinksAsLinks() throws IOException {
        sh.file("tree/f", "");
        Files.createSymbolicLink(work.resolve("tree/link"), Path.of("f"));
        sh.ok("cp -r tree copy");
        assertThat(work.resolve("copy/link")).isSymbolicLink();
        assertThat(Files.readSymbolicLink(work.resolve("copy/link"))).isEqualTo(Path.of("f"));
    }

    @Test
    void cpDoesNotMergeOrReplaceADirectory() throws IOException {
        sh.file("tree/f", "");
        sh.file("into/tree/other", "");
        assertThat(sh.refused("cp -r tree into"))
                .isEqualTo("cp: into/tree: already exists (a directory replaces nothing)");
        assertThat(work.resolve("into/tree/f")).doesNotExist();
    }

    @Test
    void cpRefusesADirectoryIntoItselfAndAFileOntoItself() throws IOException {
        sh.file("tree/f", "");
        sh.file("a", "alpha");
        assertThat(sh.refused("cp -r tree tree/inner"))
                .isEqualTo("cp: tree/inner: is inside tree (a directory cannot go into itself)");
        assertThat(sh.refused("cp -r tree tree")).isEqualTo("cp: tree/tree: is inside tree (a directory cannot go"
                + " into itself)");
        assertThat(sh.refused("cp a a")).isEqualTo("cp: a: is the same file as a");
        assertThat(work.resolve("a")).hasContent("alpha");
    }

    @Test
    void cpRefusesAMissingSourceAndCopiesNothing() throws IOException {
        sh.file("a", "");
        sh.dir("dir");
        assertThat(sh.refused("cp a nope dir")).isEqualTo("cp: nope: no such file or directory");
        assertThat(work.resolve("dir/a")).doesNotExist();
    }

    @Test
    void severalSourcesNeedADirectory() throws IOException {
        sh.file("a", "");
        sh.file("b", "");
        sh.file("c", "");
        assertThat(sh.refused("cp a b nodir")).isEqualTo("cp: nodir: no such directory");
        assertThat(sh.refused("cp a b c")).isEqualTo("cp: c: not a directory (several SRCs go into a directory)");
        assertThat(sh.refused("mv a b c")).isEqualTo("mv: c: not a directory (several SRCs go into a directory)");
        assertThat(work.resolve("a")).exists();
        assertThat(sh.refused("cp a")).isEqualTo("'cp' needs SRC... DST (see 'cp --help')");
    }

    @Test
    void aTargetInAMissingDirectoryIsRefused() throws IOException {
        sh.file("a", "");
        assertThat(sh.refused("cp a nope/b"))
                .isEqualTo("cp: nope/b: the directory " + work.resolve("nope") + " does not exist");
        assertThat(sh.refused("mv a nope/b"))
                .isEqualTo("mv: nope/b: the directory " + work.resolve("nope") + " does not exist");
        assertThat(work.resolve("a")).exists();
    }

    @Test
    void mvRenames() throws IOException {
        sh.file("a", "alpha");
        sh.file("tree/f", "deep");
        sh.ok("mv a b");
        sh.ok("mv tree forest");
        assertThat(work.resolve("a")).doesNotExist();
        assertThat(work.resolve("b")).hasContent("alpha");
        assertThat(work.resolve("forest/f")).hasContent("deep");
    }

    @Test
    void mvIntoADirectoryUsesEachSourcesOwnName() throws IOException {
        // AxVisor names the target after the directory's first entry; here 'zzz' is that entry
        sh.file("dir/zzz", "first entry");
        sh.file("a", "alpha");
        sh.file("b", "beta");
        sh.file("tree/f", "deep");
        sh.ok("mv a b dir/");
        assertThat(work.resolve("dir/a")).hasContent("alpha");
        assertThat(work.resolve("dir/b")).hasContent("beta");
        assertThat(work.resolve("dir/zzz")).hasContent("first entry");
        assertThat(work.resolve("a")).doesNotExist();
        sh.ok("mv tree dir");
        assertThat(work.resolve("dir/tree/f")).hasContent("deep");
        sh.ok("cd dir");
        sh.ok("mv a ..");
        assertThat(work.resolve("a")).hasContent("alpha");
    }

    @Test
    void mvReplacesAFileButNeitherADirectoryNorWithOne() throws IOException {
        sh.file("a", "alpha");
        sh.file("b", "beta");
        sh.file("tree/f", "");
        sh.file("dir/tree/g", "");
        sh.ok("mv a b");
        assertThat(work.resolve("b")).hasContent("alpha");
        assertThat(sh.refused("mv tree dir")).isEqualTo("mv: dir/tree: already exists (a directory replaces nothing)");
        assertThat(sh.refused("mv tree b")).isEqualTo("mv: b: already exists (a directory replaces nothing)");
        sh.file("c", "");
        sh.dir("dir3/c");
        assertThat(sh.refused("mv c dir3")).isEqualTo("mv: dir3/c: is a directory");
        assertThat(work.resolve("tree/f")).exists();
        assertThat(work.resolve("c")).exists();
    }

    @Test
    void mvRefusesADirectoryIntoItselfAndAMissingSource() throws IOException {
        sh.file("tree/sub/f", "");
        sh.file("a", "");
        sh.dir("dir");
        assertThat(sh.refused("mv tree tree/sub"))
                .isEqualTo("mv: tree/sub/tree: is inside tree (a directory cannot go into itself)");
        assertThat(sh.refused("mv a nope dir")).isEqualTo("mv: nope: no such file or directory");
        assertThat(work.resolve("a")).as("a refused mv moves nothing").exists();
        assertThat(sh.refused("mv a a")).isEqualTo("mv: a: is the same file as a");
    }

    @Test
    void mvMovesALinkItself() throws IOException {
        sh.file("target/f", "");
        Files.createSymbolicLink(work.resolve("link"), work.resolve("target"));
        sh.dir("dir");
        sh.ok("mv link dir");
        assertThat(work.resolve("dir/link")).isSymbolicLink();
        assertThat(work.resolve("target/f")).exists();
    }

    @Test
    void mvAcrossFileSystemsCopiesThenDeletes() throws IOException {
        Path shm = Path.of("/dev/shm");
        assumeTrue(Files.isDirectory(shm) && Files.isWritable(shm), "no /dev/shm");
        assumeTrue(!Files.getFileStore(shm).equals(Files.getFileStore(work)), "/dev/shm is on the same file system");
        Path other = Files.createTempDirectory(shm, "javisor-mv-");
        try {
            sh.file("tree/sub/f", "deep");
            sh.file("tree/g", "top");
            sh.file("a", "alpha");
            sh.ok("mv tree a " + other);
            assertThat(other.resolve("tree/sub/f")).hasContent("deep");
            assertThat(other.resolve("tree/g")).hasContent("top");
            assertThat(other.resolve("a")).hasContent("alpha");
            assertThat(work.resolve("tree")).doesNotExist();
            assertThat(work.resolve("a")).doesNotExist();
        } finally {
            FileTrees.delete(other);
        }
    }
}
