package javisor.vmm.jail;

import java.io.IOException;
import java.io.PrintStream;
import java.nio.file.FileVisitResult;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.SimpleFileVisitor;
import java.nio.file.attribute.BasicFileAttributes;

/**
 * Removes what {@link JailBuilder} made, once the VMM has ended: the cgroup (the kernel refuses while a process is
 * in it) and the jail's folder. The folder's binds lived only in the jail's mount namespace, gone with its last
 * process, so the folder holds only what the jailer made and what the VMM wrote; the walk still stays on the
 * folder's own file system and follows no link, so that a mount left there by mistake is never emptied.
 */
public final class JailCleanup {
    private JailCleanup() {
    }

    /** Best effort: whatever cannot be removed is named on {@code err}. */
    public static void clean(JailPlan plan, PrintStream err) {
        removeCgroup(plan, err);
        removeFolder(plan, err);
    }

    /** The jail's cgroup, once its processes have left. */
    static void removeCgroup(JailPlan plan, PrintStream err) {
        Path cgroup = plan.cgroup().dir();
        if (Files.isDirectory(cgroup)) {
            // The last process may still be leaving the group for a few milliseconds after the jail ended.
            boolean removed = false;
            for (int i = 0; i < 50 && !removed; i++) {
                try {
                    Files.delete(cgroup);
                    removed = true;
                } catch (IOException e) {
                    sleep(20);
                }
            }
            if (!removed) {
                err.println("javisor jail: could not remove the cgroup " + cgroup);
            }
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
