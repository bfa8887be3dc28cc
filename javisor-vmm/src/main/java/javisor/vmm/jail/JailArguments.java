package javisor.vmm.jail;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.regex.Pattern;

import javisor.vmm.jail.JailOptions.CgroupLimit;
import javisor.vmm.jail.JailOptions.JailFile;
import javisor.vmm.jail.JailOptions.Mode;
import javisor.vmm.jail.JailOptions.Network;
import javisor.vmm.jail.JailOptions.VmmCommand;

/**
 * Parses {@code javisor jail}'s arguments into {@link JailOptions}. Only the form is checked here (so this is
 * testable anywhere); whether the files, the user and cgroup v2 exist is {@link HostFacts}'s question.
 */
public final class JailArguments {
    static final String USAGE = """
            Usage: javisor jail --id ID --uid UID --gid GID [--chroot-base-dir DIR] [--parent-cgroup NAME]
                                [--netns PATH | --host-network] [--cgroup FILE=VALUE]...
                                [--file HOST_PATH[:PATH_IN_JAIL]]... -- firecracker|run|shell VMM_ARGS...

            Firecracker's jailer for Javisor: starts the VMM (javisor firecracker, run or shell) as user UID:GID
            in new mount, PID, IPC, UTS and network namespaces, with DIR/<firecracker|javisor>/ID/root as its
            whole file system (pivot_root), in the cgroup v2 group NAME/ID. The jail holds only what the VMM needs:
            the Java runtime and Javisor's jars, the C libraries they load, /dev/kvm, /dev/net/tun, /dev/null,
            /dev/zero, /dev/random and /dev/urandom, a /proc of its own, a /run and /tmp the VMM may write, and
            the --file entries. Needs root and cgroup v2. docs/security.md ("The jail") says what is isolated.

              --id ID                the jail's name: letters, digits and '-', at most 64 (the folder, the cgroup,
                                     the host name the VMM sees)
              --uid UID, --gid GID   the unprivileged user and group the VMM runs as (not 0)
              --chroot-base-dir DIR  where the jail's folder is made (default /srv/jailer); must exist
              --parent-cgroup NAME   the cgroup the jail's group goes under (default javisor)
              --netns PATH           join this network namespace (e.g. /var/run/netns/vm1, where the VM's tap is)
              --host-network         stay in the host's network namespace (default: a new, empty one)
              --cgroup FILE=VALUE    write VALUE to the jail's cgroup FILE, e.g. memory.max=512M,
                                     cpu.max="50000 100000", pids.max=64 (controllers: memory, cpu, pids,
                                     cpuset, io); repeatable. A memory.max also sizes the VMM's Java heap.
              --file HOST[:IN_JAIL]  bind HOST (a file or folder) read-only into the jail at IN_JAIL (an absolute
                                     path; default /NAME); repeatable: the kernel, initrd, config file
              -- firecracker ARGS    the VMM: javisor firecracker ARGS (paths are the jail's: --api-sock
                                     /run/api.sock is ROOT/run/api.sock on the host), or
              -- run ARGS            javisor run ARGS (DIR/javisor/ID/root), or
              -- shell ARGS          javisor shell ARGS (its ls and cat show the jail as the VMM sees it)

            The jailer stays outside the jail, waits for the VMM, passes SIGTERM and SIGINT on to it, and exits
            with its status (2: bad arguments, 6: the host cannot make the jail); then it removes the jail's
            folder and cgroup.
            """;

    static final Path DEFAULT_CHROOT_BASE = Path.of("/srv/jailer");
    static final String DEFAULT_PARENT_CGROUP = "javisor";
    /** Firecracker's rule for an id: it names a folder and a cgroup, so no '/', '.', or spaces. */
    private static final Pattern ID = Pattern.compile("[A-Za-z0-9-]{1,64}");
    private static final Pattern CGROUP_NAME = Pattern.compile("[A-Za-z0-9_-]+(/[A-Za-z0-9_-]+)*");
    private static final Pattern CGROUP_FILE = Pattern.compile("(memory|cpu|pids|cpuset|io)\\.[a-z0-9_.]+");

    private JailArguments() {
    }

    /**
     * Parses {@code args} (after the word {@code jail}); null for {@code --help}.
     *
     * @throws IllegalArgumentException with a message naming the option and what is wrong with it
     */
    public static JailOptions parse(List<String> args) {
        String id = null;
        Integer uid = null;
        Integer gid = null;
        Path chrootBase = DEFAULT_CHROOT_BASE;
        String parentCgroup = DEFAULT_PARENT_CGROUP;
        Network network = new Network.NewEmpty();
        boolean networkChosen = false;
        List<CgroupLimit> limits = new ArrayList<>();
        List<JailFile> files = new ArrayList<>();
        int i = 0;
        for (; i < args.size(); i++) {
            String option = args.get(i);
            if (option.equals("--")) {
                break;
            }
            switch (option) {
                case "-h", "--help" -> {
                    return null;
                }
                case "--id" -> id = id(value(args, i++));
                case "--uid" -> uid = unprivileged("--uid", value(args, i++));
                case "--gid" -> gid = unprivileged("--gid", value(args, i++));
                case "--chroot-base-dir" -> chrootBase = absolute("--chroot-base-dir", value(args, i++));
                case "--parent-cgroup" -> parentCgroup = parentCgroup(value(args, i++));
                case "--netns", "--host-network" -> {
                    if (networkChosen) {
                        throw new IllegalArgumentException("--netns and --host-network: choose one, once");
                    }
                    networkChosen = true;
                    network = option.equals("--host-network") ? new Network.Host()
                            : new Network.Join(absolute("--netns", value(args, i++)));
                }
                case "--cgroup" -> limits.add(limit(value(args, i++)));
                case "--file" -> files.add(file(value(args, i++)));
                default -> throw new IllegalArgumentException(option.startsWith("-")
                        ? "unknown option " + option
                        : "unexpected argument '" + option + "': the VMM's command line goes after --");
            }
        }
        if (id == null) {
            throw new IllegalArgumentException("--id is required");
        }
        if (uid == null || gid == null) {
            throw new IllegalArgumentException((uid == null ? "--uid" : "--gid")
                    + " is required: the VMM runs as an unprivileged user");
        }
        if (i >= args.size() - 1) {
            throw new IllegalArgumentException("no VMM to start: end with -- firecracker ARGS, -- run ARGS or"
                    + " -- shell ARGS");
        }
        return new JailOptions(id, uid, gid, chrootBase, parentCgroup, network, limits, files,
                vmm(args.subList(i + 1, args.size())));
    }

    private static String value(List<String> args, int i) {
        if (i + 1 >= args.size() || args.get(i + 1).equals("--")) {
            throw new IllegalArgumentException("option " + args.get(i) + " needs a value");
        }
        return args.get(i + 1);
    }

    private static String id(String id) {
        if (!ID.matcher(id).matches()) {
            throw new IllegalArgumentException("--id '" + id + "': use 1 to 64 letters, digits and '-'"
                    + " (it names a folder and a cgroup)");
        }
        return id;
    }

    private static int unprivileged(String option, String value) {
        long n;
        try {
            n = Long.parseLong(value);
        } catch (NumberFormatException e) {
            throw new IllegalArgumentException(option + " '" + value + "': expected a number (names are not looked"
                    + " up: the jail has no /etc/passwd)");
        }
        if (n == 0) {
            throw new IllegalArgumentException(option + " 0 is root's: the VMM must run unprivileged");
        }
        // 2^32-1 is (uid_t) -1, which the set*id calls read as "leave unchanged".
        if (n < 0 || n >= 0xffff_ffffL) {
            throw new IllegalArgumentException(option + " " + value + ": out of range (1 to 4294967294)");
        }
        return (int) n;
    }

    private static Path absolute(String option, String value) {
        Path p = Path.of(value);
        if (!p.isAbsolute()) {
            throw new IllegalArgumentException(option + " " + value + ": expected an absolute path");
        }
        return p.normalize();
    }

    private static String parentCgroup(String name) {
        if (!CGROUP_NAME.matcher(name).matches()) {
            throw new IllegalArgumentException("--parent-cgroup '" + name + "': expected a relative cgroup path"
                    + " of letters, digits, '_' and '-' (such as javisor or vms/javisor)");
        }
        return name;
    }

    private static CgroupLimit limit(String setting) {
        int eq = setting.indexOf('=');
        if (eq < 0) {
            throw new IllegalArgumentException("--cgroup " + setting + ": expected FILE=VALUE, such as"
                    + " memory.max=512M");
        }
        String file = setting.substring(0, eq);
        String value = setting.substring(eq + 1);
        if (!CGROUP_FILE.matcher(file).matches()) {
            throw new IllegalArgumentException("--cgroup " + setting + ": '" + file + "' is not a file of the"
                    + " memory, cpu, pids, cpuset or io controller (such as memory.max, cpu.max, pids.max)");
        }
        if (value.isBlank() || value.contains("\n")) {
            throw new IllegalArgumentException("--cgroup " + setting + ": expected one line of value after '='");
        }
        return new CgroupLimit(file, value);
    }

    private static JailFile file(String spec) {
        // The last ':' followed by '/' separates the jail's path, so that host paths with ':' still work.
        int colon = spec.lastIndexOf(":/");
        Path host = absoluteOrRelative(colon < 0 ? spec : spec.substring(0, colon));
        String inJail = colon < 0 ? "/" + host.getFileName() : Path.of(spec.substring(colon + 1)).normalize()
                .toString();
        if (host.getFileName() == null || inJail.equals("/")) {
            throw new IllegalArgumentException("--file " + spec + ": the jail's root itself cannot be a --file");
        }
        for (String reserved : JailLayout.RESERVED) {
            if (inJail.equals(reserved) || inJail.startsWith(reserved + "/")) {
                throw new IllegalArgumentException("--file " + spec + ": " + reserved + " in the jail is the"
                        + " jailer's (choose another path, such as /" + host.getFileName() + ")");
            }
        }
        return new JailFile(host, inJail);
    }

    private static Path absoluteOrRelative(String path) {
        if (path.isEmpty()) {
            throw new IllegalArgumentException("--file: expected HOST_PATH[:PATH_IN_JAIL]");
        }
        return Path.of(path).toAbsolutePath().normalize();
    }

    private static VmmCommand vmm(List<String> words) {
        for (Mode mode : Mode.values()) {
            if (mode.word.equals(words.getFirst())) {
                return new VmmCommand(mode, words.subList(1, words.size()));
            }
        }
        throw new IllegalArgumentException("after --: expected firecracker, run or shell (the VMM to start),"
                + " got '" + words.getFirst() + "'");
    }
}
