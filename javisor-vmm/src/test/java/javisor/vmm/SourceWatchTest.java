package javisor.vmm;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Optional;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import static org.assertj.core.api.Assertions.assertThat;

/** The resident's watch on the build's inputs, on a tree of its own (inotify, as on any local file system). */
class SourceWatchTest {
    @TempDir
    Path tree;

    /** Polls: inotify's events reach the WatchService through a thread of the JDK's. */
    private static Optional<String> changeWithin(SourceWatch watch, long millis) throws InterruptedException {
        long deadline = System.nanoTime() + millis * 1_000_000;
        Optional<String> change;
        while ((change = watch.change()).isEmpty() && System.nanoTime() < deadline) {
            Thread.sleep(10);
        }
        return change;
    }

    private SourceWatch watchTree() throws Exception {
        Files.createDirectories(tree.resolve("mod/src/main/java/a"));
        Files.writeString(tree.resolve("mod/src/main/java/a/Vm.java"), "class Vm {}");
        Files.writeString(tree.resolve("pom.xml"), "<project/>");
        Files.writeString(tree.resolve("README.md"), "docs");
        Files.createDirectories(tree.resolve("mod/src/test"));
        return SourceWatch.of(List.of(tree.resolve("pom.xml"), tree.resolve("mod/src/main"),
                tree.resolve("no-such-input")));
    }

    @Test
    void aFileInANestedInputFolderChanging() throws Exception {
        try (SourceWatch watch = watchTree()) {
            assertThat(watch.change()).isEmpty();
            Files.writeString(tree.resolve("mod/src/main/java/a/Vm.java"), "class Vm { int x; }");
            assertThat(changeWithin(watch, 5000)).contains(tree.resolve("mod/src/main/java/a/Vm.java") + " changed");
            Files.writeString(tree.resolve("pom.xml"), "<project></project>");
            assertThat(watch.change()).as("the first change stays the answer")
                    .contains(tree.resolve("mod/src/main/java/a/Vm.java") + " changed");
        }
    }

    @Test
    void anInputFileChangingOrDeleted() throws Exception {
        try (SourceWatch watch = watchTree()) {
            Files.delete(tree.resolve("pom.xml"));
            assertThat(changeWithin(watch, 5000)).contains(tree.resolve("pom.xml") + " changed");
        }
    }

    @Test
    void aNewFileInAnInputFolder() throws Exception {
        try (SourceWatch watch = watchTree()) {
            Files.writeString(tree.resolve("mod/src/main/java/a/New.java"), "class New {}");
            assertThat(changeWithin(watch, 5000)).contains(tree.resolve("mod/src/main/java/a/New.java") + " changed");
        }
    }

    @Test
    void otherFilesBesideAnInputFileAndTestsDoNotCount() throws Exception {
        try (SourceWatch watch = watchTree()) {
            Files.writeString(tree.resolve("README.md"), "more docs");
            Files.writeString(tree.resolve("mod/src/test/VmTest.java"), "class VmTest {}");
            Files.createDirectories(tree.resolve("target"));
            assertThat(changeWithin(watch, 500)).isEmpty();
        }
    }
}
