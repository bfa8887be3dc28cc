package javisor.vmm.shell;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * The file commands in a script, as {@code javisor shell} runs one, without a VM: results on standard output,
 * errors on standard error, exit status 1 once a command failed; and {@code vm create} finding a config from
 * the directory {@code cd} went to.
 */
@Timeout(30)
class FileScriptTest {
    @TempDir
    Path tmp;

    @Test
    void aScriptEditsFilesFromTheDirectoryItWentTo() {
        ScriptRun r = ScriptRun.withoutVmm("""
                cd "%s"
                mkdir -p configs/old
                echo [base] > configs/vm.toml
                cd configs
                touch vm.toml
                cp vm.toml old/
                mv old/vm.toml old/vm.bak
                ls -a . old
                cat vm.toml old/vm.bak
                pwd
                """.formatted(tmp));
        assertThat(r.err()).isEmpty();
        assertThat(r.out()).isEqualTo(".:\nold\nvm.toml\n\nold:\nvm.bak\n[base]\n[base]\n" + tmp.resolve("configs")
                + "\n");
        assertThat(r.status()).isZero();
    }

    @Test
    void aFailedFileCommandMakesTheScriptExitWithOne() throws IOException {
        Files.createDirectory(tmp.resolve("d"));
        ScriptRun r = ScriptRun.withoutVmm("""
                cd "%s"
                rm d
                ls
                """.formatted(tmp));
        assertThat(r.err()).isEqualTo("error: rm: d: is a directory (use -r or -d)\n");
        assertThat(r.out()).isEqualTo("d\n");
        assertThat(r.status()).isEqualTo(1);
    }

    @Test
    void vmCreateReadsARelativeConfigFromTheShellsWorkingDirectory() throws IOException {
        // No VM gets created (that needs KVM): a config that fails to load shows which file was read.
        Path dir = Files.createDirectory(tmp.resolve("configs"));
        Path good = Guests.config(dir, "bad.toml", 1, "bad", "spin.elf", "");
        Files.writeString(good, Files.readString(good).replace("cpu_num = 1", "cpu_num = 0"));
        ScriptRun r = ScriptRun.withoutVmm("""
                cd "%s"
                vm create bad.toml
                vm create missing.toml
                """.formatted(dir));
        String[] errors = r.err().split("\n");
        assertThat(errors).hasSize(2);
        assertThat(errors[0]).startsWith("error: " + dir.resolve("bad.toml")).contains("cpu_num");
        assertThat(errors[1]).startsWith("error: " + dir.resolve("missing.toml")).contains("no such file");
        assertThat(r.status()).isEqualTo(1);
    }
}
