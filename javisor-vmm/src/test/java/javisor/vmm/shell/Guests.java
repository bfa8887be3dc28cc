package javisor.vmm.shell;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;

import javisor.vmm.VirtualizationUnavailableException;
import javisor.vmm.Vmm;

import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

/** The gcc-built guests, configs for them, and the KVM check (as javisor.vmm's TestGuests, for this package). */
final class Guests {
    private Guests() {
    }

    static Path dir() {
        String d = System.getProperty("javisor.guests.dir");
        Path p = d != null ? Path.of(d) : Path.of("../guests/target/guests");
        assertTrue(Files.isDirectory(p), "guest images not built: " + p.toAbsolutePath()
                + " (the guests module builds them with gcc)");
        return p;
    }

    static Path image(String name) {
        Path p = dir().resolve(name);
        assertTrue(Files.isRegularFile(p), "guest image missing: " + p);
        return p;
    }

    /** Skips the test, saying why, where KVM cannot be used. */
    static void assumeKvm() {
        String cause = null;
        try {
            Vmm.checkVirtualization();
        } catch (VirtualizationUnavailableException e) {
            cause = e.getMessage();
        }
        assumeTrue(cause == null, "needs /dev/kvm: " + cause);
    }

    /** Writes {@code NAME.toml} in {@code dir}: a Multiboot guest with 16 MiB at 0 and one vCPU. */
    static Path config(Path dir, String file, long id, String name, String image, String cmdline)
            throws IOException {
        Path p = dir.resolve(file);
        Files.writeString(p, """
                [base]
                id = %d
                name = "%s"
                vm_type = 1
                cpu_num = 1

                [kernel]
                entry_point = 0x100000
                kernel_path = "%s"
                kernel_load_addr = 0x100000
                cmdline = "%s"
                memory_regions = [[0x0, 0x1000000, 0x7, 0]]

                [devices]
                """.formatted(id, name, image(image).toAbsolutePath(), cmdline));
        return p;
    }
}
