package javisor.vmm.jail;

import java.nio.file.Path;
import java.util.List;

import org.junit.jupiter.api.Test;

import javisor.vmm.jail.JailOptions.CgroupLimit;
import javisor.vmm.jail.JailOptions.JailFile;
import javisor.vmm.jail.JailOptions.Mode;
import javisor.vmm.jail.JailOptions.Network;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

class JailArgumentsTest {
    private static JailOptions parse(String... args) {
        return JailArguments.parse(List.of(args));
    }

    private static void refused(String message, String... args) {
        assertThatThrownBy(() -> parse(args)).isInstanceOf(IllegalArgumentException.class).hasMessage(message);
    }

    @Test
    void aFullCommandLine() {
        JailOptions o = parse("--id", "vm-1", "--uid", "1234", "--gid", "1235", "--chroot-base-dir", "/var/jails/",
                "--parent-cgroup", "vms/javisor", "--netns", "/var/run/netns/vm1", "--cgroup", "memory.max=512M",
                "--cgroup", "cpu.max=50000 100000", "--cgroup", "pids.max=64", "--file", "/boot/vmlinux",
                "--file", "/etc/vm.json:/config/vm.json", "--", "firecracker", "--api-sock", "/run/api.sock",
                "--config-file", "/config/vm.json");
        assertThat(o.id()).isEqualTo("vm-1");
        assertThat(o.uid()).isEqualTo(1234);
        assertThat(o.gid()).isEqualTo(1235);
        assertThat(o.chrootBase()).isEqualTo(Path.of("/var/jails"));
        assertThat(o.parentCgroup()).isEqualTo("vms/javisor");
        assertThat(o.network()).isEqualTo(new Network.Join(Path.of("/var/run/netns/vm1")));
        assertThat(o.limits()).containsExactly(new CgroupLimit("memory.max", "512M"),
                new CgroupLimit("cpu.max", "50000 100000"), new CgroupLimit("pids.max", "64"));
        assertThat(o.limits().get(1).controller()).isEqualTo("cpu");
        assertThat(o.files()).containsExactly(new JailFile(Path.of("/boot/vmlinux"), "/vmlinux"),
                new JailFile(Path.of("/etc/vm.json"), "/config/vm.json"));
        assertThat(o.vmm().mode()).isEqualTo(Mode.FIRECRACKER);
        assertThat(o.vmm().args()).containsExactly("--api-sock", "/run/api.sock", "--config-file",
                "/config/vm.json");
    }

    @Test
    void defaultsAreANewEmptyNetworkNamespaceSrvJailerAndTheJavisorCgroup() {
        JailOptions o = parse("--id", "a", "--uid", "1", "--gid", "2", "--", "run", "--kernel", "/k.elf");
        assertThat(o.network()).isEqualTo(new Network.NewEmpty());
        assertThat(o.chrootBase()).isEqualTo(Path.of("/srv/jailer"));
        assertThat(o.parentCgroup()).isEqualTo("javisor");
        assertThat(o.limits()).isEmpty();
        assertThat(o.vmm().mode()).isEqualTo(Mode.RUN);
        assertThat(parse("--id", "a", "--uid", "1", "--gid", "2", "--host-network", "--", "run").network())
                .isEqualTo(new Network.Host());
    }

    @Test
    void helpIsNull() {
        assertThat(parse("--help")).isNull();
        assertThat(parse("--id", "a", "-h")).isNull();
    }

    @Test
    void theRequiredOptions() {
        refused("--id is required", "--uid", "1", "--gid", "1", "--", "firecracker");
        refused("--uid is required: the VMM runs as an unprivileged user", "--id", "a", "--gid", "1", "--",
                "firecracker");
        refused("--gid is required: the VMM runs as an unprivileged user", "--id", "a", "--uid", "1", "--",
                "firecracker");
        String noVmm = "no VMM to start: end with -- firecracker ARGS, -- run ARGS or -- shell ARGS";
        refused(noVmm, "--id", "a", "--uid", "1", "--gid", "1");
        refused(noVmm, "--id", "a", "--uid", "1", "--gid", "1", "--");
        refused("after --: expected firecracker, run or shell (the VMM to start), got 'qemu'", "--id", "a",
                "--uid", "1", "--gid", "1", "--", "qemu");
    }

    @Test
    void badUidsAndGids() {
        refused("--uid 0 is root's: the VMM must run unprivileged", "--id", "a", "--uid", "0", "--gid", "1");
        refused("--gid 0 is root's: the VMM must run unprivileged", "--id", "a", "--uid", "1", "--gid", "0");
        refused("--uid 'nobody': expected a number (names are not looked up: the jail has no /etc/passwd)",
                "--uid", "nobody");
        refused("--uid -5: out of range (1 to 4294967294)", "--uid", "-5");
        refused("--gid 4294967295: out of range (1 to 4294967294)", "--gid", "4294967295");
    }

    @Test
    void badIdsPathsAndValues() {
        refused("--id '../etc': use 1 to 64 letters, digits and '-' (it names a folder and a cgroup)", "--id",
                "../etc");
        refused("--id '" + "x".repeat(65) + "': use 1 to 64 letters, digits and '-' (it names a folder and a"
                + " cgroup)", "--id", "x".repeat(65));
        refused("--chroot-base-dir jails: expected an absolute path", "--chroot-base-dir", "jails");
        refused("--netns vm1: expected an absolute path", "--netns", "vm1");
        refused("--netns and --host-network: choose one, once", "--host-network", "--netns", "/x");
        refused("--parent-cgroup '../x': expected a relative cgroup path of letters, digits, '_' and '-' (such as"
                + " javisor or vms/javisor)", "--parent-cgroup", "../x");
        refused("option --uid needs a value", "--id", "a", "--uid");
        refused("option --id needs a value", "--id", "--", "run");
        refused("unknown option --daemonize", "--daemonize");
        refused("unexpected argument 'firecracker': the VMM's command line goes after --", "firecracker");
    }

    @Test
    void badCgroupSettings() {
        refused("--cgroup memory.max: expected FILE=VALUE, such as memory.max=512M", "--cgroup", "memory.max");
        refused("--cgroup cgroup.procs=1: 'cgroup.procs' is not a file of the memory, cpu, pids, cpuset or io"
                + " controller (such as memory.max, cpu.max, pids.max)", "--cgroup", "cgroup.procs=1");
        refused("--cgroup ../../x.max=1: '../../x.max' is not a file of the memory, cpu, pids, cpuset or io"
                + " controller (such as memory.max, cpu.max, pids.max)", "--cgroup", "../../x.max=1");
        refused("--cgroup pids.max=: expected one line of value after '='", "--cgroup", "pids.max=");
    }

    @Test
    void filesMayNotTakeTheJailersPaths() {
        refused("--file /x/k:/dev/kvm: /dev in the jail is the jailer's (choose another path, such as /k)",
                "--file", "/x/k:/dev/kvm");
        refused("--file /x/javisor: /javisor in the jail is the jailer's (choose another path, such as /javisor)",
                "--file", "/x/javisor");
        refused("--file /x/k:/: the jail's root itself cannot be a --file", "--file", "/x/k:/");
        assertThat(parse("--id", "a", "--uid", "1", "--gid", "1", "--file", "/a:b/k:/guest/k", "--", "run")
                .files()).containsExactly(new JailFile(Path.of("/a:b/k"), "/guest/k"));
    }
}
