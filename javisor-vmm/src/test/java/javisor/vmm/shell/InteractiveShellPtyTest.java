package javisor.vmm.shell;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;

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
 * The interactive shell on a real pseudo-terminal, in its own JVM ({@link PtyShellMain}, which sets up VMs as
 * {@code javisor shell} does): the prompt, console attach and detach, completion, Ctrl-C, exit.
 */
@Timeout(900) // a guard against hangs: in the KVM box each new JVM takes many seconds
@Tag("kvm")
class InteractiveShellPtyTest {
    private static final Duration T = TestGuests.patience(Duration.ofSeconds(30));

    @TempDir
    Path tmp;
    private PtySession pty;

    @BeforeEach
    void checks() {
        Guests.requireKvm();
        PtySession.assumePython();
    }

    @AfterEach
    void tearDown() {
        if (pty != null) {
            pty.close();
        }
    }

    /** The shell with VM 1 = hello (started at once: it prints, then powers off). */
    private void startShellWithHello() throws IOException, InterruptedException {
        Path hello = Guests.config(tmp, "hello.toml", 1, "hello", "hello.elf", "greeting=hi");
        pty = PtySession.start(tmp, ChildJvm.command(PtyShellMain.class.getName(), tmp.toString(), hello.toString()));
        pty.await("Welcome to the Javisor shell!", T);
        pty.await(InteractiveShell.PROMPT, T);
    }

    @Test
    void attachShowsTheGuestsOutputAndCtrlBracketReturnsToThePrompt() throws Exception {
        startShellWithHello();
        Path spin = Guests.config(tmp, "spin.toml", 2, "spin", "spin.elf", "");
        pty.type("vm create " + spin + "\r");
        pty.await("created VM 2 (spin)", T);
        pty.await(InteractiveShell.PROMPT, T);
        pty.type("vm start -c 2\r");
        pty.await("Connected to VM 2 (spin); Ctrl-] returns to the shell", T);
        pty.await("spinning", T); // printed by the guest after the attach
        pty.type("\u001d");
        pty.await("Disconnected from VM 2 (spin)", T);
        pty.await(InteractiveShell.PROMPT, T);
        pty.type("vm list\r");
        pty.await("2   spin   running", T);
    }

    @Test
    void guestOutputStaysOutOfTheShellAndAttachReplaysIt() throws Exception {
        startShellWithHello();
        Path log = tmp.resolve("vm-1.log");
        long deadline = System.nanoTime() + T.toNanos();
        while (!(Files.exists(log) && Files.readString(log).endsWith("Bye.\n")) && System.nanoTime() < deadline) {
            Thread.sleep(20);
        }
        assertThat(Files.readString(log)).startsWith("Hello from a Javisor guest!\n").endsWith("Bye.\n");
        assertThat(pty.screen()).doesNotContain("Hello from").doesNotContain("Bye.");
        pty.type("vm console 1\r");
        pty.await("Connected to VM 1 (hello)", T);
        pty.await("Hello from a Javisor guest!\n", T);
        pty.await("cmdline: greeting=hi\n", T);
        pty.await("VM 1 (hello) is stopped: guest powered off", T);
        pty.await(InteractiveShell.PROMPT, T);
    }

    @Test
    void keysTypedAtAnAttachedConsoleReachTheGuest() throws Exception {
        // uart_echo.elf reads a line from COM1 with the receive interrupt, echoes it, and exits with the sum of its
        // bytes: the keys go through the terminal in raw mode, the console attachment and the UART to the guest.
        Path echo = Guests.config(tmp, "echo.toml", 1, "echo", "uart_echo.elf", "");
        pty = PtySession.start(tmp, ChildJvm.command(PtyShellMain.class.getName(), tmp.toString(), echo.toString()));
        pty.await(InteractiveShell.PROMPT, T);
        pty.type("vm console 1\r");
        pty.await("Connected to VM 1 (echo); Ctrl-] returns to the shell", T);
        // Replayed or live, this comes after the terminal went raw: from here on only the guest echoes keys.
        pty.await("uart_echo: type a line\n", T);
        String line = "Javisor 42";
        pty.type(line + "\r");
        int sum = line.chars().sum() & 0xff;
        pty.await(line + "\nuart_echo: got \"" + line + "\", sum 0x" + Integer.toHexString(sum) + "\n", T);
        pty.await("VM 1 (echo) is stopped: debug exit with code " + sum, T);
        pty.await(InteractiveShell.PROMPT, T);
    }

    @Test
    void tabCompletesCommands() throws Exception {
        startShellWithHello();
        pty.type("vm li\t");
        pty.await("vm list", T);
        pty.type("\r");
        pty.await("ID  NAME   STATE", T);
    }

    @Test
    void upArrowRecallsHistoryWhichIsSavedOnExit() throws Exception {
        startShellWithHello();
        pty.type("uname -m\r");
        pty.await("x86_64\n", T);
        pty.await(InteractiveShell.PROMPT, T); // keys typed ahead of the prompt reach a terminal in cooked mode
        pty.type("\u001bOA\r"); // up arrow (xterm sends ESC O A after the keypad-mode switch), Enter
        pty.await("x86_64\n", T);
        pty.type("exit\r");
        pty.await("Goodbye!", T);
        pty.waitFor(T);
        // A repeated line is kept once, as AxVisor's history does.
        assertThat(Files.readAllLines(tmp.resolve("history"))).map(l -> l.substring(l.indexOf(':') + 1))
                .containsExactly("uname -m", "exit");
    }

    @Test
    void ctrlCDropsTheLineBeingTyped() throws Exception {
        startShellWithHello();
        pty.type("vm delete 1");
        pty.await("vm delete 1", T);
        pty.type("\u0003");
        pty.await(InteractiveShell.PROMPT, T);
        pty.type("uname -s\r");
        pty.await("Javisor\n", T);
        assertThat(pty.screen()).doesNotContain("deleted");
    }

    @Test
    void exitStopsTheVmsSaysGoodbyeAndGivesTheCode() throws Exception {
        startShellWithHello();
        Path spin = Guests.config(tmp, "spin.toml", 2, "spin", "spin.elf", "");
        pty.type("vm create " + spin + "\r");
        pty.await("created VM 2 (spin)", T);
        pty.type("vm start 2\r");
        pty.await("started VM 2 (spin)", T);
        pty.type("exit 5\r");
        pty.await("Stopping 1 VM...", T);
        pty.await("Goodbye!", T);
        assertThat(pty.waitFor(T)).isEqualTo(5);
    }

    @Test
    void errorsArePrintedAndTheShellGoesOn() throws Exception {
        startShellWithHello();
        pty.type("vm start --bogus\r");
        pty.await("error: unknown option --bogus for 'vm start' (see 'vm start --help')", T);
        pty.await(InteractiveShell.PROMPT, T);
        pty.type("\u0004"); // Ctrl-D on an empty line leaves like exit
        pty.await("Goodbye!", T);
        assertThat(pty.waitFor(T)).isZero();
    }
}
