package javisor.vmm.shell;

import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.util.List;

import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

import javisor.vmm.Vmm;

import static org.assertj.core.api.Assertions.assertThat;

/** The interactive shell over plain streams (a terminal JLine emulates): prompt, banner, results, exit code. */
@Timeout(60)
@Tag("kvm")
class InteractiveStreamsTest {
    @Test
    void promptsRunsCommandsAndExitsWithTheCode() {
        Guests.requireKvm();
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        ByteArrayOutputStream err = new ByteArrayOutputStream();
        int status;
        String history = System.getProperty(InteractiveShell.HISTORY_PROPERTY);
        System.setProperty(InteractiveShell.HISTORY_PROPERTY, ""); // keep the user's history file out of it
        try (Vmm vmm = Vmm.init(List.of(), Consoles.inMemory());
             PrintStream o = new PrintStream(out, true, StandardCharsets.UTF_8);
             PrintStream e = new PrintStream(err, true, StandardCharsets.UTF_8)) {
            byte[] keys = "uname -s\rvm show 3\rexit 4\r".getBytes(StandardCharsets.UTF_8);
            status = Shell.run(vmm, new ByteArrayInputStream(keys), o, e, true);
        } finally {
            if (history == null) {
                System.clearProperty(InteractiveShell.HISTORY_PROPERTY);
            } else {
                System.setProperty(InteractiveShell.HISTORY_PROPERTY, history);
            }
        }
        String screen = PtySession.plain(out.toString(StandardCharsets.UTF_8));
        assertThat(status).isEqualTo(4);
        // The emulated line discipline echoes keys typed before the first prompt, as a real terminal would.
        assertThat(screen).contains("Welcome to the Javisor shell!").contains("0 VMs, 0 running.")
                .contains(InteractiveShell.PROMPT + "uname -s").contains("\nJavisor\n")
                .contains("error: no VM with id 3 (there are none)\n").endsWith("Goodbye!\n");
    }
}
