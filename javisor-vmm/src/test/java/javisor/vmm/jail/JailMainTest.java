package javisor.vmm.jail;

import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.util.List;

import org.junit.jupiter.api.Test;

import javisor.vmm.ExitStatus;

import static org.assertj.core.api.Assertions.assertThat;

class JailMainTest {
    private record Result(int status, String out, String err) {
    }

    private static Result run(String... args) {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        ByteArrayOutputStream err = new ByteArrayOutputStream();
        int status = JailMain.run(List.of(args), new PrintStream(out, true), new PrintStream(err, true));
        return new Result(status, out.toString(), err.toString());
    }

    @Test
    void helpGoesToStandardOutput() {
        Result r = run("--help");
        assertThat(r.status()).isZero();
        assertThat(r.out()).startsWith("Usage: javisor jail --id ID --uid UID --gid GID");
    }

    @Test
    void badArgumentsAreNamedWithStatus2() {
        Result r = run("--id", "a", "--uid", "x", "--gid", "1", "--", "firecracker");
        assertThat(r.status()).isEqualTo(ExitStatus.USAGE);
        assertThat(r.err()).isEqualTo("javisor jail: --uid 'x': expected a number (names are not looked up: the"
                + " jail has no /etc/passwd)\nRun 'javisor jail --help' for usage.\n");
    }

    @Test
    void aMissingFileOrFolderIsNamedBeforeAnythingIsMade() {
        // Whichever check this host fails first (root, cgroup v2, the folder), the message names it and nothing
        // is made.
        Result r = run("--id", "a", "--uid", "1", "--gid", "1", "--chroot-base-dir", "/no/such/base", "--",
                "firecracker");
        assertThat(r.status()).isIn(ExitStatus.USAGE, ExitStatus.HOST_ERROR);
        assertThat(r.err()).startsWith("javisor jail: ").containsAnyOf("--chroot-base-dir /no/such/base: no such"
                + " folder", "must run as root", "cgroup v2 is not mounted");
    }
}
