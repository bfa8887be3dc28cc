package javisor.vmm.shell;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;

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

    static void assumeKvm() {
        TestGuests.assumeKvm();
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
