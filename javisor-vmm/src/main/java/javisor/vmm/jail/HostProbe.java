package javisor.vmm.jail;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;

import javisor.vmm.jail.HostFacts.HostDevice;
import javisor.vmm.jail.JailOptions.JailFile;
import javisor.vmm.jail.JailOptions.Network;

/**
 * Checks the host against the options and finds the {@link HostFacts}: each problem is a {@link JailException}
 * that names what is missing. Reads files and runs {@code ldd}; changes nothing.
 */
public final class HostProbe {
    private HostProbe() {
    }

    public static HostFacts probe(JailOptions options, Path tree, Path runtime, List<String> jvmFlags)
            throws JailException {
        if (effectiveUid(read(Path.of("/proc/self/status"))) != 0) {
            throw JailException.host("must run as root (it mounts, makes device nodes and cgroups, and changes"
                    + " user)");
        }
        Path cgroupRoot = cgroup2Mount(read(Path.of("/proc/self/mountinfo"))).orElseThrow(() -> JailException.host(
                "cgroup v2 is not mounted (no cgroup2 file system in /proc/self/mountinfo; this host may have only"
                        + " cgroup v1): mount it with 'mount -t cgroup2 none /sys/fs/cgroup'"));
        checkControllers(options, cgroupRoot);
        if (!Files.isDirectory(options.chrootBase())) {
            throw JailException.usage("--chroot-base-dir " + options.chrootBase() + ": no such folder");
        }
        for (JailFile file : options.files()) {
            if (!Files.exists(file.host())) {
                throw JailException.usage("--file " + file.host() + ": no such file");
            }
            if (!Files.isReadable(file.host())) {
                throw JailException.usage("--file " + file.host() + ": not readable");
            }
        }
        if (options.network() instanceof Network.Join(Path namespace) && !Files.exists(namespace)) {
            throw JailException.usage("--netns " + namespace + ": no such network namespace (file)");
        }
        Path lib = tree.resolve(options.vmm().mode().libFolder);
        if (!Files.isDirectory(lib)) {
            throw JailException.host(lib + ": no such folder (build Javisor: ./mvnw install -DskipTests)");
        }
        Path java = runtime.resolve("bin/java");
        if (!Files.isExecutable(java)) {
            throw JailException.host(java + ": no such executable (the runtime the VMM would run on)");
        }
        Path setpriv = onPath("setpriv").orElseThrow(() -> JailException.host(
                "setpriv (util-linux) is not on PATH; the jail needs it to drop to --uid/--gid"));
        for (String tool : List.of("unshare", "mount", "umount", "pivot_root", "ldd", "mknod")) {
            onPath(tool).orElseThrow(() -> JailException.host(tool + " is not on PATH (util-linux, coreutils and"
                    + " libc-bin provide what the jailer runs)"));
        }
        if (options.network() instanceof Network.Join) {
            onPath("nsenter").orElseThrow(() -> JailException.host("nsenter (util-linux) is not on PATH; --netns"
                    + " needs it"));
        }
        List<Path> elfs = new ArrayList<>(List.of(java, setpriv));
        try (Stream<Path> files = Files.walk(runtime.resolve("lib"))) {
            files.filter(f -> f.getFileName().toString().endsWith(".so")).sorted().forEach(elfs::add);
        } catch (IOException e) {
            throw JailException.host("cannot list " + runtime.resolve("lib") + ": " + e.getMessage());
        }
        SharedLibraries.Report report = SharedLibraries.parse(ldd(elfs));
        Set<String> inRuntime = new HashSet<>();
        try (Stream<Path> files = Files.walk(runtime)) {
            files.forEach(f -> inRuntime.add(f.getFileName().toString()));
        } catch (IOException e) {
            throw JailException.host("cannot list " + runtime + ": " + e.getMessage());
        }
        for (String name : report.notFound()) {
            if (!inRuntime.contains(name)) {
                throw JailException.host("ldd: " + name + ", which the VMM's runtime needs, is missing on this host");
            }
        }
        List<Path> libraries = SharedLibraries.outside(runtime, report.found());
        List<HostDevice> devices = new ArrayList<>();
        for (String path : Stream.concat(JailPlanner.VMM_DEVICES.stream(), JailPlanner.COMMON_DEVICES.stream())
                .toList()) {
            device(path).ifPresent(devices::add);
        }
        if (devices.stream().noneMatch(d -> d.path().equals("/dev/kvm"))) {
            throw JailException.host("/dev/kvm: no such device (KVM is not available on this host)");
        }
        return new HostFacts(tree, runtime, jvmFlags, setpriv, libraries, devices, cgroupRoot);
    }

    /** The effective uid from {@code /proc/self/status}'s Uid line (real, effective, saved, fs). */
    static int effectiveUid(String status) {
        return status.lines().filter(l -> l.startsWith("Uid:")).findFirst()
                .map(l -> Integer.parseInt(l.substring(4).trim().split("\\s+")[1])).orElse(-1);
    }

    /** Where a cgroup2 file system is mounted, from {@code /proc/self/mountinfo} (the first one). */
    static Optional<Path> cgroup2Mount(String mountinfo) {
        return mountinfo.lines().map(l -> l.split(" ")).filter(f -> {
            // Fields: id parent major:minor root mountpoint options [optional...] - fstype source superoptions
            for (int i = 6; i < f.length - 1; i++) {
                if (f[i].equals("-")) {
                    return f[i + 1].equals("cgroup2");
                }
            }
            return false;
        }).findFirst().map(f -> Path.of(f[4].replace("\\040", " ")));
    }

    private static void checkControllers(JailOptions options, Path cgroupRoot) throws JailException {
        Set<String> wanted = new LinkedHashSet<>();
        options.limits().forEach(l -> wanted.add(l.controller()));
        if (wanted.isEmpty()) {
            return;
        }
        Set<String> available = Set.of(read(cgroupRoot.resolve("cgroup.controllers")).trim().split("\\s+"));
        for (String controller : wanted) {
            if (!available.contains(controller)) {
                throw JailException.host("--cgroup: the " + controller + " controller is not available in "
                        + cgroupRoot + " (cgroup.controllers: " + available + "; is it bound to a cgroup v1"
                        + " hierarchy?)");
            }
        }
    }

    private static Optional<HostDevice> device(String path) throws JailException {
        Path p = Path.of(path);
        if (!Files.exists(p)) {
            return Optional.empty();
        }
        try {
            long rdev = ((Number) Files.getAttribute(p, "unix:rdev")).longValue();
            // glibc's encoding of dev_t (major bits 8-19 and 32-43, minor bits 0-7 and 20-31).
            int major = (int) (((rdev >>> 8) & 0xfff) | ((rdev >>> 32) & ~0xfffL));
            int minor = (int) ((rdev & 0xff) | ((rdev >>> 12) & ~0xffL));
            return Optional.of(new HostDevice(path, major, minor));
        } catch (IOException e) {
            throw JailException.host(path + ": " + e.getMessage());
        }
    }

    private static String ldd(List<Path> elfs) throws JailException {
        List<String> command = new ArrayList<>(List.of("ldd"));
        elfs.forEach(e -> command.add(e.toString()));
        try {
            Process p = new ProcessBuilder(command).redirectErrorStream(true).start();
            String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
            if (!p.waitFor(60, TimeUnit.SECONDS) || p.exitValue() != 0) {
                throw JailException.host("ldd failed on the runtime's libraries:\n" + out);
            }
            return out;
        } catch (IOException e) {
            throw JailException.host("cannot run ldd: " + e.getMessage());
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw JailException.host("interrupted while running ldd");
        }
    }

    static Optional<Path> onPath(String tool) {
        String path = System.getenv().getOrDefault("PATH", "/usr/sbin:/usr/bin:/sbin:/bin");
        return Stream.of(path.split(":")).filter(d -> !d.isEmpty()).map(d -> Path.of(d, tool))
                .filter(Files::isExecutable).findFirst();
    }

    private static String read(Path file) throws JailException {
        try {
            return Files.readString(file);
        } catch (IOException e) {
            throw JailException.host("cannot read " + file + ": " + e.getMessage());
        }
    }
}
