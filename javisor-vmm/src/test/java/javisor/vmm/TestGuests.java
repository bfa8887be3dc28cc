package javisor.vmm;

import java.nio.file.Files;
import java.nio.file.Path;

import javisor.sys.kvm.Kvm;

import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

/** Where the gcc-built guests are, and the KVM check every guest test starts with. */
public final class TestGuests {
    private TestGuests() {
    }

    public static Path dir() {
        String d = System.getProperty("javisor.guests.dir");
        Path p = d != null ? Path.of(d) : Path.of("../guests/target/guests");
        assertTrue(Files.isDirectory(p), "guest images not built: " + p.toAbsolutePath()
                + " (the guests module builds them with gcc)");
        return p;
    }

    public static Path image(String name) {
        Path p = dir().resolve(name);
        assertTrue(Files.isRegularFile(p), "guest image missing: " + p);
        return p;
    }

    /** Skips the test, saying why, where KVM cannot be used; everywhere else the test runs. */
    public static void assumeKvm() {
        var cause = Kvm.unavailabilityCause(Vmm.REQUIRED_CAPS);
        assumeTrue(cause.isEmpty(), () -> "needs /dev/kvm: " + cause.orElse(""));
    }
}
