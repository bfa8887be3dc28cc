package javisor.vmm.jail;

import java.nio.file.Path;

import org.junit.jupiter.api.Test;

import static org.assertj.core.api.Assertions.assertThat;

class HostProbeTest {
    @Test
    void theEffectiveUidIsUidsSecondField() {
        assertThat(HostProbe.effectiveUid("Name:\tjava\nUid:\t1000\t0\t0\t0\nGid:\t0\t0\t0\t0\n")).isZero();
        assertThat(HostProbe.effectiveUid("Uid:\t0\t1000\t1000\t1000\n")).isEqualTo(1000);
        assertThat(HostProbe.effectiveUid("Name:\tjava\n")).isEqualTo(-1);
    }

    @Test
    void cgroup2IsFoundByItsFileSystemTypeNotItsPath() {
        String v1Only = """
                25 30 0:23 / /sys rw,nosuid,nodev,noexec,relatime shared:7 - sysfs sysfs rw
                31 25 0:26 / /sys/fs/cgroup ro,nosuid,nodev,noexec shared:9 - tmpfs tmpfs ro,mode=755
                33 31 0:28 / /sys/fs/cgroup/memory rw,nosuid shared:11 - cgroup cgroup rw,memory
                """;
        assertThat(HostProbe.cgroup2Mount(v1Only)).isEmpty();
        assertThat(HostProbe.cgroup2Mount(v1Only + "40 31 0:37 / /sys/fs/cgroup/unified rw,relatime shared:12 -"
                + " cgroup2 cgroup2 rw\n")).contains(Path.of("/sys/fs/cgroup/unified"));
        assertThat(HostProbe.cgroup2Mount("60 1 0:40 / /sys/fs/cgroup rw,relatime - cgroup2 none rw\n"))
                .contains(Path.of("/sys/fs/cgroup"));
    }
}
