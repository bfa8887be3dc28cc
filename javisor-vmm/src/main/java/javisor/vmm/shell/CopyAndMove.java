package javisor.vmm.shell;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

import static java.nio.file.LinkOption.NOFOLLOW_LINKS;
import static javisor.vmm.shell.FileProblems.checkParent;
import static javisor.vmm.shell.FileProblems.failed;
import static javisor.vmm.shell.FileProblems.join;
import static javisor.vmm.shell.FileProblems.refused;

/**
 * {@code cp} and {@code mv}: where each SRC goes (DST itself, or DST/NAME when DST is a directory, NAME being
 * SRC's own name, not the first entry of DST as AxVisor's mv takes), what is refused, then the copies or moves.
 * Every SRC and its target are checked before any is copied or moved, so a refused command changes nothing.
 */
final class CopyAndMove {
    private CopyAndMove() {
    }

    static Outcome cp(Invocation inv) {
        return FileCommands.each(inv, "cp", plan(inv, "cp", inv.flag("recursive")), s -> {
            // whole or not at all under the target's name: a kill midway leaves at most a temporary copy
            if (Files.isDirectory(s.path())) {
                AtomicFiles.copyTree(s.path(), s.to(), false);
            } else {
                AtomicFiles.copyFile(s.path(), s.to());
            }
        });
    }

    static Outcome mv(Invocation inv) {
        return FileCommands.each(inv, "mv", plan(inv, "mv", true), s -> AtomicFiles.move(s.path(), s.to()));
    }

    /** One SRC, as typed and resolved, and where it goes. */
    private record Step(String typed, Path path, Path to) implements FileCommands.Operand {
    }

    /** Where each SRC goes, once every one has been checked; a refusal is thrown. */
    private static List<Step> plan(Invocation inv, String command, boolean recursive) {
        List<String> words = inv.args().positionals();
        String dstTyped = words.getLast();
        Path dst = inv.shell().cwd().resolve(dstTyped);
        List<String> sources = words.subList(0, words.size() - 1);
        boolean into = Files.isDirectory(dst);
        if (!into && sources.size() > 1) {
            throw refused(command, dstTyped, Files.exists(dst) ? "not a directory (several SRCs go into a directory)"
                    : "no such directory");
        }
        List<Step> steps = new ArrayList<>();
        for (String src : sources) {
            // normalized so that 'a/.' is named 'a'
            Path from = inv.shell().cwd().resolve(src).normalize();
            Path name = from.getFileName();
            if (!Files.exists(from, NOFOLLOW_LINKS)) {
                throw refused(command, src, "no such file or directory");
            }
            if (name == null) {
                throw refused(command, src, "is the root directory");
            }
            Path to = into ? dst.resolve(name.toString()) : dst;
            String toTyped = into ? join(dstTyped, name.toString()) : dstTyped;
            // mv renames a link itself; cp copies what a link on the command line points to
            boolean directory = command.equals("mv") ? Files.isDirectory(from, NOFOLLOW_LINKS)
                    : Files.isDirectory(from);
            if (directory && !recursive) {
                throw refused(command, src, "is a directory (use -r)");
            }
            checkParent(command, toTyped, to);
            check(command, src, from, toTyped, to, directory);
            steps.add(new Step(src, from, to));
        }
        return steps;
    }

    private static void check(String command, String src, Path from, String toTyped, Path to, boolean directory) {
        try {
            if (Files.exists(to, NOFOLLOW_LINKS)) {
                if (Files.isSameFile(from, to)) {
                    throw refused(command, toTyped, "is the same file as " + src);
                }
                if (directory) {
                    throw refused(command, toTyped, "already exists (a directory replaces nothing)");
                }
                if (Files.isDirectory(to)) {
                    throw refused(command, toTyped, "is a directory");
                }
            }
            if (directory && to.getParent().toRealPath().resolve(to.getFileName().toString())
                    .startsWith(from.toRealPath())) {
                throw refused(command, toTyped, "is inside " + src + " (a directory cannot go into itself)");
            }
        } catch (IOException e) {
            throw new ShellException(failed(command, src, from, e));
        }
    }
}
