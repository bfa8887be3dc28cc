package javisor.vmm.shell;

/**
 * The script shell without a VM (so without KVM), in a process of its own, for tests that kill it: commands from
 * standard input, results on standard output, as {@code javisor shell} runs them.
 */
public final class FileShellMain {
    private FileShellMain() {
    }

    public static void main(String[] args) {
        System.exit(ScriptShell.run(null, System.in, System.out, System.err));
    }
}
