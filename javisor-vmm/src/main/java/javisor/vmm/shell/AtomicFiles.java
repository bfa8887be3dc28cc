package javisor.vmm.shell;

import java.io.IOException;
import java.nio.channels.FileChannel;
import java.nio.file.AccessDeniedException;
import java.nio.file.AtomicMoveNotSupportedException;
import java.nio.file.CopyOption;
import java.nio.file.DirectoryNotEmptyException;
import java.nio.file.FileAlreadyExistsException;
import java.nio.file.FileSystemException;
import java.nio.file.FileVisitResult;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.nio.file.SimpleFileVisitor;
import java.nio.file.StandardCopyOption;
import java.nio.file.StandardOpenOption;
import java.nio.file.attribute.BasicFileAttributes;
import java.util.HexFormat;
import java.util.concurrent.ThreadLocalRandom;
import java.util.regex.Pattern;

import static java.nio.file.LinkOption.NOFOLLOW_LINKS;

/**
 * Whole-or-nothing file changes for the shell's file commands, so that Javisor killed at any moment (kill -9,
 * a crash, a power cut) never leaves a config file or image half written under its own name: the new content is
 * made under a temporary name in the target's own folder ({@code .NAME.javisor-tmp-XXXXXXXX}, which no
 * {@code --config-dir} scan takes for a {@code *.toml}), forced to the disk, then renamed over the target in one
 * rename(2), and the folder is forced so that the rename itself survives a power cut. Until the rename the target
 * keeps its old content; after it, the new. A kill leaves at most a temporary file or tree beside the target.
 */
final class AtomicFiles {
    /** What every temporary name holds, after the target's own name. */
    static final String TEMP_MARK = ".javisor-tmp-";
    private static final Pattern TEMP_NAME = Pattern.compile("\\..+" + Pattern.quote(TEMP_MARK) + "\\p{XDigit}{8}");

    private AtomicFiles() {
    }

    /**
     * Replaces what {@code target} holds with {@code content} (creating it if need be). Through a symbolic link,
     * the file it points to is replaced; an existing file keeps its permissions.
     */
    static void write(Path target, byte[] content) throws IOException {
        Path real = Files.exists(target) ? target.toRealPath() : target;
        Path temp = tempBeside(real);
        try {
            Files.write(temp, content, StandardOpenOption.CREATE_NEW, StandardOpenOption.WRITE);
            if (Files.exists(real)) {
                Files.setPosixFilePermissions(temp, Files.getPosixFilePermissions(real));
            }
            replace(temp, real);
        } finally {
            Files.deleteIfExists(temp);
        }
    }

    /**
     * Copies the file {@code source} (what a link points to, unless {@code options} say NOFOLLOW_LINKS) to
     * {@code target}, replacing a file there: the copy is whole before it takes the target's name.
     */
    static void copyFile(Path source, Path target, CopyOption... options) throws IOException {
        Path temp = tempBeside(target);
        try {
            Files.copy(source, temp, options);
            force(temp);
            replace(temp, target);
        } finally {
            Files.deleteIfExists(temp);
        }
    }

    /**
     * Copies the directory {@code top} to {@code target}, which must not exist: the whole tree is made under a
     * temporary name beside it and renamed to {@code target} once every file in it is on the disk.
     */
    static void copyTree(Path top, Path target, boolean keepTimes) throws IOException {
        Path temp = tempBeside(target);
        try {
            FileTrees.copy(top, temp, keepTimes);
            forceTree(temp);
            Files.move(temp, target, StandardCopyOption.ATOMIC_MOVE);
            forceDirectory(target.toAbsolutePath().getParent());
        } catch (IOException e) {
            throw renamed(e, temp, target);
        } finally {
            if (Files.exists(temp, NOFOLLOW_LINKS)) {
                FileTrees.delete(temp);
            }
        }
    }

    /**
     * Renames {@code source} to {@code target} (replacing a file there) in one rename(2). Across file systems,
     * where no rename can, it copies to a temporary name beside the target, renames that into place, and only
     * then deletes the source: a kill midway leaves the source whole, and at worst both.
     */
    static void move(Path source, Path target) throws IOException {
        try {
            Files.move(source, target, StandardCopyOption.ATOMIC_MOVE);
        } catch (AtomicMoveNotSupportedException e) {
            if (Files.isDirectory(source, NOFOLLOW_LINKS)) {
                copyTree(source, target, true);
                FileTrees.delete(source);
            } else {
                copyFile(source, target, NOFOLLOW_LINKS, StandardCopyOption.COPY_ATTRIBUTES);
                Files.delete(source);
            }
            return;
        }
        forceDirectory(target.toAbsolutePath().getParent());
    }

    /**
     * Removes the tree {@code top}: first renamed out of the way to a temporary name, so that a kill midway
     * leaves the tree whole under its name or gone from it, never half emptied under it.
     */
    static void deleteTree(Path top) throws IOException {
        Path temp = tempBeside(top);
        Files.move(top, temp, StandardCopyOption.ATOMIC_MOVE);
        forceDirectory(top.toAbsolutePath().getParent());
        try {
            FileTrees.delete(temp);
        } catch (IOException e) {
            // what could not be deleted (under a folder without write permission) goes back under its name, as
            // a plain rm -r leaves it
            Files.move(temp, top, StandardCopyOption.ATOMIC_MOVE);
            throw renamed(e, temp, top);
        }
    }

    /** {@code e} about a file under {@code temp} as the same failure under {@code name}, the name the user gave. */
    private static IOException renamed(IOException e, Path temp, Path name) {
        if (!(e instanceof FileSystemException f) || f.getFile() == null || !Path.of(f.getFile()).startsWith(temp)) {
            return e;
        }
        String file = name.resolve(temp.relativize(Path.of(f.getFile())).toString()).toString();
        FileSystemException r = switch (f) {
            case AccessDeniedException _ -> new AccessDeniedException(file, f.getOtherFile(), f.getReason());
            case NoSuchFileException _ -> new NoSuchFileException(file, f.getOtherFile(), f.getReason());
            case DirectoryNotEmptyException _ -> new DirectoryNotEmptyException(file);
            case FileAlreadyExistsException _ -> new FileAlreadyExistsException(file, f.getOtherFile(), f.getReason());
            default -> new FileSystemException(file, f.getOtherFile(), f.getReason());
        };
        r.initCause(e);
        return r;
    }

    /** A name for a temporary file or tree in {@code target}'s folder, taken by no file there now. */
    static Path tempBeside(Path target) {
        String suffix = HexFormat.of().toHexDigits(ThreadLocalRandom.current().nextInt());
        return target.resolveSibling("." + target.getFileName() + TEMP_MARK + suffix);
    }

    /** True for a name {@link #tempBeside} gives. */
    static boolean isTemporary(Path p) {
        return TEMP_NAME.matcher(p.getFileName().toString()).matches();
    }

    private static void replace(Path temp, Path target) throws IOException {
        Files.move(temp, target, StandardCopyOption.ATOMIC_MOVE);
        forceDirectory(target.toAbsolutePath().getParent());
    }

    /** The file's data and size on the disk (fsync); links and other non-files have nothing to force. */
    private static void force(Path file) throws IOException {
        if (Files.isRegularFile(file, NOFOLLOW_LINKS)) {
            forceOpened(file);
        }
    }

    /** The folder's entries on the disk: a rename into it survives a power cut once this returns. */
    static void forceDirectory(Path dir) throws IOException {
        forceOpened(dir);
    }

    private static void forceOpened(Path p) throws IOException {
        try (FileChannel c = FileChannel.open(p, StandardOpenOption.READ)) {
            c.force(true);
        } catch (AccessDeniedException e) {
            // A copy of an unreadable file or folder, which only its owner's write opens: kill -9, which the
            // rename order alone covers, is the case that matters; a power cut may lose such a copy's data.
        }
    }

    private static void forceTree(Path top) throws IOException {
        Files.walkFileTree(top, new SimpleFileVisitor<>() {
            @Override
            public FileVisitResult visitFile(Path file, BasicFileAttributes attrs) throws IOException {
                force(file);
                return FileVisitResult.CONTINUE;
            }

            @Override
            public FileVisitResult postVisitDirectory(Path dir, IOException e) throws IOException {
                if (e != null) {
                    throw e;
                }
                forceDirectory(dir);
                return FileVisitResult.CONTINUE;
            }
        });
    }

}
