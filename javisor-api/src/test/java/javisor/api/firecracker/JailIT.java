package javisor.api.firecracker;

import java.io.IOException;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import java.util.TreeSet;
import java.util.concurrent.TimeUnit;
import java.util.function.Predicate;
import java.util.stream.Stream;

import javisor.sys.kvm.Kvm;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import static org.assertj.core.api.Assertions.assertThat;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;

/**
 * {@code javisor jail} on real KVM (in the KVM box where the host has none; the box runs tests as root): a VM
 * started by a jailed {@code javisor firecracker} really runs and its API socket inside the jail answers, and the
 * VMM process is shown to be cut off from the host: another user, no capabilities, its own namespaces, a root
 * holding only the jail's files, a PID namespace with only itself, a network namespace with only a loopback
 * device that is down, and the cgroup's limits. A jailed {@code javisor shell} then reports the same from inside
 * the VMM process itself: its own {@code ls} and {@code cat} run in the JVM that is jailed.
 */
@Tag("kvm")
class JailIT {
    private static final Path ROOT = Path.of(System.getProperty("javisor.root", "..")).toAbsolutePath().normalize();
    private static final Path GUESTS = ROOT.resolve("guests/target/guests");
    /** Not the tree (shared with the host by 9p in the box, where device nodes cannot be made). */
    private static final Path BASE = Path.of("/srv/javisor-jail-it");
    /** A host file the VMM must not see. */
    private static final Path MARKER = Path.of("/srv/javisor-jail-it-marker");
    private static final int UID = 4321;
    private static final int GID = 4322;
    /** JVMs start about ten times slower in the box: bounds against hangs, not measures. */
    private static final long SLOW = System.getenv("JAVISOR_IN_BOX") != null ? 10 : 1;

    @TempDir
    Path tmp;
    private Process jailer;

    @BeforeAll
    static void requireKvmRootAndCgroup2() throws Exception {
        var cause = Kvm.unavailabilityCause();
        assertTrue(cause.isEmpty(), () -> "needs /dev/kvm: " + cause.orElse(""));
        assertThat(Files.readString(Path.of("/proc/self/status"))).as("the jailer needs root")
                .containsPattern("(?m)^Uid:\\s+0\\s");
        if (!Files.readString(Path.of("/proc/self/mountinfo")).contains(" - cgroup2 ")) {
            // The box's init mounts no cgroup file system, and its kernel is its own: cgroup v2 can go on the
            // usual place. A host with KVM but without cgroup v2 fails here, with the jailer's own message.
            assertThat(System.getenv("JAVISOR_IN_BOX")).as("cgroup v2 is not mounted on this host").isNotNull();
            assertThat(run(List.of("mount", "-t", "cgroup2", "none", "/sys/fs/cgroup")).status()).isZero();
        }
        Files.createDirectories(BASE);
        Files.writeString(MARKER, "a host file\n");
    }

    @AfterEach
    void stop() throws Exception {
        if (jailer != null && jailer.isAlive()) {
            jailer.destroy();
            if (!jailer.waitFor(60 * SLOW, TimeUnit.SECONDS)) {
                jailer.descendants().forEach(ProcessHandle::destroyForcibly);
                jailer.destroyForcibly().waitFor(30, TimeUnit.SECONDS);
            }
        }
    }

    private record Ran(int status, String out) {
    }

    private static Ran run(List<String> command) throws IOException, InterruptedException {
        Process p = new ProcessBuilder(command).redirectErrorStream(true).start();
        String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        assertThat(p.waitFor(60, TimeUnit.SECONDS)).as(String.join(" ", command)).isTrue();
        return new Ran(p.exitValue(), out);
    }

    private Process startJail(String id, List<String> vmm, Path in, Path out, Path err, String... files)
            throws IOException {
        List<String> command = new ArrayList<>(List.of(ROOT.resolve("javisor").toString(), "jail", "--id", id,
                "--uid", Integer.toString(UID), "--gid", Integer.toString(GID), "--chroot-base-dir", BASE.toString(),
                "--cgroup", "memory.max=512M", "--cgroup", "cpu.max=100000 100000", "--cgroup", "pids.max=200"));
        for (String file : files) {
            command.addAll(List.of("--file", file));
        }
        command.add("--");
        command.addAll(vmm);
        ProcessBuilder pb = new ProcessBuilder(command).directory(tmp.toFile())
                .redirectOutput(out.toFile()).redirectError(err.toFile());
        if (in != null) {
            pb.redirectInput(in.toFile());
        }
        pb.environment().put("JAVISOR_BOX", "never");
        return pb.start();
    }

    private void await(String what, Path log, Predicate<Void> done) throws Exception {
        long deadline = System.nanoTime() + Duration.ofSeconds(60 * SLOW).toNanos();
        while (!done.test(null)) {
            if (!jailer.isAlive() || System.nanoTime() > deadline) {
                fail(what + " did not happen (jailer " + (jailer.isAlive() ? "running" : "exited "
                        + jailer.exitValue()) + "); its output:\n" + Files.readString(log));
            }
            Thread.sleep(100);
        }
    }

    /** The jailed VMM: the jailer's only descendant without children (unshare's child, which became java). */
    private long vmmPid() {
        List<ProcessHandle> leaves = jailer.descendants().filter(h -> h.children().findAny().isEmpty()).toList();
        assertThat(leaves).as("the jail's processes").hasSize(1);
        return leaves.getFirst().pid();
    }

    @Test
    void aJailedFirecrackerRunsItsVmAndSeesNothingOfTheHost() throws Exception {
        String id = "jail-it";
        Path config = tmp.resolve("vm.json");
        Files.writeString(config, """
                {"boot-source": {"kernel_image_path": "/guest/uart_ticks.elf"},
                 "machine-config": {"vcpu_count": 1, "mem_size_mib": 16}}
                """);
        Path out = tmp.resolve("out");
        Path err = tmp.resolve("err");
        Path jailRoot = BASE.resolve("firecracker").resolve(id).resolve("root");
        Path socket = jailRoot.resolve("run/api.sock");
        jailer = startJail(id, List.of("firecracker", "--api-sock", "/run/api.sock", "--config-file",
                "/vm.json", "--id", id), null, out, err, GUESTS.resolve("uart_ticks.elf") + ":/guest/uart_ticks.elf",
                config.toString());

        // The guest ran: the config file's VM boots first, then the API socket appears inside the jail.
        await("the guest's ticks", err, x -> read(out).contains("tick 2"));
        await("the API socket in the jail", err, x -> Files.exists(socket));
        Ran api = run(List.of("curl", "-sS", "--unix-socket", socket.toString(), "http://localhost/"));
        assertThat(api.out()).contains("\"id\":\"" + id + "\"").contains("\"state\":\"Running\"");

        long vmm = vmmPid();
        Path proc = Path.of("/proc", Long.toString(vmm));
        String status = Files.readString(proc.resolve("status"));
        // Another user and group, no supplementary groups, no capabilities at all, no way to gain any by exec.
        assertThat(status).containsPattern("(?m)^Uid:\\s+4321\\s+4321\\s+4321\\s+4321$")
                .containsPattern("(?m)^Gid:\\s+4322\\s+4322\\s+4322\\s+4322$")
                .containsPattern("(?m)^Groups:\\s*$")
                .containsPattern("(?m)^CapEff:\\s+0+$").containsPattern("(?m)^CapPrm:\\s+0+$")
                .containsPattern("(?m)^CapBnd:\\s+0+$").containsPattern("(?m)^NoNewPrivs:\\s+1$")
                // PID 1 of its own PID namespace.
                .containsPattern("(?m)^NSpid:\\s+" + vmm + "\\s+1$");
        for (String ns : List.of("mnt", "pid", "ipc", "uts", "net")) {
            assertThat(Files.readSymbolicLink(proc.resolve("ns").resolve(ns))).as(ns + " namespace")
                    .isNotEqualTo(Files.readSymbolicLink(Path.of("/proc/self/ns").resolve(ns)));
        }

        // Its root is the jail: the jail's entries and nothing else; the host's files are not there.
        Path itsRoot = proc.resolve("root");
        assertThat(names(itsRoot)).containsAll(List.of("dev", "guest", "javisor", "proc", "run", "tmp", "vm.json"))
                .allMatch(Set.of("dev", "guest", "javisor", "lib", "lib64", "usr", "proc", "run", "tmp", "vm.json",
                        ".old-root")::contains);
        assertThat(itsRoot.resolve(MARKER.toString().substring(1))).doesNotExist();
        assertThat(itsRoot.resolve("etc")).doesNotExist();
        assertThat(itsRoot.resolve(ROOT.toString().substring(1))).doesNotExist();
        assertThat(names(itsRoot.resolve(".old-root"))).as("the host's root, detached").isEmpty();
        assertThat(names(itsRoot.resolve("dev"))).containsExactlyInAnyOrder("kvm", "net", "null", "zero", "random",
                "urandom");
        // Its mount table: only the jail's mounts (the root, the read-only binds, its /proc).
        String mounts = Files.readString(proc.resolve("mountinfo"));
        assertThat(mounts.lines()).allMatch(l -> l.split(" ")[4].equals("/") || l.contains(" ro,")
                || l.split(" ")[4].equals("/proc"));
        // Its PID namespace holds only itself.
        assertThat(names(itsRoot.resolve("proc")).stream().filter(n -> n.matches("\\d+")).toList())
                .containsExactly("1");
        // Its network namespace: only lo, and lo is down, so even the host's loopback services are out of reach.
        assertThat(Files.readString(proc.resolve("net/dev")).lines().skip(2).map(l -> l.strip().split(":")[0]))
                .containsExactly("lo");
        try (ServerSocket hostService = new ServerSocket(0, 1, InetAddress.getLoopbackAddress())) {
            Ran link = run(List.of("nsenter", "-t", Long.toString(vmm), "-n", "ip", "-o", "link"));
            assertThat(link.out()).contains("lo:").doesNotContain("UP");
            Ran connect = run(List.of("nsenter", "-t", Long.toString(vmm), "-n", "bash", "-c",
                    "exec 3<>/dev/tcp/127.0.0.1/" + hostService.getLocalPort()));
            assertThat(connect.status()).as("a connection to the host's loopback").isNotZero();
        }
        // Its cgroup and the limits.
        assertThat(Files.readString(proc.resolve("cgroup"))).isEqualTo("0::/javisor/" + id + "\n");
        Path cgroup = cgroupRoot().resolve("javisor").resolve(id);
        assertThat(Files.readString(cgroup.resolve("memory.max")).strip()).isEqualTo("536870912");
        assertThat(Files.readString(cgroup.resolve("cpu.max")).strip()).isEqualTo("100000 100000");
        assertThat(Files.readString(cgroup.resolve("pids.max")).strip()).isEqualTo("200");
        List<String> members = Files.readString(cgroup.resolve("cgroup.procs")).lines().toList();
        for (String member : members) {
            Path p = Path.of("/proc", member);
            System.out.printf("in the jail's cgroup: %s %s, pid namespace %s (the VMM's: %s), PPid %s%n", member,
                    read(p.resolve("cmdline")).replace('\0', ' '), link(p.resolve("ns/pid")),
                    link(proc.resolve("ns/pid")), read(p.resolve("status")).lines()
                            .filter(l -> l.startsWith("PPid") || l.startsWith("NSpid")).toList());
        }
        assertThat(members).contains(Long.toString(vmm));
        System.out.printf("jailed VMM %d: memory.current %s, pids.current %s (threads), cpu.stat %s%n", vmm,
                Files.readString(cgroup.resolve("memory.current")).strip(),
                Files.readString(cgroup.resolve("pids.current")).strip(),
                Files.readString(cgroup.resolve("cpu.stat")).lines().findFirst().orElse(""));

        // SIGTERM to the jailer stops the VMM; the jailer then removes the jail's folder and cgroup.
        jailer.destroy();
        assertThat(jailer.waitFor(60 * SLOW, TimeUnit.SECONDS)).isTrue();
        System.out.println("the jailer's standard error:\n" + read(err));
        assertThat(jailer.exitValue()).as("the VMM's status, passed on: 143 after SIGTERM, as Firecracker")
                .isEqualTo(143);
        assertThat(ProcessHandle.of(vmm)).isEmpty();
        assertThat(BASE.resolve("firecracker").resolve(id)).doesNotExist();
        assertThat(cgroup).doesNotExist();
    }

    @Test
    void aJailedShellReportsTheJailFromInsideTheVmmProcess() throws Exception {
        Path toml = tmp.resolve("vm.toml");
        Files.writeString(toml, """
                [base]
                id = 1
                name = "ticks"
                vm_type = 1
                cpu_num = 1

                [kernel]
                entry_point = 0x10_0000
                kernel_path = "/uart_ticks.elf"
                kernel_load_addr = 0x10_0000
                memory_regions = [[0x0, 0x40_0000, 0x7, 0]]

                [devices]
                emu_devices = []
                passthrough_devices = []
                interrupt_mode = "emu"
                """);
        Path commands = tmp.resolve("commands");
        Files.writeString(commands, String.join("\n", "ls -a /", "ls /dev", "cat /proc/self/status", "ls /proc",
                "cat /proc/net/dev", "cat /proc/self/cgroup", "cat " + MARKER, "ls " + ROOT, "vm list", "exit", ""));
        Path out = tmp.resolve("out");
        Path err = tmp.resolve("err");
        jailer = startJail("jail-shell-it", List.of("shell", "/vm.toml"), commands, out, err,
                GUESTS.resolve("uart_ticks.elf").toString(), toml.toString());
        assertThat(jailer.waitFor(120 * SLOW, TimeUnit.SECONDS)).as(read(err)).isTrue();
        System.out.println("the jailer's status " + jailer.exitValue());
        String said = read(out);
        String errors = read(err);
        System.out.println("The jailed shell's answers:\n" + said + errors);
        // What the VMM process itself sees: / is the jail.
        assertThat(said).contains(".old-root\n").contains("javisor\n").contains("uart_ticks.elf\n")
                .contains("vm.toml\n").doesNotContain("etc\n").doesNotContain("srv\n").doesNotContain("work\n");
        assertThat(said).contains("kvm\n").contains("urandom\n");
        assertThat(said).containsPattern("(?m)^Uid:\\s+4321\\s+4321\\s+4321\\s+4321$")
                .containsPattern("(?m)^CapEff:\\s+0+$").containsPattern("(?m)^NoNewPrivs:\\s+1$")
                // Its own /proc knows only its own PID namespace, where it is 1.
                .containsPattern("(?m)^NSpid:\\s+1$");
        assertThat(said).contains("0::/javisor/jail-shell-it");
        assertThat(said).containsPattern("(?m)^\\s*lo:");
        assertThat(said).containsPattern("ticks\\s+running");
        // The host's files are not there for it.
        assertThat(said + errors).contains(MARKER.toString()).contains(ROOT.toString());
        assertThat(said).doesNotContain("a host file");
        assertThat(BASE.resolve("javisor").resolve("jail-shell-it")).doesNotExist();
        assertThat(cgroupRoot().resolve("javisor/jail-shell-it")).doesNotExist();
        assertThat(errors).doesNotContain("could not remove");
    }

    private static String link(Path p) {
        try {
            return Files.readSymbolicLink(p).toString();
        } catch (IOException e) {
            return e.toString();
        }
    }

    private static Path cgroupRoot() throws IOException {
        return Files.readString(Path.of("/proc/self/mountinfo")).lines().filter(l -> l.contains(" - cgroup2 "))
                .map(l -> Path.of(l.split(" ")[4])).findFirst().orElseThrow();
    }

    private static Set<String> names(Path dir) throws IOException {
        try (Stream<Path> entries = Files.list(dir)) {
            return new TreeSet<>(entries.map(p -> p.getFileName().toString()).toList());
        }
    }

    private static String read(Path file) {
        try {
            return Files.exists(file) ? Files.readString(file) : "";
        } catch (IOException e) {
            return e.toString();
        }
    }
}
