package javisor.vmm.linux;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.HashMap;
import java.util.Map;
import java.util.concurrent.TimeUnit;

import static org.junit.jupiter.api.Assertions.fail;

/**
 * Debian's stock kernel and a busybox initramfs, fetched and built by the scripts in {@code scripts/} into a
 * cache outside the repository ({@code $JAVISOR_CACHE} or {@code ~/.cache/javisor}). Fails the caller, saying so,
 * when the Debian archive cannot be reached (the script's exit status 3), as on any other failure: a skip in the
 * callers' {@code @BeforeAll} would hide their tests from the reports.
 *
 * @param version   the kernel's release, e.g. "6.1.0-50-amd64"
 * @param vmlinux   the ELF kernel extracted from the bzImage
 * @param bzImage   the distribution's compressed kernel
 * @param initramfs a gzip'd cpio with busybox and the virtio modules
 * @param busybox   Debian's busybox-static, a static x86-64 executable
 */
record DebianKernel(String version, Path vmlinux, Path bzImage, Path initramfs, Path busybox) {
    private static final int UNREACHABLE = 3;
    private static final long SCRIPT_TIMEOUT_MINUTES = 10;

    static DebianKernel fetch() throws IOException, InterruptedException {
        Path scripts = Path.of(System.getProperty("javisor.scripts.dir", "../scripts"));
        Map<String, String> fetched = keyValues(run(scripts.resolve("fetch-debian-kernel.sh")));
        String initramfs = run(scripts.resolve("make-initramfs.sh")).strip();
        DebianKernel k = new DebianKernel(fetched.get("version"), Path.of(fetched.get("vmlinux")),
                Path.of(fetched.get("bzimage")), Path.of(initramfs), Path.of(fetched.get("busybox")));
        for (Path p : new Path[] {k.vmlinux, k.bzImage, k.initramfs, k.busybox}) {
            if (!Files.isRegularFile(p)) {
                fail("the scripts reported " + p + ", which is not a file");
            }
        }
        return k;
    }

    private static String run(Path script) throws IOException, InterruptedException {
        Path err = Files.createTempFile("javisor-script", ".err");
        try {
            Process p = new ProcessBuilder("bash", script.toString()).redirectError(err.toFile()).start();
            p.getOutputStream().close();
            byte[] out = p.getInputStream().readAllBytes();
            if (!p.waitFor(SCRIPT_TIMEOUT_MINUTES, TimeUnit.MINUTES)) {
                p.destroyForcibly();
                fail(script + " did not finish within " + SCRIPT_TIMEOUT_MINUTES + " minutes");
            }
            String errText = Files.readString(err, StandardCharsets.UTF_8);
            if (p.exitValue() == UNREACHABLE) {
                fail("Debian's archive cannot be reached, so there is no stock kernel to boot ("
                        + script.getFileName() + "): " + errText.strip());
            }
            if (p.exitValue() != 0) {
                fail(script + " failed with status " + p.exitValue() + ":\n" + errText);
            }
            return new String(out, StandardCharsets.UTF_8);
        } finally {
            Files.deleteIfExists(err);
        }
    }

    private static Map<String, String> keyValues(String text) {
        Map<String, String> m = new HashMap<>();
        for (String line : text.split("\n")) {
            int eq = line.indexOf('=');
            if (eq > 0) {
                m.put(line.substring(0, eq), line.substring(eq + 1));
            }
        }
        for (String key : new String[] {"version", "vmlinux", "bzimage", "busybox"}) {
            if (!m.containsKey(key)) {
                fail("fetch-debian-kernel.sh printed no " + key + "= line:\n" + text);
            }
        }
        return m;
    }
}
