package javisor.vmm.shell;

import java.io.PrintWriter;
import java.util.Optional;
import java.util.function.Consumer;

import javisor.vmm.Vmm;

/**
 * What commands run against: the hypervisor, the command tree (for help), the working directory, where results
 * and errors go, and whether a person is at a terminal.
 *
 * @param vmm       the hypervisor; the file commands do not use it, so they run without one (in tests)
 * @param cwd       where typed paths start; {@code cd} changes it, so it is the one mutable part
 * @param errors    prints one error message (without the {@code error: } prefix, which it adds)
 * @param consoles  attaches the terminal to a VM's console; empty when not interactive
 */
record ShellContext(Vmm vmm, CommandTree commands, WorkingDirectory cwd, PrintWriter out, Consumer<String> errors,
                    boolean interactive, Optional<ConsoleAttacher> consoles) {
    void error(String message) {
        out.flush(); // keep results and errors in order when both go to one terminal
        errors.accept(message);
    }
}
