package javisor.vmm.shell;

import java.io.IOException;
import java.nio.file.Path;

import javisor.vmm.GuestToml;
import javisor.vmm.TestGuests;

/** {@link TestGuests} for this package, plus configs for the shell tests' guests. */
final class Guests {
    private Guests() {
    }

    static Path dir() {
        return TestGuests.dir();
    }

    static Path image(String name) {
        return TestGuests.image(name);
    }

    static void requireKvm() {
        TestGuests.requireKvm();
    }

    /** Writes {@code file} in {@code dir}: a Multiboot guest with 16 MiB at 0 and one vCPU. */
    static Path config(Path dir, String file, long id, String name, String image, String cmdline)
            throws IOException {
        return GuestToml.of(id, image).named(name).cmdline(cmdline).write(dir, file);
    }
}
