package javisor.vmm.shell;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Optional;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * A shell without a VM working in a folder of its own, {@code work} (its home is {@code home} next to it), for
 * the file commands' tests.
 */
final class FileShell {
    final Path work;
    final Path home;
    final WorkingDirectory cwd;
    final LineDriver shell;

    FileShell(Path tmp) throws IOException {
        work = Files.createDirectory(tmp.resolve("work"));
        home = Files.createDirectory(tmp.resolve("home"));
        cwd = new WorkingDirectory(work, Optional.of(home));
        shell = new LineDriver(null, cwd);
    }

    /** Runs a line that must succeed without an error; its output. */
    String ok(String line) {
        LineDriver.Result r = shell.run(line);
        assertThat(r.errors()).as(line).isEmpty();
        assertThat(r.outcome()).as(line).isEqualTo(Outcome.SUCCESS);
        return r.out();
    }

    /** Runs a line that must fail with one error; the error. */
    String refused(String line) {
        LineDriver.Result r = shell.run(line);
        assertThat(r.outcome()).as(line).isEqualTo(Outcome.FAILURE);
        assertThat(r.errors()).as(line).hasSize(1);
        return r.errors().getFirst();
    }

    Path file(String name, String text) throws IOException {
        Path p = work.resolve(name);
        Files.createDirectories(p.getParent());
        return Files.writeString(p, text);
    }

    Path dir(String name) throws IOException {
        return Files.createDirectories(work.resolve(name));
    }
}
