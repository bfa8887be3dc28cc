package javisor.vmm.shell;

import java.io.IOException;
import java.nio.file.AccessDeniedException;
import java.nio.file.DirectoryNotEmptyException;
import java.nio.file.FileAlreadyExistsException;
import java.nio.file.FileSystemException;
import java.nio.file.FileSystemLoopException;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.NotDirectoryException;
import java.nio.file.Path;
import java.util.Locale;

/**
 * The file commands' error messages, {@code COMMAND: PATH: what is wrong} with PATH as the user typed it (as a
 * Unix shell's commands say it), e.g. {@code rm: /tmp/x: is a directory (use -r or -d)}.
 */
final class FileProblems {
    private FileProblems() {
    }

    /** A path the command refuses before changing anything. */
    static ShellException refused(String command, String typed, String why) {
        return new ShellException(message(command, typed, why));
    }

    static String message(String command, String typed, String why) {
        return command + ": " + typed + ": " + why;
    }

    /**
     * A failure while acting on {@code top} (typed as {@code typed}). When it is about a file inside the tree
     * ({@code rm -r}, {@code cp -r}), that file is named, as {@code typed/sub/file}.
     */
    static String failed(String command, String typed, Path top, IOException e) {
        String where = typed;
        if (e instanceof FileSystemException f && f.getFile() != null) {
            Path file = Path.of(f.getFile());
            if (!file.equals(top)) {
                where = file.startsWith(top) ? join(typed, top.relativize(file).toString()) : file.toString();
            }
        }
        return message(command, where, why(e));
    }

    /** What went wrong, in the lower-case words of the rest of the message. */
    static String why(IOException e) {
        return switch (e) {
            case NoSuchFileException _ -> "no such file or directory";
            case FileAlreadyExistsException _ -> "already exists";
            case DirectoryNotEmptyException _ -> "directory not empty";
            case AccessDeniedException _ -> "permission denied";
            case NotDirectoryException _ -> "not a directory";
            case FileSystemLoopException _ -> "a loop of symbolic links";
            // the operating system's words ("Read-only file system"), without the paths Java adds
            case FileSystemException x when x.getReason() != null && !x.getReason().isEmpty() ->
                    x.getReason().substring(0, 1).toLowerCase(Locale.ROOT) + x.getReason().substring(1);
            default -> e.getMessage() != null ? e.getMessage() : e.getClass().getSimpleName();
        };
    }

    /** {@code dir/name}, without doubling a slash the user typed. */
    static String join(String typedDir, String name) {
        return typedDir.endsWith("/") ? typedDir + name : typedDir + "/" + name;
    }

    /** Refuses a path to create whose directory is missing or is not a directory. */
    static void checkParent(String command, String typed, Path path) {
        Path parent = path.getParent();
        if (parent != null && !Files.isDirectory(parent)) {
            throw refused(command, typed, Files.exists(parent) ? parent + " is not a directory"
                    : "the directory " + parent + " does not exist");
        }
    }
}
