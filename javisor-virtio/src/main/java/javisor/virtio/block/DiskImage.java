package javisor.virtio.block;

import java.io.IOException;
import java.lang.foreign.MemorySegment;
import java.util.List;
import java.nio.file.Files;
import java.nio.file.Path;

import javisor.sys.LibC;
import javisor.sys.NativeException;

/**
 * A raw disk image file: opened read-only or read-write, read and written with pread/pwrite straight from and
 * into guest memory, flushed with fdatasync, and with ranges freed by punching holes. Its size must be a whole
 * number of 512-byte sectors: a disk cannot end in the middle of one.
 */
public final class DiskImage implements AutoCloseable {
    public static final int SECTOR = 512;

    private final Path path;
    private final boolean readOnly;
    private final long size;
    private final int fd;
    private volatile boolean closed;

    private DiskImage(Path path, boolean readOnly, long size, int fd) {
        this.path = path;
        this.readOnly = readOnly;
        this.size = size;
        this.fd = fd;
    }

    /** Opens {@code path}; throws {@link DiskImageException} naming the file and what is wrong with it. */
    public static DiskImage open(Path path, boolean readOnly) {
        long size;
        try {
            if (!Files.isRegularFile(path)) {
                throw new DiskImageException(path + ": " + (Files.exists(path) ? "not a regular file"
                        : "no such file"));
            }
            size = Files.size(path);
        } catch (IOException e) {
            throw new DiskImageException(path + ": " + e.getMessage());
        }
        if (size % SECTOR != 0) {
            throw new DiskImageException(path + " is " + size + " bytes, not a whole number of 512-byte sectors "
                    + "(round it up, e.g. truncate -s %512 " + path.getFileName() + ")");
        }
        int fd;
        try {
            fd = LibC.open(path.toString(), (readOnly ? LibC.O_RDONLY : LibC.O_RDWR) | LibC.O_CLOEXEC);
        } catch (NativeException e) {
            throw new DiskImageException(path + ": cannot open it " + (readOnly ? "for reading" : "for writing")
                    + ": " + e.getMessage());
        }
        return new DiskImage(path, readOnly, size, fd);
    }

    public Path path() {
        return path;
    }

    public boolean readOnly() {
        return readOnly;
    }

    /** Bytes. */
    public long size() {
        return size;
    }

    /**
     * Reads into {@code parts}, in order, the bytes from {@code offset} on (the range is inside the disk): one
     * preadv for a whole request, as a guest's buffers are scattered pages.
     */
    public void read(List<MemorySegment> parts, long offset) {
        long done = LibC.preadv(fd, parts.subList(0, Math.min(parts.size(), LibC.UIO_MAXIOV)), offset);
        finish(parts, offset, done, true);
    }

    /** Writes {@code parts}, in order, from {@code offset} on: one pwritev for a whole request. */
    public void write(List<MemorySegment> parts, long offset) {
        long done = LibC.pwritev(fd, parts.subList(0, Math.min(parts.size(), LibC.UIO_MAXIOV)), offset);
        finish(parts, offset, done, false);
    }

    /**
     * What one vectored call left: after a short transfer (a signal, the end of a file that shrank) or past
     * UIO_MAXIOV buffers, the rest goes buffer by buffer.
     */
    private void finish(List<MemorySegment> parts, long offset, long done, boolean read) {
        long skip = done;
        for (MemorySegment part : parts) {
            if (skip >= part.byteSize()) {
                skip -= part.byteSize();
            } else {
                MemorySegment rest = part.asSlice(skip);
                if (read) {
                    readFully(rest, offset + done);
                } else {
                    writeFully(rest, offset + done);
                }
                done += rest.byteSize();
                skip = 0;
            }
        }
    }

    private void readFully(MemorySegment into, long offset) {
        long done = 0;
        while (done < into.byteSize()) {
            long n = LibC.pread(fd, into.asSlice(done), offset + done);
            if (n == 0) {
                into.asSlice(done).fill((byte) 0); // the file shrank under us: what is gone reads as zeros
                return;
            }
            done += n;
        }
    }

    private void writeFully(MemorySegment from, long offset) {
        long done = 0;
        while (done < from.byteSize()) {
            done += LibC.pwrite(fd, from.asSlice(done), offset + done);
        }
    }

    /** The data written so far is on stable storage when this returns (fdatasync). */
    public void flush() {
        LibC.fdatasync(fd);
    }

    /** Frees {@code length} bytes at {@code offset}: they read back as zeros; the size stays. */
    public void punchHole(long offset, long length) {
        LibC.fallocate(fd, LibC.FALLOC_FL_PUNCH_HOLE | LibC.FALLOC_FL_KEEP_SIZE, offset, length);
    }

    @Override
    public void close() {
        if (!closed) {
            closed = true;
            LibC.close(fd);
        }
    }

    /** A disk image that cannot be used, with the file and the reason. */
    public static final class DiskImageException extends RuntimeException {
        private static final long serialVersionUID = 1L;

        public DiskImageException(String message) {
            super(message);
        }
    }
}
