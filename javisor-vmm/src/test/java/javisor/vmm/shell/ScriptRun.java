package javisor.vmm.shell;

import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;

import javisor.vmm.Vmm;

/** The shell run on a script, as with standard input not a terminal: its exit status and what it printed. */
record ScriptRun(int status, String out, String err) {
    static ScriptRun of(Vmm vmm, String script) {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        ByteArrayOutputStream err = new ByteArrayOutputStream();
        int status;
        try (PrintStream o = new PrintStream(out, true, StandardCharsets.UTF_8);
             PrintStream e = new PrintStream(err, true, StandardCharsets.UTF_8)) {
            status = Shell.run(vmm, new ByteArrayInputStream(script.getBytes(StandardCharsets.UTF_8)), o, e, false);
        }
        return new ScriptRun(status, out.toString(StandardCharsets.UTF_8), err.toString(StandardCharsets.UTF_8));
    }
}
