package javisor.vmm.jail;

import java.io.IOException;
import java.io.PrintStream;
import java.nio.file.FileVisitResult;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.SimpleFileVisitor;
import java.nio.file.attribute.BasicFileAttributes;
import java.util.concurrent.TimeUnit;

/**
 * Removes what {@link JailBuilder} made, once the VMM has ended: the cgroup (the kernel refuses while a process is
 * in it) and the jail's folder. The folder's binds lived only in the jail's mount namespace, gone with its last
 * process, so the folder holds only what the jailer made and what the VMM wrote; the walk still stays on the
 * folder's own file system and follows no link, so that a mount left there by mistake is never emptied.
 */
public final class JailCleanup {
    /** How long the cgroup may stay populated after the VMM ended (the VM's kernel thread, above). */
    private static final long CGROUP_WAIT_SECONDS = 30;

    private JailCleanup() {
    }

    /** Best effort: whatever cannot be removed is named on {@code err}. */
    public static void clean(JailPlan plan, PrintStream err) {
        removeCgroup(plan, err);
        removeFolder(plan, err);
    }

    /**
     * The jail's cgroup, once its processes have left. KVM attaches a kernel thread of each VM to the cgroup of
     * the process that made the VM (kvm-nx-lpage-recovery, so that its CPU time is the VM's); it ends when KVM
     * destroys the VM, which was seen to take seconds after the VMM's exit, and once more than 90 s (in the KVM
     * box, after a jailed javisor shell). After a few seconds such a kernel thread of the ended VM is moved to
     * the root cgroup (a cgroup with controllers enabled below it may hold no process), so that the jail's
     * group can go. Anything else still in the group is the jail's by definition, and is killed (cgroup.kill,
     * Linux 5.14+).
     */
    static void removeCgroup(JailPlan plan, PrintStream err) {
        Path cgroup = plan.cgroup().dir();
        if (!Files.isDirectory(cgroup)) {
            return;
        }
        boolean killed = false;
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(CGROUP_WAIT_SECONDS);
        for (int i = 0; ; i++) {
            try {
                Files.delete(cgroup);
                return;
            } catch (IOException e) {
                if (System.nanoTime() > deadline) {
                    break;
                }
                if (i >= 100 && onlyKernelThreads(cgroup)) {
                    moveToRoot(plan, err);
                } else if (i >= 40 && !killed && !onlyKernelThreads(cgroup)
                        && Files.exists(cgroup.resolve("cgroup.kill"))) {
                    killed = true;
                    err.println("javisor jail: processes still in " + cgroup + " after the VMM ended, killed: "
                            + members(cgroup));
                    try {
                        Files.writeString(cgroup.resolve("cgroup.kill"), "1");
                    } catch (IOException killFailed) {
                        err.println("javisor jail: " + killFailed);
                    }
                }
                sleep(50);
            }
        }
        err.println("javisor jail: could not remove the cgroup " + cgroup + " within " + CGROUP_WAIT_SECONDS
                + " s; in it: " + members(cgroup));
    }

    private static void moveToRoot(JailPlan plan, PrintStream err) {
        Path cgroup = plan.cgroup().dir();
        try {
            for (String pid : Files.readString(cgroup.resolve("cgroup.procs")).lines().toList()) {
                String name = members(cgroup);
                Files.writeString(plan.cgroup().root().resolve("cgroup.procs"), pid);
                err.println("javisor jail: the ended VM's kernel thread " + name + " was still in " + cgroup
                        + "; moved to the root cgroup");
            }
        } catch (IOException e) {
            // The thread ended meanwhile, or cannot be moved: the caller tries again, then gives up saying so.
        }
    }

    /** Whether every member of the cgroup is a kernel thread (a child of kthreadd, PID 2). */
    static boolean onlyKernelThreads(Path cgroup) {
        try {
            return Files.readString(cgroup.resolve("cgroup.procs")).lines().allMatch(pid -> {
                try {
                    return Files.readString(Path.of("/proc", pid, "status")).lines()
                            .anyMatch(l -> l.matches("PPid:\\s+2"));
                } catch (IOException e) {
                    return true; // gone meanwhile
                }
            });
        } catch (IOException e) {
            return true;
        }
    }

    /** The processes in a cgroup, each as PID (name), for messages. */
    static String members(Path cgroup) {
        try {
            return String.join(", ", Files.readString(cgroup.resolve("cgroup.procs")).lines().map(pid -> {
                try {
                    return pid + " (" + Files.readString(Path.of("/proc", pid, "comm")).strip() + ")";
                } catch (IOException e) {
                    return pid;
                }
            }).toList());
        } catch (IOException e) {
            return "? (" + e.getMessage() + ")";
        }
    }

    /** The jail's folder and everything in it. */
    static void removeFolder(JailPlan plan, PrintStream err) {
        if (Files.isDirectory(plan.folder())) {
            try {
                removeTree(plan.folder());
            } catch (IOException e) {
                err.println("javisor jail: could not remove " + plan.folder() + ": " + e);
            }
        }
    }

    private static void removeTree(Path folder) throws IOException {
        Object device = Files.getAttribute(folder, "unix:dev");
        Files.walkFileTree(folder, new SimpleFileVisitor<>() {
            @Override
            public FileVisitResult preVisitDirectory(Path dir, BasicFileAttributes attrs) throws IOException {
                if (!device.equals(Files.getAttribute(dir, "unix:dev"))) {
                    throw new IOException(dir + " is another file system (a mount left behind?); not removed");
                }
                return FileVisitResult.CONTINUE;
            }

            @Override
            public FileVisitResult visitFile(Path file, BasicFileAttributes attrs) throws IOException {
                Files.delete(file);
                return FileVisitResult.CONTINUE;
            }

            @Override
            public FileVisitResult postVisitDirectory(Path dir, IOException e) throws IOException {
                if (e != null) {
                    throw e;
                }
                Files.delete(dir);
                return FileVisitResult.CONTINUE;
            }
        });
    }

    private static void sleep(long millis) {
        try {
            Thread.sleep(millis);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }
}
