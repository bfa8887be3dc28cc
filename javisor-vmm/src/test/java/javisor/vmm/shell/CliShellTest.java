package javisor.vmm.shell;

import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;

import javisor.vmm.ChildJvm;
import javisor.vmm.TestGuests;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * {@code javisor shell CFG...} as a user runs it (the command line's main class in its own JVM, as the launcher
 * starts it): on a terminal, and with a script on standard input.
 */
@Timeout(900) // a guard against hangs: in the KVM box each new JVM takes many seconds
@Tag("kvm")
class CliShellTest {
    private static final Duration T = TestGuests.patience(Duration.ofSeconds(30));
    private static final String MAIN = "javisor.vmm.Main";

    @TempDir
    Path tmp;
    private PtySession pty;

    @BeforeEach
    void checks() {
        Guests.requireKvm();
    }

    @AfterEach
    void tearDown() {
        if (pty != null) {
            pty.close();
        }
    }

    @Test
    void onATerminalTheShellAttachesToAConsoleAndComesBack() throws Exception {
        PtySession.assumePython();
        Path spin = Guests.config(tmp, "spin.toml", 1, "spin", "spin.elf", "");
        pty = PtySession.start(tmp, ChildJvm.command(MAIN, "shell", spin.toString()));
        pty.await(InteractiveShell.PROMPT, T);
        pty.type("vm list\r");
        pty.await("1   spin  running", T);
        pty.await(InteractiveShell.PROMPT, T);
        assertThat(pty.screen()).as("guest output while not attached").doesNotContain("spinning");
        pty.type("vm console 1\r");
        pty.await("Connected to VM 1 (spin); Ctrl-] returns to the shell", T);
        pty.await("spinning", T);
        pty.type("\u001d");
        pty.await("Disconnected from VM 1 (spin)", T);
        pty.await(InteractiveShell.PROMPT, T);
        pty.type("exit\r");
        pty.await("Goodbye!", T);
        assertThat(pty.waitFor(T)).isZero();
    }

    @Test
    void withAScriptOnStandardInputItPrintsResultsOnly() throws Exception {
        Path spin = Guests.config(tmp, "spin.toml", 1, "spin", "spin.elf", "");
        List<String> cmd = new ArrayList<>(ChildJvm.command(MAIN, "shell", spin.toString()));
        Process p = new ProcessBuilder(cmd).start();
        try (var in = p.getOutputStream()) {
            in.write("vm list --format json\nvm stop 1\nvm frob\n".getBytes(StandardCharsets.UTF_8));
        }
        String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        String err = new String(p.getErrorStream().readAllBytes(), StandardCharsets.UTF_8);
        assertThat(p.waitFor(TestGuests.patience(Duration.ofSeconds(60)).toSeconds(), TimeUnit.SECONDS)).isTrue();
        String[] lines = out.split("\n");
        assertThat(VmLifecycleScriptTest.vms(lines[0])).singleElement().satisfies(v -> assertThat(v)
                .containsEntry("id", 1L).containsEntry("name", "spin").containsEntry("state", "running"));
        assertThat(lines).hasSize(2);
        assertThat(lines[1]).isEqualTo("stopped VM 1 (spin)");
        assertThat(err).contains("error: unknown command 'vm frob' (type 'help vm' for its commands)\n");
        assertThat(p.exitValue()).isEqualTo(1);
    }
}
