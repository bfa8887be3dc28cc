package javisor.vmm.shell;

import java.io.IOException;
import java.io.InputStreamReader;
import java.io.PrintWriter;
import java.io.Reader;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.nio.file.attribute.BasicFileAttributeView;
import java.nio.file.attribute.FileTime;
import java.util.ArrayList;
import java.util.List;

import static java.nio.file.LinkOption.NOFOLLOW_LINKS;
import static javisor.vmm.shell.CommandSpec.command;
import static javisor.vmm.shell.FileProblems.checkParent;
import static javisor.vmm.shell.FileProblems.failed;
import static javisor.vmm.shell.FileProblems.refused;

/**
 * AxVisor's file commands, so configs and images can be found and edited without leaving the shell: ls, cat,
 * echo (with {@code > FILE}), mkdir, rm, cd, pwd, touch, and cp and mv ({@link CopyAndMove}). Every path starts
 * from the shell's working directory; none of them needs a VM. A command that changes files checks every path
 * before it changes any, so a refused command changes nothing; ls and cat, which change nothing, report each
 * path they cannot read and go on with the next.
 */
final class FileCommands {
    private FileCommands() {
    }

    static List<CommandSpec> specs() {
        return List.of(
                command("ls", "list directory contents", """
                        Lists each directory's entries sorted by name (for a file, its own name); without PATH the
                        working directory. Names starting with '.' are hidden unless -a. With several PATHs each
                        directory's list is headed 'PATH:'. -l shows each entry's type (d directory, - file,
                        l symbolic link; c, b, p, s for devices, pipes and sockets), permissions and size in
                        bytes:
                          -rw-r--r--      612 linux.toml""",
                        ArgSpec.any("PATH", ValueKind.FILE), FileCommands::ls,
                        OptionSpec.flag('l', "long", "show type, permissions and size"),
                        OptionSpec.flag('a', "all", "also show the entries whose names start with '.'")),
                command("cat", "print files", """
                        Prints each FILE's contents in turn, as they are (read as UTF-8). A FILE that cannot be
                        read is reported and the others are still printed.""",
                        ArgSpec.oneOrMore("FILE", ValueKind.FILE), FileCommands::cat),
                command("echo", "print text, or write it to a file", """
                        Prints the TEXT words separated by spaces, then a newline unless -n. '> FILE' (or '>FILE')
                        among the words writes the text to FILE instead, creating it or replacing what it held;
                        with several, the last one is used and the earlier ones are dropped. A word '>' or one
                        starting with '>' redirects even when quoted. There is no '>>' (append).""",
                        ArgSpec.any("TEXT", ValueKind.TEXT), FileCommands::echo,
                        OptionSpec.flag('n', "no-newline", "do not end the text with a newline")),
                command("mkdir", "create directories", """
                        Each DIR's parent must exist and DIR must not, unless -p, which creates the missing
                        parents too and takes a DIR that is already a directory as done.""",
                        ArgSpec.oneOrMore("DIR", ValueKind.DIRECTORY), FileCommands::mkdir,
                        OptionSpec.flag('p', "parents", "create missing parents; an existing directory is fine")),
                command("rm", "remove files and directories", """
                        A directory needs -r (it and everything in it) or -d (only when empty). A symbolic link is
                        removed itself, never what it points to. Every PATH is checked first: when one cannot be
                        removed, none is. -f passes over PATHs that do not exist without a word; other errors are
                        still reported (AxVisor's -f hides them all).""",
                        ArgSpec.oneOrMore("PATH", ValueKind.FILE), FileCommands::rm,
                        OptionSpec.flag('r', "recursive", "remove directories and everything in them"),
                        OptionSpec.flag('d', "dir", "remove empty directories"),
                        OptionSpec.flag('f', "force", "ignore PATHs that do not exist")),
                command("cd", "change the shell's working directory", """
                        Relative paths in every command, 'vm create' included, start from the working directory.
                        Without DIR goes to your home directory ($HOME), as a Unix shell does (AxVisor's goes to
                        /). A path starting with ~/ starts from the home directory. The directory is the shell's
                        own: the process's stays as it was.""",
                        ArgSpec.optional("DIR", ValueKind.DIRECTORY), FileCommands::cd),
                command("pwd", "print the shell's working directory", "", ArgSpec.NONE, FileCommands::pwd),
                command("touch", "create files, or update their times", """
                        Creates each FILE that does not exist, empty. One that exists keeps its contents
                        (AxVisor's touch empties it): only its access and modification times are set to now.""",
                        ArgSpec.oneOrMore("FILE", ValueKind.FILE), FileCommands::touch),
                command("cp", "copy files and directories", """
                        'cp SRC DST' copies SRC to DST, replacing a file DST; when DST is a directory the copy
                        goes into it as DST/NAME, NAME being SRC's last name. With several SRCs, DST must be a
                        directory. A directory SRC needs -r; it is copied only to a name that does not exist yet
                        (directories are not merged), symbolic links inside it as links. Every SRC is checked
                        first: when one cannot be copied, none is.""",
                        ArgSpec.sourcesAndTarget("SRC", "DST", ValueKind.FILE), CopyAndMove::cp,
                        OptionSpec.flag('r', "recursive", "copy directories and everything in them")),
                command("mv", "move or rename files and directories", """
                        'mv SRC DST' renames SRC to DST, replacing a file DST; when DST is a directory SRC goes
                        into it as DST/NAME, NAME being SRC's last name ('mv a b dir' makes dir/a and dir/b). With
                        several SRCs, DST must be a directory. A directory replaces nothing: its new name must not
                        exist yet. Across file systems it copies, then deletes. Every SRC is checked first: when
                        one cannot be moved, none is.""",
                        ArgSpec.sourcesAndTarget("SRC", "DST", ValueKind.FILE), CopyAndMove::mv));
    }

    private static Outcome ls(Invocation inv) {
        List<String> typed = inv.args().positionals().isEmpty() ? List.of(".") : inv.args().positionals();
        PrintWriter out = inv.shell().out();
        boolean ok = true;
        boolean printed = false;
        for (String t : typed) {
            Path p = inv.shell().cwd().resolve(t);
            try {
                String listing = Listing.of(p, t, typed.size() > 1, inv.flag("long"), inv.flag("all"));
                out.print(printed ? "\n" + listing : listing); // a blank line between the lists, as AxVisor
                printed = true;
            } catch (IOException e) {
                inv.shell().error(failed("ls", t, p, e));
                ok = false;
            }
        }
        return ok ? Outcome.SUCCESS : Outcome.FAILURE;
    }

    private static Outcome cat(Invocation inv) {
        boolean ok = true;
        for (String t : inv.args().positionals()) {
            Path p = inv.shell().cwd().resolve(t);
            if (Files.isDirectory(p)) {
                inv.shell().error(FileProblems.message("cat", t, "is a directory"));
                ok = false;
                continue;
            }
            // decoding replaces what is not UTF-8, so a binary file prints as garbage, not as an error
            try (Reader r = new InputStreamReader(Files.newInputStream(p), StandardCharsets.UTF_8)) {
                r.transferTo(inv.shell().out());
            } catch (IOException e) {
                inv.shell().error(failed("cat", t, p, e));
                ok = false;
            }
        }
        return ok ? Outcome.SUCCESS : Outcome.FAILURE;
    }

    private static Outcome echo(Invocation inv) {
        Redirection r = Redirection.parse(inv.args().positionals());
        String text = String.join(" ", r.text()) + (inv.flag("no-newline") ? "" : "\n");
        if (r.file().isEmpty()) {
            inv.shell().out().print(text);
            return Outcome.SUCCESS;
        }
        String t = r.file().get();
        Path p = inv.shell().cwd().resolve(t);
        if (Files.isDirectory(p)) {
            throw refused("echo", t, "is a directory");
        }
        checkParent("echo", t, p);
        try {
            AtomicFiles.write(p, text.getBytes(StandardCharsets.UTF_8)); // a kill leaves the old text or the new
        } catch (IOException e) {
            throw new ShellException(failed("echo", t, p, e));
        }
        return Outcome.SUCCESS;
    }

    private static Outcome mkdir(Invocation inv) {
        boolean parents = inv.flag("parents");
        List<Target> dirs = new ArrayList<>();
        for (String t : inv.args().positionals()) {
            Path p = inv.shell().cwd().resolve(t);
            if (parents) {
                if (Files.exists(p) && !Files.isDirectory(p)) {
                    throw refused("mkdir", t, "already exists and is not a directory");
                }
                for (Path a = p.getParent(); a != null; a = a.getParent()) {
                    if (Files.exists(a)) { // the nearest existing ancestor: -p creates the rest inside it
                        if (!Files.isDirectory(a)) {
                            throw refused("mkdir", t, a + " is not a directory");
                        }
                        break;
                    }
                }
            } else if (Files.exists(p, NOFOLLOW_LINKS)) {
                throw refused("mkdir", t, "already exists");
            } else if (!Files.exists(p.getParent())) { // p is absolute and not the root: it has a parent
                throw refused("mkdir", t, "the directory " + p.getParent() + " does not exist (use -p)");
            } else {
                checkParent("mkdir", t, p);
            }
            dirs.add(new Target(t, p));
        }
        return each(inv, "mkdir", dirs, d -> {
            if (parents) {
                Files.createDirectories(d.path());
            } else {
                Files.createDirectory(d.path());
            }
        });
    }

    private static Outcome rm(Invocation inv) {
        boolean recursive = inv.flag("recursive");
        boolean force = inv.flag("force");
        List<Target> doomed = new ArrayList<>();
        for (String t : inv.args().positionals()) {
            Path p = inv.shell().cwd().resolve(t);
            Path name = p.getFileName();
            if (name != null && (name.toString().equals(".") || name.toString().equals(".."))) {
                throw refused("rm", t, "refusing to remove '.' or '..'");
            }
            if (p.normalize().getNameCount() == 0) {
                throw refused("rm", t, "refusing to remove the root directory");
            }
            if (!Files.exists(p, NOFOLLOW_LINKS)) {
                if (force) {
                    continue;
                }
                throw refused("rm", t, "no such file or directory");
            }
            if (Files.isDirectory(p, NOFOLLOW_LINKS) && !recursive) {
                if (!inv.flag("dir")) {
                    throw refused("rm", t, "is a directory (use -r or -d)");
                }
                if (!isEmptyDirectory(t, p)) {
                    throw refused("rm", t, "directory not empty (use -r)");
                }
            }
            doomed.add(new Target(t, p));
        }
        return each(inv, "rm", doomed, d -> {
            try {
                if (recursive && Files.isDirectory(d.path(), NOFOLLOW_LINKS)) {
                    AtomicFiles.deleteTree(d.path());
                } else {
                    Files.delete(d.path());
                }
            } catch (NoSuchFileException e) {
                if (!force) { // gone since the check, or while a tree went: what -f is for
                    throw e;
                }
            }
        });
    }

    private static boolean isEmptyDirectory(String typed, Path p) {
        try {
            return FileTrees.isEmptyDirectory(p);
        } catch (IOException e) {
            throw new ShellException(failed("rm", typed, p, e));
        }
    }

    private static Outcome cd(Invocation inv) {
        WorkingDirectory cwd = inv.shell().cwd();
        List<String> args = inv.args().positionals();
        Path p = args.isEmpty()
                ? cwd.home().orElseThrow(() -> new ShellException("cd: there is no home directory ($HOME is not set)"))
                : cwd.resolve(args.getFirst());
        String t = args.isEmpty() ? p.toString() : args.getFirst();
        if (!Files.exists(p)) {
            throw refused("cd", t, "no such directory");
        }
        if (!Files.isDirectory(p)) {
            throw refused("cd", t, "not a directory");
        }
        if (!Files.isExecutable(p)) {
            throw refused("cd", t, "permission denied");
        }
        cwd.change(p);
        return Outcome.SUCCESS;
    }

    private static Outcome pwd(Invocation inv) {
        inv.shell().out().println(inv.shell().cwd().current());
        return Outcome.SUCCESS;
    }

    private static Outcome touch(Invocation inv) {
        List<Target> files = new ArrayList<>();
        for (String t : inv.args().positionals()) {
            Path p = inv.shell().cwd().resolve(t);
            checkParent("touch", t, p);
            files.add(new Target(t, p));
        }
        return each(inv, "touch", files, f -> {
            if (Files.exists(f.path())) {
                FileTime now = FileTime.fromMillis(System.currentTimeMillis());
                Files.getFileAttributeView(f.path(), BasicFileAttributeView.class).setTimes(now, now, null);
            } else {
                Files.createFile(f.path());
            }
        });
    }

    /** A path a command acts on: as typed, for its messages, and resolved. */
    interface Operand {
        String typed();

        Path path();
    }

    private record Target(String typed, Path path) implements Operand {
    }

    /** One operand's part of a command on several. */
    @FunctionalInterface
    interface Action<T> {
        void run(T operand) throws IOException;
    }

    /**
     * Runs {@code action} on every checked operand; a failure there (the disk, a permission deep in a tree) is
     * reported and the next operand is tried, but fails the command.
     */
    static <T extends Operand> Outcome each(Invocation inv, String command, List<T> operands, Action<T> action) {
        boolean ok = true;
        for (T o : operands) {
            try {
                action.run(o);
            } catch (IOException e) {
                inv.shell().error(failed(command, o.typed(), o.path(), e));
                ok = false;
            }
        }
        return ok ? Outcome.SUCCESS : Outcome.FAILURE;
    }
}
