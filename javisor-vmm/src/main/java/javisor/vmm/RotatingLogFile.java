package javisor.vmm;

import java.io.IOException;
import java.io.OutputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;

/**
 * A VM's console log that never grows past a size (its {@code console_log_bytes} limit): when the next byte would
 * take it past, the file is renamed to {@code NAME.1}, replacing the one before, and a new file begins. So a guest
 * that writes without end costs at most twice the limit on disk and always leaves its latest output readable.
 */
final class RotatingLogFile extends OutputStream {
    private final Path file;
    private final long limit;
    private OutputStream out;
    private long size;

    /** Starts {@code file} afresh and removes an older rotated file, which belonged to an earlier VM of that name. */
    RotatingLogFile(Path file, long limit) throws IOException {
        if (limit <= 0) {
            throw new IllegalArgumentException("limit: expected more than 0 bytes, got " + limit);
        }
        this.file = file;
        this.limit = limit;
        Files.deleteIfExists(rotated(file));
        this.out = Files.newOutputStream(file);
    }

    /** Where {@code file}'s older part goes when it rotates. */
    static Path rotated(Path file) {
        return file.resolveSibling(file.getFileName() + ".1");
    }

    @Override
    public synchronized void write(int b) throws IOException {
        if (size >= limit) {
            rotate();
        }
        out.write(b);
        size++;
    }

    @Override
    public synchronized void write(byte[] b, int off, int len) throws IOException {
        while (len > 0) {
            if (size >= limit) {
                rotate();
            }
            int n = (int) Math.min(len, limit - size);
            out.write(b, off, n);
            size += n;
            off += n;
            len -= n;
        }
    }

    private void rotate() throws IOException {
        out.close();
        Files.move(file, rotated(file), StandardCopyOption.REPLACE_EXISTING);
        out = Files.newOutputStream(file);
        size = 0;
    }

    @Override
    public synchronized void flush() throws IOException {
        out.flush();
    }

    @Override
    public synchronized void close() throws IOException {
        out.close();
    }
}
