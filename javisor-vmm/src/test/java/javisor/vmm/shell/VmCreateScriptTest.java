package javisor.vmm.shell;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;

import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

import javisor.vmm.Vmm;

import static javisor.vmm.shell.VmLifecycleScriptTest.vms;
import static org.assertj.core.api.Assertions.assertThat;

/** vm create: its options (ignored by AxVisor, working here), duplicate ids, id 0, bad configs. */
@Timeout(60)
@Tag("kvm")
class VmCreateScriptTest {
    @TempDir
    Path tmp;
    private Vmm vmm;
    private Path spin;

    @BeforeEach
    void setUp() throws IOException {
        Guests.requireKvm();
        vmm = Vmm.init(List.of(), Consoles.inMemory());
        spin = Guests.config(tmp, "spin.toml", 1, "spin", "spin.elf", "");
    }

    @AfterEach
    void tearDown() {
        if (vmm != null) {
            vmm.close();
        }
    }

    @Test
    void nameCpuAndMemoryOptionsOverrideTheConfig() {
        ScriptRun r = ScriptRun.of(vmm, "vm create -n \"web server\" -c 2 -m 32 " + spin + "\nvm list --format json\n");
        assertThat(r.err()).isEmpty();
        assertThat(r.out()).startsWith("created VM 1 (web server)\n");
        assertThat(vms(r.out().split("\n")[1])).singleElement().satisfies(v -> assertThat(v)
                .containsEntry("name", "web server").containsEntry("vcpus", 2L).containsEntry("memory", 32L << 20));
    }

    @Test
    void theStartOptionBootsEachVmOnceBuilt() throws IOException {
        Path second = Guests.config(tmp, "spin2.toml", 2, "spin2", "spin.elf", "");
        ScriptRun r = ScriptRun.of(vmm, "vm create -s " + spin + " " + second + "\nvm list --format json\n");
        assertThat(r.err()).isEmpty();
        assertThat(r.out()).startsWith("created VM 1 (spin)\nstarted VM 1 (spin)\ncreated VM 2 (spin2)\n"
                + "started VM 2 (spin2)\n");
        assertThat(vms(r.out().split("\n")[4])).extracting(v -> v.get("state")).containsExactly("running", "running");
    }

    @Test
    void longOptionFormsWorkToo() {
        ScriptRun r = ScriptRun.of(vmm, "vm create --name=big --cpu 3 --memory=48 " + spin + "\nvm list\n");
        assertThat(r.err()).isEmpty();
        assertThat(r.out()).contains("1   big   loaded  3      48 MiB  -\n");
    }

    @Test
    void aDuplicateIdIsRefused() {
        ScriptRun r = ScriptRun.of(vmm, "vm create " + spin + "\nvm create -n other " + spin + "\n");
        assertThat(r.err()).isEqualTo("error: VM id 1 is already used by VM 'spin'\n");
        assertThat(r.status()).isEqualTo(1);
        assertThat(vmm.list()).singleElement().satisfies(v -> assertThat(v.name()).isEqualTo("spin"));
    }

    @Test
    void forceReplacesTheVmWithTheSameId() {
        ScriptRun r = ScriptRun.of(vmm, "vm create " + spin + "\nvm start 1\nvm create -f -n second " + spin + "\n");
        assertThat(r.err()).isEmpty();
        assertThat(r.out()).endsWith("deleted VM 1 (spin) to replace it\ncreated VM 1 (second)\n");
        assertThat(vmm.list()).singleElement().satisfies(v -> assertThat(v.name()).isEqualTo("second"));
    }

    @Test
    void idZeroIsAnOrdinaryVm() throws IOException {
        Path zero = Guests.config(tmp, "zero.toml", 0, "zero", "spin.elf", "");
        ScriptRun r = ScriptRun.of(vmm, "vm create " + zero + "\nvm start 0\nvm show 0\nvm stop 0\nvm delete 0\n");
        assertThat(r.err()).isEmpty();
        assertThat(r.out())
                .startsWith("created VM 0 (zero)\nstarted VM 0 (zero)\nVM 0 (zero)\n  state:       running\n")
                .endsWith("stopped VM 0 (zero)\ndeleted VM 0 (zero)\n");
    }

    @Test
    void aBadConfigIsReportedWithFileAndKeyAndTheOthersAreCreated() throws IOException {
        Path bad = tmp.resolve("bad.toml");
        Files.writeString(bad, Files.readString(spin).replace("cpu_num = 1", "cpu_num = 0"));
        ScriptRun r = ScriptRun.of(vmm, "vm create " + bad + " " + spin + "\n");
        assertThat(r.err()).startsWith("error: ").contains("bad.toml").contains("cpu_num");
        assertThat(r.out()).isEqualTo("created VM 1 (spin)\n");
        assertThat(r.status()).isEqualTo(1);
    }

    @Test
    void aRelativeConfigPathStartsFromTheDirectoryCdWentTo() {
        ScriptRun r = ScriptRun.of(vmm, "cd \"" + tmp + "\"\nvm create spin.toml\n");
        assertThat(r.err()).isEmpty();
        assertThat(r.out()).isEqualTo("created VM 1 (spin)\n");
    }

    @Test
    void aMissingConfigFileIsReported() {
        ScriptRun r = ScriptRun.of(vmm, "vm create " + tmp.resolve("nope.toml") + "\n");
        assertThat(r.err()).startsWith("error: ").contains("nope.toml");
        assertThat(vmm.list()).isEmpty();
    }

    @Test
    void aBadOptionValueIsReported() {
        ScriptRun r = ScriptRun.of(vmm, "vm create -c many " + spin + "\nvm create -c 0 " + spin + "\n");
        assertThat(r.err()).isEqualTo("error: --cpu expects a number, got 'many'\n"
                + "error: " + spin + ": --cpu 0: expected 1 to 1024 vCPUs, got 0\n");
    }
}
