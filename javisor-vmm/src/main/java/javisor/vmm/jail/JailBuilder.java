package javisor.vmm.jail;

import java.io.IOException;
import java.nio.file.FileAlreadyExistsException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.TimeUnit;

import javisor.vmm.jail.JailOptions.CgroupLimit;
import javisor.vmm.jail.JailPlan.CgroupPlan;
import javisor.vmm.jail.JailPlan.Entry;

/**
 * Lays a {@link JailPlan} out on the host, before the VMM starts: the jail's folder with its folders, device
 * nodes and empty mount points, and the cgroup with its limits. The binds themselves are made later, inside
 * the jail's own mount namespace ({@link JailProcess}), so that they vanish with it and the host's mount table
 * never holds them. {@link JailCleanup} undoes this.
 */
public final class JailBuilder {
    private JailBuilder() {
    }

    public static void build(JailPlan plan) throws JailException {
        try {
            Files.createDirectories(plan.folder().getParent());
            // One jail per id at a time: a folder left by another jailer (running or not) is not reused.
            Files.createDirectory(plan.folder());
        } catch (FileAlreadyExistsException e) {
            throw JailException.usage(plan.folder() + " already exists: another jail with --id " + plan.id()
                    + " runs, or one was left behind (remove the folder)");
        } catch (IOException e) {
            throw JailException.host("cannot make " + plan.folder() + ": " + e);
        }
        // From here on the folder is this jailer's: a failure removes it (and a cgroup this jailer made).
        boolean cgroupMade = false;
        try {
            try {
                Files.createDirectory(plan.root());
                setMode(plan.root(), 0755);
                for (Entry entry : plan.entries()) {
                    make(plan, entry);
                }
            } catch (IOException e) {
                throw JailException.host("cannot lay out the jail in " + plan.root() + ": " + e);
            }
            makeCgroupDir(plan.cgroup());
            cgroupMade = true;
            writeLimits(plan.cgroup());
        } catch (JailException e) {
            if (cgroupMade) {
                JailCleanup.removeCgroup(plan, System.err);
            }
            JailCleanup.removeFolder(plan, System.err);
            throw e;
        }
    }

    private static void make(JailPlan plan, Entry entry) throws IOException, JailException {
        Path p = plan.onHost(entry.inJail());
        switch (entry) {
            case Entry.Folder f -> {
                Files.createDirectories(p);
                setMode(p, f.mode());
                if (f.vmmOwned()) {
                    setOwner(p, plan.uid(), plan.gid());
                }
            }
            case Entry.ReadOnlyBind b -> {
                // The mount point: an empty file or folder the bind covers.
                if (b.folder() || Files.isDirectory(b.host())) {
                    Files.createDirectories(p);
                } else if (!Files.exists(p)) {
                    Files.createFile(p);
                }
            }
            case Entry.Device d -> {
                // Java has no mknod; coreutils' does it (the jailer is root).
                run(List.of("mknod", "-m", Integer.toOctalString(d.mode()), p.toString(), "c",
                        Integer.toString(d.major()), Integer.toString(d.minor())));
                if (d.vmmOwned()) {
                    setOwner(p, plan.uid(), plan.gid());
                }
            }
        }
    }

    private static void makeCgroupDir(CgroupPlan cgroup) throws JailException {
        try {
            // Each controller has to be enabled in every group above the jail's, root first.
            Path parent = cgroup.dir().getParent();
            Files.createDirectories(parent);
            if (!cgroup.controllers().isEmpty()) {
                String enable = String.join(" ", cgroup.controllers().stream().map(c -> "+" + c).toList());
                for (Path p = cgroup.root(); !p.equals(cgroup.dir()); p = p.resolve(
                        cgroup.dir().getName(p.getNameCount()).toString())) {
                    write(p.resolve("cgroup.subtree_control"), enable);
                }
            }
            Files.createDirectory(cgroup.dir());
        } catch (FileAlreadyExistsException e) {
            throw JailException.usage("cgroup " + cgroup.dir() + " already exists: another jail with this id runs,"
                    + " or one was left behind (rmdir it)");
        } catch (IOException e) {
            throw JailException.host("cannot make the cgroup " + cgroup.dir() + ": " + e);
        }
    }

    private static void writeLimits(CgroupPlan cgroup) throws JailException {
        for (CgroupLimit limit : cgroup.limits()) {
            Path file = cgroup.dir().resolve(limit.file());
            if (!Files.exists(file)) {
                throw JailException.usage("--cgroup " + limit.file() + "=" + limit.value() + ": no such cgroup"
                        + " file (" + file + ")");
            }
            try {
                write(file, limit.value());
            } catch (IOException e) {
                throw JailException.usage("--cgroup " + limit.file() + "=" + limit.value() + ": the kernel"
                        + " refused it (" + e.getMessage() + ")");
            }
        }
    }

    private static void write(Path file, String value) throws IOException {
        // One write() per value, as cgroup files want.
        Files.writeString(file, value);
    }

    private static void setMode(Path p, int mode) throws IOException {
        Files.setAttribute(p, "unix:mode", mode);
    }

    private static void setOwner(Path p, int uid, int gid) throws IOException {
        Files.setAttribute(p, "unix:uid", uid);
        Files.setAttribute(p, "unix:gid", gid);
    }

    private static void run(List<String> command) throws JailException {
        try {
            Process p = new ProcessBuilder(command).redirectErrorStream(true).start();
            String out = new String(p.getInputStream().readAllBytes());
            if (!p.waitFor(30, TimeUnit.SECONDS) || p.exitValue() != 0) {
                throw JailException.host(String.join(" ", command) + " failed: " + out.strip());
            }
        } catch (IOException e) {
            throw JailException.host("cannot run " + command.getFirst() + ": " + e.getMessage());
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw JailException.host("interrupted");
        }
    }
}
