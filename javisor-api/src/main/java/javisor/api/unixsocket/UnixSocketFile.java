package javisor.api.unixsocket;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.attribute.PosixFilePermissions;

/**
 * The path of an API's Unix socket, as both of Javisor's API servers use it: refused when something is there
 * already, bound beside its path ({@link #binding()}) and renamed into place once the server listens
 * ({@link #publish}), so that a client that sees the file can connect at once (the JDK binds and listens in two
 * steps, and clients such as Firecracker's SDKs wait for the file to appear).
 */
public final class UnixSocketFile {
    private final Path socket;
    private final Path binding;

    private UnixSocketFile(Path socket) {
        this.socket = socket;
        this.binding = socket.resolveSibling(socket.getFileName() + "~");
    }

    /**
     * Checks that {@code socket} does not exist yet and that its folder does. {@code whyNotTakenOver} ends the
     * message for an existing path (after "remove it first").
     *
     * @throws IllegalArgumentException naming the socket, when it exists or its folder does not
     */
    public static UnixSocketFile claim(Path socket, String whyNotTakenOver) {
        if (Files.exists(socket, LinkOption.NOFOLLOW_LINKS)) {
            throw new IllegalArgumentException("the API socket " + socket + " already exists; remove it first"
                    + whyNotTakenOver);
        }
        Path folder = socket.toAbsolutePath().getParent();
        if (folder != null && !Files.isDirectory(folder)) {
            throw new IllegalArgumentException("cannot listen on the API socket " + socket + ": its folder " + folder
                    + " does not exist");
        }
        return new UnixSocketFile(socket);
    }

    /** Where the server binds before {@link #publish}: beside the socket's path. */
    public Path binding() {
        return binding;
    }

    /**
     * Renames the listening socket into place; {@code ownerOnly} first makes it connectable by its owner only
     * (root passes anyway).
     *
     * @throws IllegalArgumentException naming the socket, when the rename (or the mode change) fails
     */
    public void publish(boolean ownerOnly) {
        try {
            if (ownerOnly) {
                Files.setPosixFilePermissions(binding, PosixFilePermissions.fromString("rw-------"));
            }
            Files.move(binding, socket, StandardCopyOption.ATOMIC_MOVE);
        } catch (IOException e) {
            throw new IllegalArgumentException("cannot put the API socket at " + socket + ": " + e.getMessage(), e);
        }
    }
}
