package javisor.vmm.linux;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;

import static org.junit.jupiter.api.Assertions.fail;

/**
 * ext4 disk images made and read on the host with e2fsprogs, without root and without mounting anything:
 * {@code mke2fs -d} fills a new file system from a folder, {@code debugfs} copies a file out of one, and
 * {@code e2fsck -fn} checks one without changing it.
 */
final class Ext4Image {
    private static final String PACKAGE_HINT = " (Debian: apt-get install e2fsprogs)";

    private Ext4Image() {
    }

    /** A new image of {@code mib} MiB at {@code image} holding the tree under {@code tree}, all owned by root. */
    static void make(Path tree, Path image, int mib) throws IOException, InterruptedException {
        Result r = run(List.of(tool("mke2fs"), "-q", "-F", "-t", "ext4", "-L", "javisor-root", "-E",
                "root_owner=0:0", "-d", tree.toString(), image.toString(), mib + "M"));
        if (r.status != 0) {
            fail("mke2fs could not make " + image + ":\n" + r.output);
        }
    }

    /** The bytes of the file at {@code path} in {@code image}. */
    static byte[] read(Path image, String path) throws IOException, InterruptedException {
        Path out = Files.createTempFile("javisor-ext4", ".out");
        try {
            Files.delete(out); // debugfs's dump writes a new file
            Result r = run(List.of(tool("debugfs"), "-R", "dump " + path + " " + out, image.toString()));
            if (r.status != 0 || !Files.exists(out)) {
                fail("debugfs could not read " + path + " from " + image + ":\n" + r.output);
            }
            return Files.readAllBytes(out);
        } finally {
            Files.deleteIfExists(out);
        }
    }

    /** e2fsck's verdict on {@code image}, read-only: status 0 means clean and consistent. */
    static Result check(Path image) throws IOException, InterruptedException {
        return run(List.of(tool("e2fsck"), "-f", "-n", image.toString()));
    }

    /** A tool's exit status and its merged output. */
    record Result(int status, String output) {
    }

    private static String tool(String name) {
        // The sbin folders are not on every user's PATH, and e2fsprogs lives there.
        List<Path> places = new ArrayList<>();
        for (String dir : System.getenv().getOrDefault("PATH", "").split(":")) {
            if (!dir.isEmpty()) {
                places.add(Path.of(dir));
            }
        }
        places.addAll(List.of(Path.of("/usr/sbin"), Path.of("/sbin")));
        for (Path dir : places) {
            Path p = dir.resolve(name);
            if (Files.isExecutable(p)) {
                return p.toString();
            }
        }
        return fail(name + " is not installed" + PACKAGE_HINT);
    }

    private static Result run(List<String> command) throws IOException, InterruptedException {
        Process p = new ProcessBuilder(command).redirectErrorStream(true).start();
        p.getOutputStream().close();
        byte[] out = p.getInputStream().readAllBytes();
        if (!p.waitFor(2, TimeUnit.MINUTES)) {
            p.destroyForcibly();
            fail(String.join(" ", command) + " did not finish within 2 minutes");
        }
        return new Result(p.exitValue(), new String(out, StandardCharsets.UTF_8));
    }
}
