package javisor.vmm.shell;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.Arrays;
import java.util.List;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicReference;
import java.util.stream.Stream;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

/**
 * The shell's whole-or-nothing file changes, on the host (no KVM): what each leaves, and that a reader looking at
 * the target while they run never sees a part of the new content (what a kill -9 at that moment would leave).
 * KillNineIT kills a real Javisor during them.
 */
@Timeout(60)
class AtomicFilesTest {
    /** Big enough that copying it takes many write calls: a copy in place would be seen half done. */
    private static final int BIG = 4 << 20;

    @TempDir
    Path tmp;

    @Test
    void writeReplacesTheContentAndLeavesNoTemporaryFile() throws IOException {
        Path f = Files.writeString(tmp.resolve("vm.toml"), "old contents, longer than the new\n");
        Files.setPosixFilePermissions(f, PosixFilePermissions.fromString("rw-------"));
        AtomicFiles.write(f, "new\n".getBytes());
        assertThat(f).hasContent("new\n");
        assertThat(PosixFilePermissions.toString(Files.getPosixFilePermissions(f))).isEqualTo("rw-------");
        assertThat(entries(tmp)).containsExactly("vm.toml");
        AtomicFiles.write(tmp.resolve("fresh.toml"), "made\n".getBytes());
        assertThat(tmp.resolve("fresh.toml")).hasContent("made\n");
    }

    @Test
    void writeThroughALinkReplacesTheFileItPointsTo() throws IOException {
        Path real = Files.writeString(tmp.resolve("real.toml"), "old\n");
        Path link = Files.createSymbolicLink(tmp.resolve("link.toml"), real.getFileName());
        AtomicFiles.write(link, "new\n".getBytes());
        assertThat(Files.isSymbolicLink(link)).isTrue();
        assertThat(real).hasContent("new\n");
    }

    @Test
    void aFailedCopyLeavesTheTargetAsItWasAndNoTemporaryFile() throws IOException {
        Path target = Files.writeString(tmp.resolve("target"), "kept\n");
        assertThatThrownBy(() -> AtomicFiles.copyFile(tmp.resolve("missing"), target))
                .isInstanceOf(NoSuchFileException.class);
        assertThat(target).hasContent("kept\n");
        assertThat(entries(tmp)).containsExactly("target");
    }

    @Test
    void aReaderNeverSeesAPartialCopyOfAFile() throws Exception {
        byte[] a = pattern(BIG, 'a');
        byte[] b = pattern(BIG, 'b');
        Path srcA = Files.write(tmp.resolve("a.img"), a);
        Path srcB = Files.write(tmp.resolve("b.img"), b);
        Path target = Files.write(tmp.resolve("disk.img"), a);
        int[] seen = watch(() -> {
            byte[] now = Files.readAllBytes(target);
            return Arrays.equals(now, a) || Arrays.equals(now, b);
        }, () -> {
            for (int i = 0; i < 10; i++) {
                AtomicFiles.copyFile(i % 2 == 0 ? srcB : srcA, target);
            }
        });
        assertThat(seen[1]).as("reads of the target that were neither copy, of %d", seen[0]).isZero();
        assertThat(entries(tmp)).containsExactlyInAnyOrder("a.img", "b.img", "disk.img");
    }

    @Test
    void aCopiedTreeAppearsWhole() throws Exception {
        Path top = tmp.resolve("tree");
        for (int i = 0; i < 20; i++) {
            Files.createDirectories(top.resolve("d" + i % 4));
            Files.write(top.resolve("d" + i % 4 + "/f" + i), pattern(64 << 10, i));
        }
        Path copy = tmp.resolve("copy");
        // a copy that a deleteTree took away while it was being compared is no partial copy
        int[] seen = watch(() -> !Files.exists(copy) || sameTree(top, copy) || !Files.exists(copy), () -> {
            for (int i = 0; i < 5; i++) {
                AtomicFiles.copyTree(top, copy, false);
                AtomicFiles.deleteTree(copy);
            }
        });
        assertThat(seen[1]).as("looks at the copy that found it partial, of %d", seen[0]).isZero();
        assertThat(entries(tmp)).containsExactly("tree");
    }

    @Test
    void moveAcrossFileSystemsPutsTheFileInPlaceWholeThenDeletesTheSource() throws Exception {
        Path shm = Path.of("/dev/shm");
        assumeTrue(Files.isDirectory(shm) && Files.isWritable(shm), "no /dev/shm");
        assumeTrue(!Files.getFileStore(shm).equals(Files.getFileStore(tmp)), "/dev/shm is on this file system");
        Path other = Files.createTempDirectory(shm, "javisor-atomic-");
        try {
            byte[] content = pattern(BIG, 'm');
            Path target = Files.writeString(tmp.resolve("moved.img"), "old");
            Path source = Files.write(other.resolve("moved.img"), content);
            Files.createDirectories(other.resolve("dir/sub"));
            Files.writeString(other.resolve("dir/sub/f"), "deep");
            AtomicFiles.move(source, target);
            AtomicFiles.move(other.resolve("dir"), tmp.resolve("dir"));
            assertThat(Files.readAllBytes(target)).isEqualTo(content);
            assertThat(tmp.resolve("dir/sub/f")).hasContent("deep");
            assertThat(entries(other)).isEmpty();
            assertThat(entries(tmp)).containsExactlyInAnyOrder("moved.img", "dir");
        } finally {
            FileTrees.delete(other);
        }
    }

    @Test
    void moveOnOneFileSystemIsARename() throws IOException {
        Path source = Files.writeString(tmp.resolve("a"), "alpha");
        Path target = Files.writeString(tmp.resolve("b"), "beta");
        Object inode = Files.getAttribute(source, "unix:ino");
        AtomicFiles.move(source, target);
        assertThat(Files.getAttribute(target, "unix:ino")).isEqualTo(inode);
        assertThat(target).hasContent("alpha");
        assertThat(entries(tmp)).containsExactly("b");
    }

    @Test
    void temporaryNamesAreHiddenAndNeverTomlFiles() {
        Path temp = AtomicFiles.tempBeside(tmp.resolve("vm.toml"));
        assertThat(temp.getParent()).isEqualTo(tmp);
        assertThat(temp.getFileName().toString()).startsWith(".vm.toml" + AtomicFiles.TEMP_MARK)
                .doesNotEndWith(".toml");
        assertThat(AtomicFiles.isTemporary(temp)).isTrue();
        assertThat(AtomicFiles.isTemporary(tmp.resolve("vm.toml"))).isFalse();
    }

    private interface Check {
        boolean holds() throws IOException;
    }

    private interface Changes {
        void run() throws IOException;
    }

    /** Runs {@code changes} while another thread checks {@code check} again and again; {looks, failures}. */
    private static int[] watch(Check check, Changes changes) throws Exception {
        AtomicBoolean done = new AtomicBoolean();
        AtomicInteger looks = new AtomicInteger();
        AtomicInteger failures = new AtomicInteger();
        AtomicReference<Throwable> error = new AtomicReference<>();
        Thread watcher = Thread.ofPlatform().start(() -> {
            while (!done.get()) {
                try {
                    looks.incrementAndGet();
                    if (!check.holds()) {
                        failures.incrementAndGet();
                    }
                } catch (NoSuchFileException e) {
                    failures.incrementAndGet(); // the target's name was empty for a moment
                } catch (IOException | RuntimeException e) {
                    error.set(e);
                    return;
                }
            }
        });
        try {
            changes.run();
        } finally {
            done.set(true);
            watcher.join();
        }
        assertThat(error.get()).isNull();
        return new int[] {looks.get(), failures.get()};
    }

    private static boolean sameTree(Path a, Path b) throws IOException {
        try (Stream<Path> files = Files.walk(a)) {
            for (Path f : files.filter(Files::isRegularFile).toList()) {
                Path other = b.resolve(a.relativize(f).toString());
                try {
                    if (!Arrays.equals(Files.readAllBytes(f), Files.readAllBytes(other))) {
                        return false;
                    }
                } catch (NoSuchFileException e) {
                    return false;
                }
            }
        }
        return true;
    }

    private static byte[] pattern(int size, int seed) {
        byte[] b = new byte[size];
        for (int i = 0; i < size; i++) {
            b[i] = (byte) (seed * 31 + i * 7 + (i >>> 9));
        }
        return b;
    }

    private static List<String> entries(Path dir) throws IOException {
        try (Stream<Path> s = Files.list(dir)) {
            return s.map(p -> p.getFileName().toString()).toList();
        }
    }
}
