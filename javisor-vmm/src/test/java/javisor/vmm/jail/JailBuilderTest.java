package javisor.vmm.jail;

import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import javisor.vmm.ExitStatus;
import javisor.vmm.jail.HostFacts.HostDevice;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

/** The jail's folder on the host, made and removed for real (without the cgroup file system: a plain folder). */
class JailBuilderTest {
    @TempDir
    Path tmp;

    private JailPlan plan(String... limits) {
        List<String> args = new java.util.ArrayList<>(List.of("--id", "t", "--uid", "1234", "--gid", "1235",
                "--chroot-base-dir", tmp.toString(), "--file", "/etc/hostname:/cfg/name"));
        for (String limit : limits) {
            args.addAll(List.of("--cgroup", limit));
        }
        args.addAll(List.of("--", "firecracker", "--api-sock", "/run/api.sock"));
        HostFacts host = new HostFacts(Path.of("/src"), Path.of("/src/runtime"), List.of(), Path.of(
                "/usr/bin/setpriv"), List.of(Path.of("/lib64/ld-linux-x86-64.so.2")),
                List.of(new HostDevice("/dev/null", 1, 3)), tmp.resolve("cgroup"));
        return JailPlanner.plan(JailArguments.parse(args), host);
    }

    @Test
    void makesTheFoldersMountPointsAndDevicesThenRemovesThem() throws Exception {
        assumeTrue(HostProbe.effectiveUid(Files.readString(Path.of("/proc/self/status"))) == 0, "needs root");
        Files.createDirectories(tmp.resolve("cgroup"));
        JailPlan plan = plan();
        JailBuilder.build(plan);
        Path root = plan.root();
        assertThat(root.resolve("javisor/runtime")).isDirectory();
        assertThat(root.resolve("javisor/bin/setpriv")).isEmptyFile();
        assertThat(root.resolve("lib64/ld-linux-x86-64.so.2")).isEmptyFile();
        assertThat(root.resolve("cfg/name")).isEmptyFile();
        assertThat(Files.getAttribute(root.resolve("run"), "unix:uid")).isEqualTo(1234);
        assertThat(Files.getAttribute(root.resolve("run"), "unix:gid")).isEqualTo(1235);
        assertThat(Files.getAttribute(root.resolve("tmp"), "unix:mode")).isEqualTo(041777);
        assertThat(Files.getAttribute(root.resolve("proc"), "unix:uid")).isEqualTo(0);
        assertThat(((Number) Files.getAttribute(root.resolve("dev/null"), "unix:rdev")).longValue())
                .isEqualTo(((Number) Files.getAttribute(Path.of("/dev/null"), "unix:rdev")).longValue());
        assertThat(Files.getAttribute(root.resolve("dev/null"), "unix:mode")).isEqualTo(020666);
        assertThat(tmp.resolve("cgroup/javisor/t")).isDirectory();

        assertThatThrownBy(() -> JailBuilder.build(plan)).isInstanceOf(JailException.class)
                .hasMessage(plan.folder() + " already exists: another jail with --id t runs, or one was left behind"
                        + " (remove the folder)")
                .extracting(e -> ((JailException) e).status()).isEqualTo(ExitStatus.USAGE);

        ByteArrayOutputStream err = new ByteArrayOutputStream();
        JailCleanup.clean(plan, new PrintStream(err));
        assertThat(plan.folder()).doesNotExist();
        assertThat(tmp.resolve("cgroup/javisor/t")).doesNotExist();
        assertThat(plan.folder().getParent()).isDirectory();
        assertThat(err.toString()).isEmpty();
    }

    @Test
    void aCgroupFileTheKernelDoesNotHaveIsNamed() throws Exception {
        assumeTrue(HostProbe.effectiveUid(Files.readString(Path.of("/proc/self/status"))) == 0, "needs root");
        Files.createDirectories(tmp.resolve("cgroup"));
        JailPlan plan = plan("memory.maximum=1G");
        assertThatThrownBy(() -> JailBuilder.build(plan)).isInstanceOf(JailException.class)
                .hasMessage("--cgroup memory.maximum=1G: no such cgroup file (" + tmp.resolve(
                        "cgroup/javisor/t/memory.maximum") + ")");
        // Nothing of the failed jail is left; the controllers were enabled from the root down, as the kernel
        // wants.
        assertThat(plan.folder()).doesNotExist();
        assertThat(tmp.resolve("cgroup/javisor/t")).doesNotExist();
        assertThat(tmp.resolve("cgroup/cgroup.subtree_control")).hasContent("+memory");
        assertThat(tmp.resolve("cgroup/javisor/cgroup.subtree_control")).hasContent("+memory");
    }
}
