package javisor.vmm.shell;

import java.io.IOException;
import java.io.OutputStream;
import java.io.PrintWriter;
import java.nio.charset.StandardCharsets;
import java.util.EnumSet;

import org.jline.terminal.Attributes;
import org.jline.terminal.Terminal;
import org.jline.utils.NonBlockingReader;

import javisor.vm.VmState;
import javisor.vmm.VmConsole;
import javisor.vmm.Vmm;
import javisor.vmm.VmmException;

/**
 * {@code vm console} at a terminal: the terminal in raw mode, the guest's output written to it as it comes, the
 * keys typed sent to the guest's serial port, until Ctrl-] or the VM stopping. Raw mode here also turns off
 * ISIG, so Ctrl-C and Ctrl-Z go to the guest (a shell in the guest expects them); output post-processing stays
 * on, so a guest's bare {@code \n} still starts a new line.
 */
final class TerminalConsole implements ConsoleAttacher {
    /** How often the idle loop checks whether the VM stopped. */
    private static final long POLL_MS = 100;
    /** A paste is sent in chunks of this many characters. */
    private static final int CHUNK = 256;
    /** How long to keep offering input a guest does not read (its receive FIFO full) before dropping it. */

    private final Terminal terminal;

    TerminalConsole(Terminal terminal) {
        this.terminal = terminal;
    }

    @Override
    public void attach(Vmm vmm, long id) throws IOException, InterruptedException {
        VmConsole console = vmm.console(id);
        String name = vmm.vm(id).describe();
        PrintWriter w = terminal.writer();
        w.println("Connected to " + name + "; Ctrl-] returns to the shell");
        w.flush();
        OutputStream screen = new Screen(terminal);
        boolean stoppedAlready = vmm.vm(id).state() == VmState.STOPPED;
        Attributes saved = terminal.enterRawMode();
        String ending;
        try {
            Attributes raw = terminal.getAttributes();
            raw.setLocalFlags(EnumSet.of(Attributes.LocalFlag.ISIG), false);
            terminal.setAttributes(raw);
            try (VmConsole.Attachment attachment = console.attach(screen, true)) {
                ending = stoppedAlready ? stopNote(vmm, id, name) : relay(vmm, id, name, attachment);
            }
        } finally {
            terminal.setAttributes(saved);
        }
        w.println();
        w.println(ending);
        w.flush();
    }

    /** Copies keys to the guest until Ctrl-], end of input or the VM stopping; returns the line to end with. */
    private String relay(Vmm vmm, long id, String name, VmConsole.Attachment attachment)
            throws IOException, InterruptedException {
        NonBlockingReader keys = terminal.reader();
        StringBuilder typed = new StringBuilder();
        while (true) {
            int c = keys.read(POLL_MS);
            if (c == NonBlockingReader.READ_EXPIRED) {
                if (stopped(vmm, id)) {
                    return stopNote(vmm, id, name);
                }
                continue;
            }
            if (c == NonBlockingReader.EOF || c == ESCAPE) {
                return "Disconnected from " + name;
            }
            typed.append((char) c);
            // Take whatever else is already there (a paste) without waiting, so it goes as one write.
            while (typed.length() < CHUNK && (c = keys.read(1L)) >= 0 && c != ESCAPE) {
                typed.append((char) c);
            }
            send(attachment, typed);
            if (c == ESCAPE) {
                return "Disconnected from " + name;
            }
        }
    }

    /** Sends what was typed as UTF-8, keeping a trailing high surrogate until its pair arrives. */
    private static void send(VmConsole.Attachment attachment, StringBuilder typed) throws InterruptedException {
        int n = typed.length();
        if (Character.isHighSurrogate(typed.charAt(n - 1))) {
            n--;
        }
        byte[] bytes = typed.substring(0, n).getBytes(StandardCharsets.UTF_8);
        typed.delete(0, n);
        attachment.type(bytes);
    }

    private static boolean stopped(Vmm vmm, long id) {
        try {
            return vmm.vm(id).state() == VmState.STOPPED;
        } catch (VmmException gone) {
            return true;
        }
    }

    private static String stopNote(Vmm vmm, long id, String name) {
        try {
            String why = vmm.info(id).stopReason();
            return name + " is stopped" + (why.isEmpty() ? "" : ": " + why);
        } catch (VmmException gone) {
            return name + " is gone";
        }
    }

    /** The guest's bytes, straight to the terminal: a console shows each character as it is written. */
    private static final class Screen extends OutputStream {
        private final Terminal terminal;

        Screen(Terminal terminal) {
            this.terminal = terminal;
        }

        @Override
        public void write(int b) throws IOException {
            terminal.output().write(b);
            terminal.output().flush();
        }

        @Override
        public void write(byte[] b, int off, int len) throws IOException {
            terminal.output().write(b, off, len);
            terminal.output().flush();
        }
    }
}
