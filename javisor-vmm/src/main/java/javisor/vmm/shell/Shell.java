package javisor.vmm.shell;

import java.io.InputStream;
import java.io.PrintStream;

import javisor.vmm.Vmm;

/**
 * Javisor's shell: AxVisor's command set (help, clear, exit/quit, uname, log, the file commands ls, cat, echo,
 * mkdir, rm, cd, pwd, touch, cp and mv, and the vm commands) with working options, {@code --help} on every
 * command, {@code vm console}, {@code vm stats} and {@code wait}. It runs while the VMs run; their console output
 * goes to their logs, and to the terminal only while attached with {@code vm console}. Paths start from the
 * shell's own working directory ({@code cd}), which starts as the process's.
 *
 * <p>Interactive (a person at a terminal): a JLine line editor with the prompt {@code javisor> }, history and
 * completion. Otherwise commands are read line by line and their results printed, errors to {@code err}.
 * Either way, leaving the shell ({@code exit}, {@code quit}, end of input) stops every VM first.
 */
public final class Shell {
    private Shell() {
    }

    /**
     * Runs the shell until {@code exit}, {@code quit} or end of input, then stops every VM (the caller closes
     * {@code vmm}).
     *
     * @param interactive a terminal is attached ({@code System.console() != null}); with {@code System.in} and
     *                    {@code System.out} the shell then uses the process's terminal, with other streams an
     *                    emulated one
     * @return the exit status: the CODE of {@code exit CODE}; otherwise 0, except that a non-interactive shell
     *         returns 1 when any command failed
     */
    public static int run(Vmm vmm, InputStream in, PrintStream out, PrintStream err, boolean interactive) {
        try {
            return interactive ? InteractiveShell.run(vmm, in, out, err) : ScriptShell.run(vmm, in, out, err);
        } finally {
            vmm.stopAll("shell exit");
        }
    }
}
