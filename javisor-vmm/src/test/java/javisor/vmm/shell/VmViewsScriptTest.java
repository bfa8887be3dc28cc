package javisor.vmm.shell;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;

import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

import javisor.vmm.Vmm;

import static javisor.vmm.shell.VmLifecycleScriptTest.vms;
import static org.assertj.core.api.Assertions.assertThat;

/** vm list, show, stats, console (in a script), wait, and where guest output goes. */
@Timeout(60)
@Tag("kvm")
class VmViewsScriptTest {
    @TempDir
    Path tmp;
    private Consoles consoles;
    private Vmm vmm;

    private void init(Consoles c) {
        Guests.requireKvm();
        consoles = c;
        vmm = Vmm.init(List.of(), consoles);
    }

    @AfterEach
    void tearDown() {
        if (vmm != null) {
            vmm.close();
        }
    }

    private Path spin() throws IOException {
        return Guests.config(tmp, "spin.toml", 1, "spin", "spin.elf", "");
    }

    private Path hello() throws IOException {
        return Guests.config(tmp, "hello.toml", 2, "hello", "hello.elf", "greeting=hi");
    }

    @Test
    void listShowsATableWithEveryColumn() throws IOException {
        init(Consoles.inMemory());
        ScriptRun r = ScriptRun.of(vmm, "vm list\nvm create " + spin() + " " + hello() + "\nvm start 1\nvm list -a\n");
        assertThat(r.err()).isEmpty();
        assertThat(r.out()).startsWith("no VMs\n");
        String table = r.out().substring(r.out().indexOf("ID"));
        assertThat(table).matches("""
                ID  NAME   STATE    VCPUS  MEMORY  UPTIME
                1   spin   running  1      16 MiB  \\d+\\.\\ds
                2   hello  loaded   1      16 MiB  -
                """);
    }

    @Test
    void listAsJsonIsValidAndEscapesNames() throws IOException {
        init(Consoles.inMemory());
        Path odd = Guests.config(tmp, "odd.toml", 3, "say \\\"hi\\\" \\\\ back", "spin.elf", "");
        ScriptRun r = ScriptRun.of(vmm, "vm create " + odd + "\nvm list --format json\nvm list --format=json -a\n");
        assertThat(r.err()).isEmpty();
        String[] lines = r.out().split("\n");
        assertThat(vms(lines[1])).singleElement().satisfies(v -> assertThat(v).containsEntry("id", 3L)
                .containsEntry("name", "say \"hi\" \\ back").containsEntry("state", "loaded")
                .containsEntry("vcpus", 1L).containsEntry("memory", 16L << 20).containsEntry("uptime_ms", 0L).containsEntry("exits", 0L));
        assertThat(lines[2]).isEqualTo(lines[1]);
    }

    @Test
    void showGivesTheBasicsAndItsOptionsAddSections() throws IOException {
        init(Consoles.inMemory());
        Path spin = spin();
        ScriptRun r = ScriptRun.of(vmm,
                "vm create " + spin + "\nvm show 1\nvm show -c 1\nvm show -s 1\nvm show -f 1\n");
        assertThat(r.err()).isEmpty();
        String[] parts = r.out().split("(?m)^(?=VM 1 \\(spin\\)\n)");
        assertThat(parts).hasSize(5);
        assertThat(parts[1]).isEqualTo("""
                VM 1 (spin)
                  state:       loaded
                  vCPUs:       1
                  memory:      16 MiB in 1 region
                  uptime:      -
                  kernel:      %s (auto)
                  console log: (not logged to a file)
                  config:      %s
                """.formatted(Guests.image("spin.elf").toAbsolutePath(), spin));
        assertThat(parts[2]).startsWith(parts[1]).contains("config:\n[base]\nid = 1\nname = \"spin\"\n");
        assertThat(parts[3]).startsWith(parts[1]).contains("VM 1 (spin): loaded, uptime -, memory 16 MiB, 1 vCPU\n")
                .contains("exits: 0\n");
        assertThat(parts[4]).startsWith(parts[1])
                .contains("memory regions:\n  0: [0x0, 0x1000000) 16 MiB rwx- map_alloc\n")
                .contains("  entry point:    0x100000\n").contains("vCPU pinning: none\n")
                .contains("emulated devices: none\n").contains("exits: 0\n");
    }

    @Test
    void statsCountExitsByReasonAndByVcpu() throws Exception {
        init(Consoles.inMemory());
        ScriptRun r = ScriptRun.of(vmm, "vm create " + hello() + "\nvm start 2\nwait 2\nvm stats hello\n");
        assertThat(r.err()).isEmpty();
        String stats = r.out().substring(r.out().indexOf("VM 2 (hello): "));
        assertThat(stats).startsWith("VM 2 (hello): stopped, uptime -, memory 16 MiB, 1 vCPU\n")
                .containsPattern("exits: [1-9]\\d*\n").containsPattern("  io_out: [1-9]\\d*\n")
                .containsPattern("vCPU 0: [1-9]\\d* exits \\(.*io_out [1-9]\\d*.*\\)\n");
    }

    @Test
    void waitSaysWhyTheGuestStopped() throws IOException {
        init(Consoles.inMemory());
        ScriptRun r = ScriptRun.of(vmm, "vm create " + hello() + " " + spin() + "\nvm start 2\nwait\n");
        assertThat(r.err()).isEmpty();
        assertThat(r.out()).endsWith("VM 1 (spin) was never started\nVM 2 (hello) stopped: guest powered off\n");
    }

    @Test
    void guestOutputGoesToItsConsoleNeverToTheShell() throws IOException {
        init(Consoles.inMemory());
        ScriptRun r = ScriptRun.of(vmm, "vm create " + hello() + "\nvm start 2\nwait 2\n");
        assertThat(consoles.output(2)).startsWith("Hello from a Javisor guest!\n").endsWith("Bye.\n");
        assertThat(r.out()).doesNotContain("Hello").doesNotContain("Bye");
        assertThat(r.err()).doesNotContain("Hello");
    }

    @Test
    void consoleInAScriptPrintsTheRecentOutput() throws Exception {
        init(Consoles.inMemory());
        LineDriver shell = new LineDriver(vmm);
        shell.run("vm create " + spin());
        assertThat(shell.run("vm console 1").out()).isEmpty();
        shell.run("vm start 1");
        assertThat(consoles.await(1, "spinning\n", 1, Duration.ofSeconds(30))).isTrue();
        assertThat(shell.run("vm console 1").out()).isEqualTo("spinning\n");
    }

    @Test
    void deleteRemovesTheConsoleLogUnlessKeepData() throws IOException {
        init(Consoles.logsIn(tmp));
        Path hello = hello();
        ScriptRun r = ScriptRun.of(vmm, "vm create " + hello + "\nvm start 2\nwait 2\nvm delete 2\n");
        assertThat(r.out()).endsWith("deleted VM 2 (hello)\n");
        assertThat(tmp.resolve("vm-2.log")).doesNotExist();
        ScriptRun kept = ScriptRun.of(vmm, "vm create " + hello + "\nvm start 2\nwait 2\nvm delete --keep-data 2\n");
        assertThat(kept.err()).isEmpty();
        assertThat(kept.out()).endsWith("deleted VM 2 (hello); its console log stays at " + tmp.resolve("vm-2.log")
                + "\n");
        assertThat(Files.readString(tmp.resolve("vm-2.log"))).startsWith("Hello from a Javisor guest!\n");
    }

    @Test
    void exitStatusIsZeroWhenEveryCommandSucceeded() throws IOException {
        init(Consoles.inMemory());
        assertThat(ScriptRun.of(vmm, "vm create " + spin() + "\nvm list\n").status()).isZero();
    }

    @Test
    void exitStatusIsOneWhenACommandFailedAndTheScriptGoesOn() {
        init(Consoles.inMemory());
        ScriptRun r = ScriptRun.of(vmm, "vm show 1\nuname -s\n");
        assertThat(r.status()).isEqualTo(1);
        assertThat(r.out()).isEqualTo("Javisor\n");
    }

    @Test
    void exitWithACodeEndsTheScriptWithIt() {
        init(Consoles.inMemory());
        ScriptRun r = ScriptRun.of(vmm, "uname -s\nexit 7\nuname -m\n");
        assertThat(r.status()).isEqualTo(7);
        assertThat(r.out()).isEqualTo("Javisor\n");
    }

    @Test
    void exitWithoutACodeAfterAFailureGivesOne() {
        init(Consoles.inMemory());
        assertThat(ScriptRun.of(vmm, "vm show 1\nquit\n").status()).isEqualTo(1);
    }
}
