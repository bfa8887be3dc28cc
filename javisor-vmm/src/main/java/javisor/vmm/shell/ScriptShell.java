package javisor.vmm.shell;

import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStream;
import java.io.InputStreamReader;
import java.io.OutputStreamWriter;
import java.io.PrintStream;
import java.io.PrintWriter;
import java.nio.charset.StandardCharsets;
import java.util.Optional;

import javisor.vmm.Vmm;

/**
 * The shell without a terminal: reads commands line by line from standard input, prints each result to
 * standard output and each error to standard error as {@code error: MESSAGE}, and goes on after an error. No
 * prompt, no banner, no terminal control codes. Ends at end of input or {@code exit}: status 0 if every command
 * succeeded, else 1; {@code exit CODE} gives CODE.
 */
final class ScriptShell {
    private ScriptShell() {
    }

    static int run(Vmm vmm, InputStream in, PrintStream out, PrintStream err) {
        PrintWriter results = new PrintWriter(new OutputStreamWriter(out, StandardCharsets.UTF_8));
        ShellContext shell = new ShellContext(vmm, ShellCommands.tree(), WorkingDirectory.ofProcess(), results,
                message -> {
                    err.println("error: " + message);
                    err.flush();
                }, false, Optional.empty());
        Dispatcher dispatcher = new Dispatcher(shell);
        BufferedReader lines = new BufferedReader(new InputStreamReader(in, StandardCharsets.UTF_8));
        boolean allSucceeded = true;
        try {
            for (String line = lines.readLine(); line != null; line = lines.readLine()) {
                switch (dispatcher.execute(line)) {
                    case Outcome.Success s -> {
                    }
                    case Outcome.Failure f -> allSucceeded = false;
                    case Outcome.Exit(var code) -> {
                        return code.orElse(allSucceeded ? 0 : 1);
                    }
                }
            }
        } catch (IOException e) {
            shell.error("cannot read commands: " + e.getMessage());
            return 1;
        }
        return allSucceeded ? 0 : 1;
    }
}
