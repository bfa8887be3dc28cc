package javisor.vmm.shell;

import java.io.IOException;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;

import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

import javisor.vmm.Vmm;

import static org.assertj.core.api.Assertions.assertThat;

/** The vm lifecycle commands, driven by scripts on real KVM with the spinning guest. */
@Timeout(120)
@Tag("kvm")
class VmLifecycleScriptTest {
    @TempDir
    Path tmp;
    private Consoles consoles;
    private Vmm vmm;
    private Path spin;

    @BeforeEach
    void setUp() throws IOException {
        Guests.requireKvm();
        consoles = Consoles.inMemory();
        vmm = Vmm.init(List.of(), consoles);
        spin = Guests.config(tmp, "spin.toml", 1, "spin", "spin.elf", "");
    }

    @AfterEach
    void tearDown() {
        if (vmm != null) {
            vmm.close();
        }
    }

    /** The VMs of a {@code vm list --format json} output. */
    @SuppressWarnings("unchecked")
    static List<Map<String, Object>> vms(String json) {
        return (List<Map<String, Object>>) ((Map<String, Object>) JsonParser.parse(json)).get("vms");
    }

    private ScriptRun script(String text) {
        return ScriptRun.of(vmm, text.replace("SPIN", spin.toString()));
    }

    @Test
    void createLeavesTheVmLoadedAndStartRunsIt() {
        ScriptRun r = script("""
                vm create SPIN
                vm list --format json
                vm start 1
                vm list --format json
                """);
        assertThat(r.err()).isEmpty();
        assertThat(r.status()).isZero();
        String[] lines = r.out().split("\n");
        assertThat(lines[0]).isEqualTo("created VM 1 (spin)");
        assertThat(vms(lines[1])).singleElement().satisfies(v -> assertThat(v).containsEntry("id", 1L)
                .containsEntry("name", "spin").containsEntry("state", "loaded").containsEntry("vcpus", 1L)
                .containsEntry("memory", 16L << 20));
        assertThat(lines[2]).isEqualTo("started VM 1 (spin)");
        assertThat(vms(lines[3]).getFirst()).containsEntry("state", "running");
    }

    @Test
    void theGuestRunsAfterStart() throws Exception {
        LineDriver shell = new LineDriver(vmm);
        shell.run("vm create " + spin);
        assertThat(shell.run("vm start 1").out()).isEqualTo("started VM 1 (spin)\n");
        assertThat(consoles.await(1, "spinning\n", 1, Duration.ofSeconds(30))).as(consoles.output(1)).isTrue();
    }

    @Test
    void suspendAndResumeMoveARunningVmAndBack() {
        ScriptRun r = script("""
                vm create SPIN
                vm start 1
                vm suspend 1
                vm list --format json
                vm resume 1
                vm list --format json
                """);
        assertThat(r.err()).isEmpty();
        String[] lines = r.out().split("\n");
        assertThat(lines[2]).isEqualTo("suspended VM 1 (spin)");
        assertThat(vms(lines[3]).getFirst()).containsEntry("state", "suspended");
        assertThat(lines[4]).isEqualTo("resumed VM 1 (spin)");
        assertThat(vms(lines[5]).getFirst()).containsEntry("state", "running");
    }

    @Test
    void stopStopsASpinningGuest() {
        ScriptRun r = script("vm create SPIN\nvm start 1\nvm stop 1\nvm list --format json\n");
        assertThat(r.err()).isEmpty();
        String[] lines = r.out().split("\n");
        assertThat(lines[2]).isEqualTo("stopped VM 1 (spin)");
        assertThat(vms(lines[3]).getFirst()).containsEntry("state", "stopped");
    }

    @Test
    void aGracefulStopOfAGuestThatIgnoresThePowerButtonEndsAsAStopAfterTheTimeout() {
        // spin.elf has no ACPI: the button press reaches nobody, so after -t the VM is stopped as without -g.
        // (LinuxBootTest shows a Linux guest shutting itself down on the same press.)
        ScriptRun r = script("vm create SPIN\nvm start 1\nvm stop -g -t 0.3 1\nvm show 1\n");
        assertThat(r.err()).isEmpty();
        assertThat(r.out()).contains("stopped VM 1 (spin): the guest did not shut down within 0.3s, so it was stopped\n")
                .contains("stopped:     stopped by vm stop\n");
        assertThat(script("vm stop -t 1 1").err()).contains("--timeout goes with -g (--graceful)");
    }

    @Test
    void listAllShowsDeletedVmsToo() {
        // A created VM that never ran is LOADED: as in AxVisor, deleting it takes --force.
        ScriptRun r = script("vm create SPIN\nvm delete -f 1\nvm list\nvm list -a --format json\n");
        assertThat(r.err()).isEmpty();
        String[] lines = r.out().split("\n");
        assertThat(lines[2]).isEqualTo("no VMs");
        assertThat(vms(lines[3])).singleElement().satisfies(v -> assertThat(v).containsEntry("id", 1L)
                .containsEntry("state", "deleted"));
    }

    @Test
    void restartBootsTheGuestAfresh() throws Exception {
        LineDriver shell = new LineDriver(vmm);
        shell.run("vm create " + spin);
        shell.run("vm start 1");
        assertThat(consoles.await(1, "spinning\n", 1, Duration.ofSeconds(30))).isTrue();
        LineDriver.Result r = shell.run("vm restart 1");
        assertThat(r.errors()).isEmpty();
        assertThat(r.out()).isEqualTo("restarted VM 1 (spin)\n");
        assertThat(vms(shell.run("vm list --format json").out()).getFirst()).containsEntry("state", "running");
        assertThat(consoles.await(1, "spinning\n", 2, Duration.ofSeconds(30))).as(consoles.output(1)).isTrue();
    }

    @Test
    void startAgainAfterStopBootsTheGuestAgain() throws Exception {
        LineDriver shell = new LineDriver(vmm);
        shell.run("vm create " + spin);
        shell.run("vm start 1");
        assertThat(consoles.await(1, "spinning\n", 1, Duration.ofSeconds(30))).isTrue();
        assertThat(shell.run("vm stop 1").out()).isEqualTo("stopped VM 1 (spin)\n");
        assertThat(shell.run("vm start 1").out()).isEqualTo("started VM 1 (spin)\n");
        assertThat(consoles.await(1, "spinning\n", 2, Duration.ofSeconds(30))).as(consoles.output(1)).isTrue();
    }

    @Test
    void startWithoutIdsStartsEveryLoadedVm() throws IOException {
        Path second = Guests.config(tmp, "b.toml", 2, "second", "spin.elf", "");
        ScriptRun r = script("vm create SPIN " + second + "\nvm start\nvm start\n");
        assertThat(r.out()).isEqualTo("""
                created VM 1 (spin)
                created VM 2 (second)
                started VM 1 (spin)
                started VM 2 (second)
                no VM is LOADED or STOPPED
                """);
    }

    @Test
    void deleteRemovesAStoppedVm() {
        ScriptRun r = script("vm create SPIN\nvm start 1\nvm stop 1\nvm delete 1\nvm list\n");
        assertThat(r.err()).isEmpty();
        assertThat(r.out()).endsWith("deleted VM 1 (spin)\nno VMs\n");
    }

    @Test
    void deleteOfARunningVmNeedsForce() {
        ScriptRun r = script("vm create SPIN\nvm start 1\nvm delete 1\n");
        assertThat(r.err()).isEqualTo("error: VM 1 (spin) is RUNNING; delete needs --force unless it is STOPPED\n");
        assertThat(r.status()).isEqualTo(1);
    }

    @Test
    void deleteForceStopsAndDeletesARunningVm() {
        ScriptRun r = script("vm create SPIN\nvm start 1\nvm delete -f 1\nvm list --format json\n");
        assertThat(r.err()).isEmpty();
        assertThat(r.out()).endsWith("deleted VM 1 (spin)\n{\"vms\":[]}\n");
    }

    @Test
    void anUnknownVmIsNamed() {
        ScriptRun r = script("vm show 7\nvm create SPIN\nvm stop 7\n");
        assertThat(r.err()).isEqualTo("""
                error: no VM with id 7 (there are none)
                error: no VM with id 7 (there are [1])
                """);
    }

    @Test
    void anIllegalStateChangeNamesTheVmAndItsState() {
        ScriptRun r = script("vm create SPIN\nvm resume 1\nvm suspend 1\nvm start 1\nvm start 1\n");
        assertThat(r.err()).isEqualTo("""
                error: VM 1 (spin) is LOADED; only a SUSPENDED VM can be resumed
                error: VM 1 (spin) is LOADED; only a RUNNING VM can be suspended
                error: VM 1 (spin) is RUNNING; only a LOADED or STOPPED VM can be started
                """);
    }

    @Test
    void oneBadIdDoesNotStopTheOthers() throws IOException {
        Path second = Guests.config(tmp, "b.toml", 2, "second", "spin.elf", "");
        ScriptRun r = script("vm create SPIN " + second + "\nvm start 1 9 2\n");
        assertThat(r.out()).endsWith("started VM 1 (spin)\nstarted VM 2 (second)\n");
        assertThat(r.err()).isEqualTo("error: no VM with id 9 (there are [1, 2])\n");
        assertThat(r.status()).isEqualTo(1);
    }

    @Test
    void aVmCanBeNamedInsteadOfNumbered() {
        ScriptRun r = script("vm create SPIN\nvm start spin\nvm stop nosuch\n");
        assertThat(r.out()).endsWith("started VM 1 (spin)\n");
        assertThat(r.err()).isEqualTo("error: no VM with id or name 'nosuch'\n");
    }

    @Test
    void waitTimesOutOnAGuestThatRunsOn() {
        ScriptRun r = script("vm create SPIN\nvm start 1\nwait 1 -t 0.3\n");
        assertThat(r.err()).isEqualTo("error: VM 1 (spin) is still RUNNING after 0.3 s\n");
        assertThat(r.status()).isEqualTo(1);
    }

    @Test
    void exitStopsEveryVmCleanly() {
        ScriptRun r = script("vm create SPIN\nvm start 1\nexit\nvm list\n");
        assertThat(r.status()).isZero();
        assertThat(r.out()).isEqualTo("created VM 1 (spin)\nstarted VM 1 (spin)\n");
        assertThat(vmm.list()).singleElement().satisfies(v -> {
            assertThat(v.state()).hasToString("STOPPED");
            assertThat(v.stopReason()).isEqualTo("stopped by shell exit");
        });
    }

    @Test
    void endOfInputStopsEveryVm() {
        script("vm create SPIN\nvm start 1\n");
        assertThat(vmm.list()).singleElement().satisfies(v -> assertThat(v.state()).hasToString("STOPPED"));
    }
}
