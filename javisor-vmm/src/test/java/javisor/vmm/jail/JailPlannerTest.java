package javisor.vmm.jail;

import java.nio.file.Path;
import java.util.List;
import java.util.Set;

import org.junit.jupiter.api.Test;

import javisor.vmm.jail.HostFacts.HostDevice;
import javisor.vmm.jail.JailOptions.CgroupLimit;
import javisor.vmm.jail.JailPlan.Entry;

import static org.assertj.core.api.Assertions.assertThat;

class JailPlannerTest {
    private static final HostFacts HOST = new HostFacts(Path.of("/src/javisor"), Path.of("/src/javisor/runtime"),
            List.of("-XX:+UseSerialGC", "--enable-native-access=javisor.sys"), Path.of("/usr/bin/setpriv"),
            List.of(Path.of("/lib/x86_64-linux-gnu/libc.so.6"), Path.of("/lib64/ld-linux-x86-64.so.2")),
            List.of(new HostDevice("/dev/kvm", 10, 232), new HostDevice("/dev/net/tun", 10, 200),
                    new HostDevice("/dev/null", 1, 3), new HostDevice("/dev/urandom", 1, 9)),
            Path.of("/sys/fs/cgroup"));

    private static JailPlan plan(String... args) {
        return JailPlanner.plan(JailArguments.parse(List.of(args)), HOST);
    }

    private static final JailPlan FIRECRACKER = plan("--id", "vm1", "--uid", "1234", "--gid", "1235",
            "--cgroup", "memory.max=512M", "--cgroup", "pids.max=64", "--cgroup", "cpu.max=50000 100000",
            "--file", "/images/uart.elf", "--file", "/etc/vm.json:/config/vm.json",
            "--", "firecracker", "--api-sock", "/run/api.sock", "--config-file", "/config/vm.json");

    @Test
    void firecrackersFolderLayout() {
        assertThat(FIRECRACKER.folder()).isEqualTo(Path.of("/srv/jailer/firecracker/vm1"));
        assertThat(FIRECRACKER.root()).isEqualTo(Path.of("/srv/jailer/firecracker/vm1/root"));
        assertThat(FIRECRACKER.onHost("/run/api.sock")).isEqualTo(Path.of(
                "/srv/jailer/firecracker/vm1/root/run/api.sock"));
        assertThat(plan("--id", "x", "--uid", "1", "--gid", "1", "--chroot-base-dir", "/j", "--", "run").root())
                .isEqualTo(Path.of("/j/javisor/x/root"));
    }

    @Test
    void theJailHoldsTheRuntimeTheJarsTheLibrariesTheFilesAndNothingElseReadOnly() {
        assertThat(FIRECRACKER.binds()).containsExactly(
                new Entry.ReadOnlyBind(Path.of("/src/javisor/runtime"), "/javisor/runtime", true),
                new Entry.ReadOnlyBind(Path.of("/src/javisor/javisor-api/target/lib"), "/javisor/lib", true),
                new Entry.ReadOnlyBind(Path.of("/usr/bin/setpriv"), "/javisor/bin/setpriv", false),
                new Entry.ReadOnlyBind(Path.of("/lib/x86_64-linux-gnu/libc.so.6"), "/lib/x86_64-linux-gnu/libc.so.6",
                        false),
                new Entry.ReadOnlyBind(Path.of("/lib64/ld-linux-x86-64.so.2"), "/lib64/ld-linux-x86-64.so.2", false),
                new Entry.ReadOnlyBind(Path.of("/images/uart.elf"), "/uart.elf", false),
                new Entry.ReadOnlyBind(Path.of("/etc/vm.json"), "/config/vm.json", false));
        assertThat(plan("--id", "x", "--uid", "1", "--gid", "1", "--", "run").binds().get(1).host())
                .isEqualTo(Path.of("/src/javisor/javisor-vmm/target/lib"));
    }

    @Test
    void foldersComeBeforeWhatIsInThemAndOnlyRunIsTheVmmsToWrite() {
        List<Entry> entries = FIRECRACKER.entries();
        for (int i = 0; i < entries.size(); i++) {
            Path parent = Path.of(entries.get(i).inJail()).getParent();
            if (parent != null && parent.getParent() != null) {
                assertThat(entries.subList(0, i)).as(entries.get(i).inJail())
                        .anyMatch(e -> e instanceof Entry.Folder && e.inJail().equals(parent.toString()));
            }
        }
        assertThat(entries).filteredOn(Entry.Folder.class::isInstance).map(Entry.Folder.class::cast)
                .filteredOn(Entry.Folder::vmmOwned).extracting(Entry::inJail).containsExactly("/run");
        assertThat(entries).contains(new Entry.Folder("/tmp", 01777, false), new Entry.Folder("/config", 0755,
                false), new Entry.Folder("/lib/x86_64-linux-gnu", 0755, false));
    }

    @Test
    void kvmAndTunAreTheVmmsOtherDevicesAreEveryonesAndNoOthersExist() {
        assertThat(FIRECRACKER.entries()).filteredOn(Entry.Device.class::isInstance).containsExactly(
                new Entry.Device("/dev/kvm", 10, 232, 0660, true),
                new Entry.Device("/dev/net/tun", 10, 200, 0660, true),
                new Entry.Device("/dev/null", 1, 3, 0666, false),
                new Entry.Device("/dev/urandom", 1, 9, 0666, false));
    }

    @Test
    void theCgroupIsTheIdUnderTheParentWithItsControllersAndLimitsInOrder() {
        assertThat(FIRECRACKER.cgroup().dir()).isEqualTo(Path.of("/sys/fs/cgroup/javisor/vm1"));
        assertThat(FIRECRACKER.cgroup().controllers()).isEqualTo(Set.of("memory", "pids", "cpu"));
        assertThat(FIRECRACKER.cgroup().limits()).containsExactly(new CgroupLimit("memory.max", "512M"),
                new CgroupLimit("pids.max", "64"), new CgroupLimit("cpu.max", "50000 100000"));
    }

    @Test
    void theVmmRunsOnTheJailsRuntimeWithItsHeapSizedToMemoryMax() {
        assertThat(FIRECRACKER.command()).containsExactly("/javisor/runtime/bin/java", "-XX:+UseSerialGC",
                "--enable-native-access=javisor.sys", "-XX:-UsePerfData", "-XX:MaxRAM=512m",
                "-Djava.io.tmpdir=/tmp", "-p", "/javisor/lib", "-m",
                "javisor.api/javisor.api.firecracker.FirecrackerMain", "--api-sock", "/run/api.sock",
                "--config-file", "/config/vm.json");
        assertThat(plan("--id", "x", "--uid", "1", "--gid", "1", "--cgroup", "memory.max=max", "--", "run",
                "--kernel", "/k").command()).doesNotContain("-XX:MaxRAM=max")
                .endsWith("-m", "javisor.vmm/javisor.vmm.Main", "run", "--kernel", "/k");
    }

    @Test
    void theEntryCommandDropsNothingAndJoinsTheNamespaceAsked() {
        List<String> command = JailProcess.command(FIRECRACKER, "SCRIPT");
        assertThat(command).startsWith("setpriv", "--pdeathsig", "KILL", "--", "unshare", "--mount", "--uts",
                "--ipc", "--pid", "--net", "--fork", "--kill-child", "--propagation", "private", "--", "bash",
                "-c", "SCRIPT", "enter-jail", "/srv/jailer/firecracker/vm1/root",
                "/sys/fs/cgroup/javisor/vm1/cgroup.procs", "vm1", "1234", "1235", "/src/javisor/runtime",
                "/javisor/runtime");
        int dashes = command.lastIndexOf("--");
        assertThat(command.subList(dashes + 1, command.size())).isEqualTo(FIRECRACKER.command());
        // Every bind's two paths, in order, between the user ids and the VMM.
        assertThat(command.subList(command.indexOf("1235") + 1, dashes)).hasSize(2 * FIRECRACKER.binds().size());

        List<String> joined = JailProcess.command(plan("--id", "x", "--uid", "1", "--gid", "1", "--netns",
                "/var/run/netns/vm", "--", "run"), "S");
        assertThat(joined).startsWith("setpriv", "--pdeathsig", "KILL", "--", "nsenter", "--net=/var/run/netns/vm",
                "--", "unshare", "--mount", "--uts", "--ipc", "--pid", "--fork");
        assertThat(JailProcess.command(plan("--id", "x", "--uid", "1", "--gid", "1", "--host-network", "--",
                "run"), "S")).doesNotContain("--net", "nsenter");
    }

    @Test
    void theEntryScriptIsInTheJar() {
        assertThat(JailProcess.enterScript()).contains("pivot_root . .old-root").contains("--no-new-privs");
    }
}
