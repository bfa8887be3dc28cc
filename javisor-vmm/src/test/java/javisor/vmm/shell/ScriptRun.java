package javisor.vmm.shell;

import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.InputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;

import javisor.vmm.Vmm;

/** The shell run on a script, as with standard input not a terminal: its exit status and what it printed. */
record ScriptRun(int status, String out, String err) {
    static ScriptRun of(Vmm vmm, String script) {
        return run(script, (in, out, err) -> Shell.run(vmm, in, out, err, false));
    }

    /**
     * The script shell without a hypervisor, for commands that need none (the file commands): {@link Shell#run}
     * but for stopping the VMs at the end, which needs a {@link Vmm}, and so KVM.
     */
    static ScriptRun withoutVmm(String script) {
        return run(script, (in, out, err) -> ScriptShell.run(null, in, out, err));
    }

    @FunctionalInterface
    private interface Runner {
        int run(InputStream in, PrintStream out, PrintStream err);
    }

    private static ScriptRun run(String script, Runner runner) {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        ByteArrayOutputStream err = new ByteArrayOutputStream();
        int status;
        try (PrintStream o = new PrintStream(out, true, StandardCharsets.UTF_8);
             PrintStream e = new PrintStream(err, true, StandardCharsets.UTF_8)) {
            status = runner.run(new ByteArrayInputStream(script.getBytes(StandardCharsets.UTF_8)), o, e);
        }
        return new ScriptRun(status, out.toString(StandardCharsets.UTF_8), err.toString(StandardCharsets.UTF_8));
    }
}
