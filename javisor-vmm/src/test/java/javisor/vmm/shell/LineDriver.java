package javisor.vmm.shell;

import java.io.PrintWriter;
import java.io.StringWriter;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;

import javisor.vmm.Vmm;

/**
 * Runs commands one at a time, as the script shell does, so a test can wait for a guest between commands and
 * look at each command's output and errors on their own.
 */
final class LineDriver {
    /** One command's results. */
    record Result(Outcome outcome, String out, List<String> errors) {
    }

    private final StringWriter out = new StringWriter();
    private final List<String> errors = new ArrayList<>();
    private final Dispatcher dispatcher;

    /** @param vmm may be null for commands that do not touch the VMs (help, parse errors, the file commands) */
    LineDriver(Vmm vmm) {
        this(vmm, WorkingDirectory.ofProcess());
    }

    LineDriver(Vmm vmm, WorkingDirectory cwd) {
        dispatcher = new Dispatcher(new ShellContext(vmm, ShellCommands.tree(), cwd, new PrintWriter(out),
                errors::add, false, Optional.empty()));
    }

    Result run(String line) {
        out.getBuffer().setLength(0);
        errors.clear();
        Outcome o = dispatcher.execute(line);
        return new Result(o, out.toString(), List.copyOf(errors));
    }
}
