package javisor.vmm.jail;

import java.nio.file.Path;
import java.util.List;

/**
 * {@code javisor jail}'s command line, checked for form (not yet against the host: {@link HostFacts} does that).
 *
 * @param id            the jail's name: the per-VM folder, the cgroup and the jail's host name
 * @param uid           the unprivileged user the VMM runs as (never 0)
 * @param gid           its group (never 0)
 * @param chrootBase    the folder under which {@code <exec-name>/<id>/root} is made
 * @param parentCgroup  the cgroup v2 group under which the jail's own group {@code <id>} is made
 * @param network       which network namespace the VMM gets
 * @param limits        cgroup v2 files written before the VMM starts, in order
 * @param files         host files placed, read-only, into the jail
 * @param vmm           the VMM's command line: its mode word, then its arguments (paths inside the jail)
 */
public record JailOptions(String id, int uid, int gid, Path chrootBase, String parentCgroup, Network network,
                          List<CgroupLimit> limits, List<JailFile> files, VmmCommand vmm) {
    public JailOptions {
        limits = List.copyOf(limits);
        files = List.copyOf(files);
    }

    /** The VMM's network namespace. */
    public sealed interface Network {
        /** A new network namespace with only a loopback device, which is down: no route anywhere (the default). */
        record NewEmpty() implements Network {
        }

        /** An existing network namespace, such as one {@code ip netns add} made (a tap for the VM lives there). */
        record Join(Path namespace) implements Network {
        }

        /** The host's own network namespace: nothing isolated (as Firecracker's jailer without --netns). */
        record Host() implements Network {
        }
    }

    /** One cgroup v2 interface file and the value written to it, such as {@code memory.max=512M}. */
    public record CgroupLimit(String file, String value) {
        /** The controller the file belongs to ({@code memory} for {@code memory.max}). */
        public String controller() {
            return file.substring(0, file.indexOf('.'));
        }
    }

    /** A host file or folder bind-mounted read-only at {@code inJail} (an absolute path inside the jail). */
    public record JailFile(Path host, String inJail) {
    }

    /**
     * The VMM as the jail starts it: {@code firecracker ARGS} ({@code javisor firecracker}, as Firecracker's jailer
     * starts firecracker), {@code run ARGS} ({@code javisor run}) or {@code shell ARGS} ({@code javisor shell}).
     */
    public record VmmCommand(Mode mode, List<String> args) {
        public VmmCommand {
            args = List.copyOf(args);
        }
    }

    /** The VMMs a jail can start, with the module path and main class each needs. */
    public enum Mode {
        FIRECRACKER("firecracker", "firecracker", "javisor-api/target/lib",
                "javisor.api/javisor.api.firecracker.FirecrackerMain", false),
        RUN("run", "javisor", "javisor-vmm/target/lib", "javisor.vmm/javisor.vmm.Main", true),
        /** The shell's file commands (ls, cat) then show the jail as the VMM process sees it. */
        SHELL("shell", "javisor", "javisor-vmm/target/lib", "javisor.vmm/javisor.vmm.Main", true);

        /** The word on the command line. */
        public final String word;
        /** The {@code <exec-name>} in the jail's folder (Firecracker's layout). */
        public final String execName;
        /** The jars' folder, relative to the tree. */
        public final String libFolder;
        /** {@code module/class}, for {@code java -m}. */
        public final String mainClass;
        /** Whether the main class takes the word too ({@code javisor.vmm.Main run ...}). */
        public final boolean mainTakesWord;

        Mode(String word, String execName, String libFolder, String mainClass, boolean mainTakesWord) {
            this.word = word;
            this.execName = execName;
            this.libFolder = libFolder;
            this.mainClass = mainClass;
            this.mainTakesWord = mainTakesWord;
        }
    }
}
