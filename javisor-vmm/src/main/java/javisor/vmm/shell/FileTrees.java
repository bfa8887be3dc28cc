package javisor.vmm.shell;

import java.io.IOException;
import java.nio.file.CopyOption;
import java.nio.file.DirectoryStream;
import java.nio.file.FileVisitResult;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.SimpleFileVisitor;
import java.nio.file.StandardCopyOption;
import java.nio.file.attribute.BasicFileAttributes;

import static java.nio.file.LinkOption.NOFOLLOW_LINKS;

/**
 * The whole-tree file operations under {@code rm -r}, {@code cp -r} and {@code mv} ({@link AtomicFiles} makes
 * them whole-or-nothing). Inside a tree symbolic links are never followed: a link is removed, copied or moved as
 * a link, so nothing outside the tree is touched.
 */
final class FileTrees {
    private FileTrees() {
    }

    /** Removes {@code top} and everything under it, children first. */
    static void delete(Path top) throws IOException {
        Files.walkFileTree(top, new SimpleFileVisitor<>() {
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

    /**
     * Copies the directory {@code top} to {@code target}, which must not exist. Directories are created writable
     * and get the source's permissions once filled, so a read-only source directory can be copied.
     *
     * @param keepTimes also copy the modification times, as a move (which must look like a rename) does
     */
    static void copy(Path top, Path target, boolean keepTimes) throws IOException {
        CopyOption[] options = keepTimes
                ? new CopyOption[] {NOFOLLOW_LINKS, StandardCopyOption.COPY_ATTRIBUTES}
                : new CopyOption[] {NOFOLLOW_LINKS};
        Files.walkFileTree(top, new SimpleFileVisitor<>() {
            @Override
            public FileVisitResult preVisitDirectory(Path dir, BasicFileAttributes attrs) throws IOException {
                Files.createDirectory(to(dir));
                return FileVisitResult.CONTINUE;
            }

            @Override
            public FileVisitResult visitFile(Path file, BasicFileAttributes attrs) throws IOException {
                Files.copy(file, to(file), options);
                return FileVisitResult.CONTINUE;
            }

            @Override
            public FileVisitResult postVisitDirectory(Path dir, IOException e) throws IOException {
                if (e != null) {
                    throw e;
                }
                Path copy = to(dir);
                Files.setPosixFilePermissions(copy, Files.getPosixFilePermissions(dir));
                if (keepTimes) { // after the entries, whose creation changed it
                    Files.setLastModifiedTime(copy, Files.getLastModifiedTime(dir));
                }
                return FileVisitResult.CONTINUE;
            }

            private Path to(Path source) {
                return target.resolve(top.relativize(source).toString());
            }
        });
    }

    static boolean isEmptyDirectory(Path dir) throws IOException {
        try (DirectoryStream<Path> entries = Files.newDirectoryStream(dir)) {
            return !entries.iterator().hasNext();
        }
    }
}
