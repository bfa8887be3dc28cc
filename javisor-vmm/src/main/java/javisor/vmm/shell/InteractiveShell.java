package javisor.vmm.shell;

import java.io.IOException;
import java.io.InputStream;
import java.io.PrintStream;
import java.io.PrintWriter;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.Optional;

import org.jline.reader.EndOfFileException;
import org.jline.reader.LineReader;
import org.jline.reader.LineReaderBuilder;
import org.jline.reader.UserInterruptException;
import org.jline.reader.impl.history.DefaultHistory;
import org.jline.terminal.Terminal;
import org.jline.terminal.TerminalBuilder;

import javisor.vm.VmState;
import javisor.vmm.Vmm;
import javisor.vmm.VmInfo;

/**
 * The shell at a terminal: JLine's line editor (cursor keys, Emacs bindings, Ctrl-R search), history kept
 * across sessions, and Tab completion of commands, options, VM ids and file names. Ctrl-C drops the line being
 * typed, or interrupts a command that waits; Ctrl-D on an empty line leaves like {@code exit}.
 */
final class InteractiveShell {
    static final String PROMPT = "javisor> ";
    /**
     * Where history is kept: the system property {@value #HISTORY_PROPERTY}, else $JAVISOR_HISTORY, else
     * ~/.javisor_history; an empty value keeps it in memory only.
     */
    static final String HISTORY_ENV = "JAVISOR_HISTORY";
    static final String HISTORY_PROPERTY = "javisor.shell.history";
    private static final int HISTORY_SIZE = 1000;

    private InteractiveShell() {
    }

    static int run(Vmm vmm, InputStream in, PrintStream out, PrintStream err) {
        try (Terminal terminal = open(in, out)) {
            return run(vmm, terminal);
        } catch (IOException e) {
            throw new UncheckedIOException("cannot open the terminal: " + e.getMessage(), e);
        }
    }

    /**
     * The process's own terminal when the shell runs on standard input and output. JLine's exec provider drives
     * it with stty: no native code, so the native-access boundary (javisor.sys only) holds. Other streams get a
     * terminal JLine emulates over them.
     */
    private static Terminal open(InputStream in, PrintStream out) throws IOException {
        TerminalBuilder b = TerminalBuilder.builder().name("javisor").encoding(StandardCharsets.UTF_8)
                .provider("exec");
        if (in == System.in && out == System.out) {
            b.system(true);
        } else {
            b.system(false).streams(in, out);
        }
        return b.build();
    }

    private static int run(Vmm vmm, Terminal terminal) {
        CommandTree tree = ShellCommands.tree();
        WorkingDirectory cwd = WorkingDirectory.ofProcess(); // one for the commands and the completion
        LineReaderBuilder rb = LineReaderBuilder.builder().terminal(terminal).appName("javisor")
                .completer(new ShellCompleter(tree, vmm, cwd)).history(new DefaultHistory())
                .variable(LineReader.HISTORY_SIZE, HISTORY_SIZE).variable(LineReader.HISTORY_FILE_SIZE, HISTORY_SIZE)
                // '!' in a VM name or path is just a character, not history expansion
                .option(LineReader.Option.DISABLE_EVENT_EXPANSION, true)
                .option(LineReader.Option.HISTORY_IGNORE_SPACE, false);
        historyFile().ifPresent(f -> rb.variable(LineReader.HISTORY_FILE, f));
        LineReader reader = rb.build();
        PrintWriter w = terminal.writer();
        ShellContext shell = new ShellContext(vmm, tree, cwd, w, message -> {
            w.println("error: " + message);
            w.flush();
        }, true, Optional.of(new TerminalConsole(terminal)));
        Dispatcher dispatcher = new Dispatcher(shell);
        w.print(banner(vmm));
        w.flush();
        PrintStream systemErr = System.err;
        System.setErr(new PrintStream(new AboveThePrompt(reader), true, StandardCharsets.UTF_8));
        try {
            int status = loop(reader, terminal, dispatcher);
            long running = vmm.list().stream().filter(InteractiveShell::running).count();
            if (running > 0) {
                w.println("Stopping " + running + (running == 1 ? " VM..." : " VMs..."));
                w.flush();
                vmm.stopAll("shell exit");
            }
            w.println("Goodbye!");
            w.flush();
            return status;
        } finally {
            System.setErr(systemErr);
            try {
                reader.getHistory().save();
            } catch (IOException e) {
                systemErr.println("javisor: cannot save the shell history: " + e.getMessage());
            }
        }
    }

    private static int loop(LineReader reader, Terminal terminal, Dispatcher dispatcher) {
        while (true) {
            String line;
            try {
                line = reader.readLine(PROMPT);
            } catch (UserInterruptException e) {
                continue; // Ctrl-C drops the line, as in bash
            } catch (EndOfFileException e) {
                return 0;
            }
            if (execute(dispatcher, line, terminal) instanceof Outcome.Exit(var code)) {
                return code.orElse(0);
            }
        }
    }

    /**
     * Runs one command with Ctrl-C interrupting it (a {@code wait}, a slow stop) instead of ending the process:
     * outside readLine the terminal is in its normal mode, where Ctrl-C sends SIGINT.
     */
    private static Outcome execute(Dispatcher dispatcher, String line, Terminal terminal) {
        Thread shellThread = Thread.currentThread();
        Terminal.SignalHandler previous = terminal.handle(Terminal.Signal.INT, s -> shellThread.interrupt());
        try {
            return dispatcher.execute(line);
        } finally {
            terminal.handle(Terminal.Signal.INT, previous);
            Thread.interrupted(); // a Ctrl-C that came as the command ended is not for the next one
        }
    }

    private static boolean running(VmInfo v) {
        return v.state() == VmState.RUNNING || v.state() == VmState.SUSPENDED || v.state() == VmState.STOPPING;
    }

    private static Optional<Path> historyFile() {
        String env = System.getProperty(HISTORY_PROPERTY, System.getenv(HISTORY_ENV));
        if (env != null) {
            return env.isEmpty() ? Optional.empty() : Optional.of(Path.of(env));
        }
        String home = System.getProperty("user.home");
        return home == null || home.isEmpty() ? Optional.empty() : Optional.of(Path.of(home, ".javisor_history"));
    }

    private static String banner(Vmm vmm) {
        long running = vmm.list().stream().filter(InteractiveShell::running).count();
        int all = vmm.list().size();
        return "Welcome to the Javisor shell! " + BaseCommands.unameLine() + "\n"
                + all + (all == 1 ? " VM, " : " VMs, ") + running + " running. Type 'help' for the commands,"
                + " 'vm console ID' to reach a VM, 'exit' to stop every VM and leave.\n";
    }
}
