package javisor.vmm;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.TimeUnit;

import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

import static org.assertj.core.api.Assertions.assertThat;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * A guest written for QEMU (a Multiboot ELF that prints to COM1 and leaves through isa-debug-exit) gives the
 * same output and exit status under {@code javisor run --kernel} as under QEMU on the same machine. CI installs
 * QEMU; the test fails, saying so, where it is missing.
 */
@Timeout(120)
@Tag("kvm")
class QemuCompatibilityTest {
    record Result(int status, String out) {
    }

    static Result qemu(Path kernel, String machine) throws IOException, InterruptedException {
        ProcessBuilder pb = new ProcessBuilder(List.of("qemu-system-x86_64", "-enable-kvm",
                "-cpu", "host,-arch-capabilities", "-M", machine, "-m", "128", "-nodefaults", "-nographic",
                "-serial", "stdio", "-device", "isa-debug-exit,iobase=0xf4,iosize=4", "-kernel", kernel.toString()))
                .redirectError(ProcessBuilder.Redirect.DISCARD);
        Process p;
        try {
            p = pb.start();
        } catch (IOException e) {
            throw new AssertionError("qemu-system-x86_64 is not installed (apt-get install qemu-system-x86)", e);
        }
        p.getOutputStream().close();
        String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        assertTrue(p.waitFor(60, TimeUnit.SECONDS), "QEMU did not finish");
        return new Result(p.exitValue(), out);
    }

    @Test
    void sameOutputAndExitStatusAsQemuMicrovm() throws Exception {
        TestGuests.requireKvm();
        Path kernel = TestGuests.image("exit42.elf");
        Result q = qemu(kernel, "microvm");
        CliRun j = CliRun.of("run", "--kernel", kernel.toString());
        assertThat(q.out()).isEqualTo("exit42\n");
        assertThat(j.out()).isEqualTo(q.out());
        assertThat(j.status()).isEqualTo(q.status()).isEqualTo(85);
    }

    @Test
    void aKernelLinkedAt0x8000BootsAsUnderQemu() throws Exception {
        TestGuests.requireKvm();
        Path kernel = TestGuests.image("low8000.elf");
        Result q = qemu(kernel, "microvm");
        CliRun j = CliRun.of("run", "--kernel", kernel.toString());
        assertThat(q.out()).isEqualTo("low8000: running at 0x00008000, boot data clear of the image\n");
        assertThat(j.out()).isEqualTo(q.out());
        assertThat(j.status()).isEqualTo(q.status()).isEqualTo((0x70 << 1) | 1);
    }
}
