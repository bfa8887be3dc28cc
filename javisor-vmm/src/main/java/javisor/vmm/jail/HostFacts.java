package javisor.vmm.jail;

import java.nio.file.Path;
import java.util.List;

/**
 * What the planner needs to know about the host, found by {@link HostProbe} (or made up by a test).
 *
 * @param tree        Javisor's working tree (where the jars are: {@code javisor-api/target/lib} and so on)
 * @param runtime     the Java runtime the VMM runs on (the launcher's jlinked image)
 * @param jvmFlags    the launcher's JVM flags for the VMM
 * @param setpriv     util-linux's setpriv on the host
 * @param libraries   the C libraries the runtime's executables and libraries, and setpriv, load (ldd's list)
 * @param devices     the host's device nodes the jail copies, those that exist
 * @param cgroupRoot  where cgroup v2 is mounted
 */
public record HostFacts(Path tree, Path runtime, List<String> jvmFlags, Path setpriv, List<Path> libraries,
                        List<HostDevice> devices, Path cgroupRoot) {
    public HostFacts {
        jvmFlags = List.copyOf(jvmFlags);
        libraries = List.copyOf(libraries);
        devices = List.copyOf(devices);
    }

    /** A host character device: its path (also its path in the jail) and numbers. */
    public record HostDevice(String path, int major, int minor) {
    }
}
