package javisor.vmm.jail;

import java.nio.file.Path;
import java.util.List;
import java.util.Set;

import javisor.vmm.jail.JailOptions.CgroupLimit;
import javisor.vmm.jail.JailOptions.Network;

/**
 * Everything one jail is, decided before anything on the host changes: {@link JailPlanner} makes it (no side
 * effects, so tests check it), {@link JailBuilder} lays it out on the host and {@link JailProcess} enters it.
 *
 * @param id        the jail's name (also the host name the VMM sees)
 * @param uid       the VMM's user
 * @param gid       the VMM's group
 * @param folder    {@code <chroot-base>/<exec-name>/<id>}: the jailer makes it and removes it at the end
 * @param root      {@code folder/root}: the VMM's whole file system after pivot_root
 * @param entries   what {@code root} holds, in the order it is made
 * @param cgroup    the jail's cgroup v2 group
 * @param network   the VMM's network namespace
 * @param command   the VMM's command line, with paths inside the jail
 */
public record JailPlan(String id, int uid, int gid, Path folder, Path root, List<Entry> entries,
                       CgroupPlan cgroup, Network network, List<String> command) {
    public JailPlan {
        entries = List.copyOf(entries);
        command = List.copyOf(command);
    }

    /** One thing in the jail's root; {@code inJail} is absolute, as the VMM sees it. */
    public sealed interface Entry {
        String inJail();

        /** A folder made in the jail; {@code vmmOwned}: owned by the VMM's user (else root's). */
        record Folder(String inJail, int mode, boolean vmmOwned) implements Entry {
        }

        /** A host file or folder bind-mounted read-only (nosuid, nodev) at {@code inJail} inside the jail. */
        record ReadOnlyBind(Path host, String inJail, boolean folder) implements Entry {
        }

        /** A character device node (a copy of the host's {@code /dev} entry); {@code vmmOwned} as for Folder. */
        record Device(String inJail, int major, int minor, int mode, boolean vmmOwned) implements Entry {
        }
    }

    /** The jail's cgroup: {@code dir} is made, {@code controllers} enabled above it, then {@code limits} written. */
    public record CgroupPlan(Path root, Path dir, Set<String> controllers, List<CgroupLimit> limits) {
        public CgroupPlan {
            controllers = Set.copyOf(controllers);
            limits = List.copyOf(limits);
        }
    }

    /** The read-only binds, which the entry step mounts inside the jail's mount namespace. */
    public List<Entry.ReadOnlyBind> binds() {
        return entries.stream().filter(Entry.ReadOnlyBind.class::isInstance).map(Entry.ReadOnlyBind.class::cast)
                .toList();
    }

    /** {@code inJail} as a path on the host, under {@link #root}. */
    public Path onHost(String inJail) {
        return root.resolve(inJail.substring(1));
    }
}
