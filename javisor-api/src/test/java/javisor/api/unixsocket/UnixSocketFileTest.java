package javisor.api.unixsocket;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/** Claiming, binding beside and publishing an API socket's path; a plain file stands in for the bound socket. */
class UnixSocketFileTest {
    @TempDir
    Path dir;

    @Test
    void anExistingPathIsRefusedWithTheCallersReason() throws IOException {
        Path socket = Files.createFile(dir.resolve("api.sock"));
        assertThatThrownBy(() -> UnixSocketFile.claim(socket, " (because)"))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessage("the API socket " + socket + " already exists; remove it first (because)");
    }

    @Test
    void aDanglingSymbolicLinkCountsAsExisting() throws IOException {
        Path socket = Files.createSymbolicLink(dir.resolve("api.sock"), dir.resolve("nowhere"));
        assertThatThrownBy(() -> UnixSocketFile.claim(socket, ""))
                .hasMessage("the API socket " + socket + " already exists; remove it first");
    }

    @Test
    void aMissingFolderIsNamed() {
        Path socket = dir.resolve("no/such/api.sock");
        assertThatThrownBy(() -> UnixSocketFile.claim(socket, ""))
                .hasMessage("cannot listen on the API socket " + socket + ": its folder " + dir.resolve("no/such")
                        + " does not exist");
    }

    @Test
    void publishMovesTheBindingIntoPlaceOwnerOnlyWhenAsked() throws IOException {
        Path socket = dir.resolve("api.sock");
        UnixSocketFile file = UnixSocketFile.claim(socket, "");
        assertThat(file.binding()).isEqualTo(dir.resolve("api.sock~"));
        Files.createFile(file.binding(), PosixFilePermissions.asFileAttribute(PosixFilePermissions.fromString(
                "rw-rw-rw-")));
        file.publish(true);
        assertThat(file.binding()).doesNotExist();
        assertThat(PosixFilePermissions.toString(Files.getPosixFilePermissions(socket))).isEqualTo("rw-------");
    }

    @Test
    void aFailedPublishNamesTheSocket() {
        Path socket = dir.resolve("api.sock");
        UnixSocketFile file = UnixSocketFile.claim(socket, "");
        assertThatThrownBy(() -> file.publish(false)) // nothing was bound
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageStartingWith("cannot put the API socket at " + socket + ": ");
    }
}
