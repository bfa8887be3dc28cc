package javisor.vmm;

import java.io.IOException;
import java.io.OutputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.FileTime;
import java.time.Instant;
import java.util.Comparator;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Stream;

import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

import static org.assertj.core.api.Assertions.assertThat;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

/**
 * The README's first command as a user runs it: {@code ./javisor} at the repository root, with whatever
 * JAVA_HOME the user has (none, or an older JDK), finds JDK 25, links its runtime image, trains its AOT cache and
 * boots the guest. An integration test (failsafe, after {@code package}): it runs the jars this build has just
 * put in {@code javisor-vmm/target/lib}.
 */
@Timeout(300)
class LauncherIT {
    private static final Path ROOT = Path.of(System.getProperty("javisor.root", "..")).toAbsolutePath().normalize();
    private static final Path TARGET = ROOT.resolve("javisor-vmm/target");
    private static final Path RUNTIME = TARGET.resolve("runtime");
    private static final Pattern JAVA_VERSION = Pattern.compile("(?m)^JAVA_VERSION=\"(\\d+)");

    record Run(int status, String out, String err) {
    }

    @BeforeAll
    static void theseJarsAreTheBuild() throws IOException {
        // The launcher rebuilds when a source is newer than this stamp; the jars beside it were packaged by the
        // build running this test, from these sources, so a nested Maven build would only repeat it.
        Path stamp = TARGET.resolve("lib/.built");
        try (Stream<Path> jars = Files.list(stamp.getParent())) {
            assertTrue(jars.anyMatch(j -> j.getFileName().toString().matches("javisor-vmm-.*\\.jar")),
                    "no javisor-vmm jar in " + stamp.getParent() + ": run after package");
        }
        if (!Files.exists(stamp)) {
            Files.createFile(stamp);
        }
        Files.setLastModifiedTime(stamp, FileTime.from(Instant.now()));
    }

    static Run launch(Map<String, String> env, String... args) throws IOException, InterruptedException {
        return launch(ROOT, "", env, args);
    }

    /** {@code ./javisor ARGS} run from the folder {@code dir}, {@code input} on its standard input. */
    static Run launch(Path dir, String input, Map<String, String> env, String... args)
            throws IOException, InterruptedException {
        ProcessBuilder pb = new ProcessBuilder(Stream.concat(Stream.of(ROOT.resolve("javisor").toString()),
                Stream.of(args)).toList()).directory(dir.toFile());
        pb.environment().remove("JAVA_HOME");
        pb.environment().remove("JAVISOR_NO_AOT");
        pb.environment().remove("JAVISOR_JAVA_OPTS");
        pb.environment().putAll(env);
        Path out = Files.createTempFile("launcher", ".out");
        Path err = Files.createTempFile("launcher", ".err");
        try {
            Process p = pb.redirectOutput(out.toFile()).redirectError(err.toFile()).start();
            try (OutputStream stdin = p.getOutputStream()) {
                stdin.write(input.getBytes(StandardCharsets.UTF_8));
            }
            if (!p.waitFor(240, TimeUnit.SECONDS)) {
                p.destroyForcibly();
                throw new AssertionError("./javisor " + String.join(" ", args) + " did not finish; stderr: "
                        + Files.readString(err));
            }
            return new Run(p.exitValue(), Files.readString(out), Files.readString(err));
        } finally {
            Files.delete(out);
            Files.delete(err);
        }
    }

    /** The JDK the launcher's runtime image was linked from, as it notes in the image. */
    static Path madeFrom() throws IOException {
        return Path.of(Files.readString(RUNTIME.resolve(".made-from")).strip().split(" ")[0]);
    }

    static int javaVersion(Path jdk) throws IOException {
        Matcher m = JAVA_VERSION.matcher(Files.readString(jdk.resolve("release"), StandardCharsets.UTF_8));
        assertTrue(m.find(), "no JAVA_VERSION in " + jdk.resolve("release"));
        return Integer.parseInt(m.group(1));
    }

    /** A JDK older than 25 under /usr/lib/jvm, as the machines of this project have (their default java). */
    static Path olderJdk() throws IOException {
        try (Stream<Path> jdks = Files.list(Path.of("/usr/lib/jvm"))) {
            for (Path jdk : jdks.sorted().toList()) {
                if (Files.isRegularFile(jdk.resolve("release")) && Files.isExecutable(jdk.resolve("bin/java"))
                        && javaVersion(jdk) < 25) {
                    return jdk;
                }
            }
        }
        return null;
    }

    @Test
    void linksARuntimeImageOfTheJdkItFinds() throws Exception {
        Run help = launch(Map.of(), "--help");
        assertThat(help.status()).as(help.err()).isZero();
        assertThat(help.out()).contains("javisor run", "javisor shell");

        Path jdk = madeFrom();
        assertThat(javaVersion(jdk)).isGreaterThanOrEqualTo(25);
        assertThat(Files.readString(RUNTIME.resolve("release")))
                .containsPattern("(?m)^MODULES=\"java.base java.logging java.security.sasl java.naming jdk.jfr "
                        + "jdk.unsupported\"$");
        assertThat(RUNTIME.resolve("bin/java")).isExecutable();
    }

    @Test
    @Tag("kvm")
    void bootsTheBundledDemoWithoutJavaHome() throws Exception {
        TestGuests.requireKvm();
        Run run = launch(Map.of());
        assertThat(run.status()).as(run.err()).isZero();
        assertThat(run.out()).startsWith("Hello from a Javisor guest!\n").endsWith("Bye.\n");
        assertThat(TARGET.resolve("javisor.aot")).as("the AOT cache the launcher trains").isNotEmptyFile();
    }

    @Test
    @Tag("kvm")
    void passesOverAnOlderJavaHome() throws Exception {
        TestGuests.requireKvm();
        Path older = olderJdk();
        assumeTrue(older != null, "no JDK older than 25 under /usr/lib/jvm to point JAVA_HOME at");
        Run run = launch(Map.of("JAVA_HOME", older.toString()), "run", "--kernel",
                TestGuests.image("exit42.elf").toString());
        assertThat(run.out()).isEqualTo("exit42\n");
        assertThat(run.status()).as(run.err()).isEqualTo(85);
    }

    @Test
    @Tag("kvm")
    void flightRecorderWorksOnTheRuntimeImage() throws Exception {
        // Operators profile a running Javisor with JFR (jcmd PID JFR.start); the image must carry jdk.jfr.
        TestGuests.requireKvm();
        Run run = launch(Map.of("JAVISOR_JAVA_OPTS", "-XX:StartFlightRecording"), "run", "--kernel",
                TestGuests.image("exit42.elf").toString());
        assertThat(run.out()).contains("Started recording").endsWith("exit42\n");
        assertThat(run.status()).as(run.err()).isEqualTo(85);
    }

    @Test
    @Tag("kvm")
    void relinksTheRuntimeWhenTheJdkChanges() throws Exception {
        TestGuests.requireKvm();
        assertThat(launch(Map.of(), "--help").status()).isZero();
        Files.writeString(RUNTIME.resolve(".made-from"), "/usr/lib/jvm/a-jdk-since-removed java.base\n");

        Run run = launch(Map.of(), "run", "--kernel", TestGuests.image("exit42.elf").toString());
        assertThat(run.out()).isEqualTo("exit42\n");
        assertThat(run.status()).as(run.err()).isEqualTo(85);
        assertThat(javaVersion(madeFrom())).isGreaterThanOrEqualTo(25);
        assertThat(TARGET.resolve("javisor.aot")).as("retrained for the new image").isNotEmptyFile();
        try (Stream<Path> leftovers = Files.list(TARGET)) {
            assertThat(leftovers.map(p -> p.getFileName().toString()))
                    .as("no half-made images left beside it").noneMatch(n -> n.startsWith("runtime."));
        }
    }

    @Test
    void withoutKvmItRunsInsideTheKvmBoxAndSaysSo() throws Exception {
        // JAVISOR_BOX=always takes the run into the box as a host without /dev/kvm does, on any host.
        Run run = launch(Map.of("JAVISOR_BOX", "always", "JAVISOR_NO_AOT", "1"), "run", "--kernel",
                TestGuests.image("hello.elf").toString(), "--cmdline", "exit=3");
        assertThat(run.err()).contains("JAVISOR_BOX=always, so Javisor runs inside the KVM box")
                .containsPattern("kvm-box: the box took [0-9.]+ s to boot");
        assertThat(run.out()).startsWith("Hello from a Javisor guest!\n").contains("cmdline: exit=3\n");
        assertThat(run.status()).as(run.err()).isEqualTo(7);
    }

    @Test
    void javisorBoxNeverKeepsTheRunOnThisHost() throws Exception {
        Run run = launch(Map.of("JAVISOR_BOX", "never", "JAVISOR_NO_AOT", "1"), "run", "--kernel",
                TestGuests.image("exit42.elf").toString());
        assertThat(run.err()).doesNotContain("KVM box");
        Path kvm = Path.of("/dev/kvm");
        if (Files.isReadable(kvm) && Files.isWritable(kvm)) {
            assertThat(run.status()).as(run.err()).isEqualTo(85);
        } else {
            assertThat(run.status()).as(run.err()).isEqualTo(ExitStatus.NO_KVM);
            assertThat(run.err()).contains("KVM is not usable");
        }
    }

    /** Runs {@code script} in bash without JAVA_HOME, its arguments {@code $1...}; stdout and stderr merged. */
    static Run bash(String script, String... args) throws IOException, InterruptedException {
        List<String> command = Stream.concat(Stream.of("bash", "-c", script, "-"), Stream.of(args)).toList();
        ProcessBuilder pb = new ProcessBuilder(command).redirectErrorStream(true);
        pb.environment().remove("JAVA_HOME");
        Process p = pb.start();
        String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        assertTrue(p.waitFor(30, TimeUnit.SECONDS));
        return new Run(p.exitValue(), out, "");
    }

    /** Runs bin/stale.sh's check on {@code tree}; true when it says the build is out of date. */
    static boolean stale(Path tree) throws IOException, InterruptedException {
        Run run = bash(". \"$1\" && javisor_stale \"$2\" \"$3\"", ROOT.resolve("bin/stale.sh").toString(),
                tree.toString(), tree.resolve("built").toString());
        assertThat(run.out()).as("javisor_stale prints nothing").isEmpty();
        assertThat(run.status()).isIn(0, 1);
        return run.status() == 0;
    }

    static void deleteTree(Path tree) throws IOException {
        try (Stream<Path> all = Files.walk(tree)) {
            for (Path p : all.sorted(Comparator.reverseOrder()).toList()) {
                Files.delete(p);
            }
        }
    }

    static void write(Path file, Instant modified) throws IOException {
        Files.createDirectories(file.getParent());
        Files.writeString(file, file.getFileName().toString());
        Files.setLastModifiedTime(file, FileTime.from(modified));
    }

    @Test
    void rebuildsWhenWhatRunsIsNewerThanTheBuild() throws Exception {
        // A tree shaped like this one, every file and folder older than the stamp.
        Path tree = Files.createTempDirectory("stale");
        try {
            staleChecks(tree);
        } finally {
            deleteTree(tree);
        }
    }

    private static void staleChecks(Path tree) throws IOException, InterruptedException {
        Instant before = Instant.now().minusSeconds(3600);
        List<String> files = List.of("pom.xml", "javisor-vm/pom.xml", "javisor-vm/src/main/java/a/Vm.java",
                "javisor-vm/src/test/java/a/VmTest.java", "guests/Makefile", "guests/src/hello.c",
                "guests/sdk/include/jv.h", "configs/default/hello.toml", "README.md");
        for (String f : files) {
            write(tree.resolve(f), before);
        }
        try (Stream<Path> all = Files.walk(tree)) {
            for (Path p : all.toList()) {
                Files.setLastModifiedTime(p, FileTime.from(before));
            }
        }
        assertThat(stale(tree)).as("no stamp: never built").isTrue();
        write(tree.resolve("built"), before.plusSeconds(60));
        assertThat(stale(tree)).as("built after every input").isFalse();

        Instant later = before.plusSeconds(120);
        write(tree.resolve("javisor-vm/src/test/java/a/VmTest.java"), later);
        write(tree.resolve("README.md"), later);
        assertThat(stale(tree)).as("tests and docs do not change what runs").isFalse();

        for (String input : List.of("javisor-vm/src/main/java/a/Vm.java", "guests/src/hello.c",
                "guests/sdk/include/jv.h", "configs/default/hello.toml", "javisor-vm/pom.xml")) {
            write(tree.resolve(input), later);
            assertThat(stale(tree)).as(input + " changed").isTrue();
            Files.setLastModifiedTime(tree.resolve(input), FileTime.from(before));
            assertThat(stale(tree)).isFalse();
        }

        Path folder = tree.resolve("javisor-vm/src/main/java/a");
        Files.delete(folder.resolve("Vm.java"));
        Files.setLastModifiedTime(folder, FileTime.from(later));
        assertThat(stale(tree)).as("a source deleted: its folder is newer").isTrue();
    }

    @Test
    void tellsWhenNoJdk25CanBeFound() throws Exception {
        // The lookup alone, from bin/jdk.sh as the launcher sources it, with /usr/lib/jvm replaced by an empty folder.
        Path empty = Files.createTempDirectory("no-jdks");
        try {
            String script = Files.readString(ROOT.resolve("bin/jdk.sh"));
            assertThat(script).contains("/usr/lib/jvm/*");
            Run run = bash(script.replace("/usr/lib/jvm/*", empty + "/*") + "\njavisor_find_jdk");
            assertThat(run.status()).isEqualTo(1);
            assertThat(run.out()).contains("no JDK 25 or newer found");
        } finally {
            Files.delete(empty);
        }
    }
}
