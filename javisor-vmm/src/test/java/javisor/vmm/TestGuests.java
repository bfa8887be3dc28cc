package javisor.vmm;

import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;

import javisor.sys.kvm.Kvm;

import static org.junit.jupiter.api.Assertions.assertTrue;
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

    /**
     * {@code d} on this host: ten times as long inside the KVM box (bin/kvm-box), where JVMs start about ten times
     * slower. For waits on other processes, which are bounds against hangs, never measures of speed.
     */
    public static Duration patience(Duration d) {
        return System.getenv("JAVISOR_IN_BOX") != null ? d.multipliedBy(10) : d;
    }

    /**
     * Fails the test, saying why, where KVM cannot be used. Tests that call this are tagged "kvm": the build runs
     * them where there is a /dev/kvm, in the KVM box on a host without one, so they never skip.
     */
    public static void requireKvm() {
        var cause = Kvm.unavailabilityCause(Vmm.REQUIRED_CAPS);
        assertTrue(cause.isEmpty(), () -> "needs /dev/kvm: " + cause.orElse("")
                + " (tests tagged \"kvm\" run where there is one: ./run-tests takes them into the KVM box)");
    }
}
