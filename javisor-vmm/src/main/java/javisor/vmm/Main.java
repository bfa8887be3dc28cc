package javisor.vmm;

/** Javisor's entry point; {@link Cli} parses the command and runs AxVisor's steps for it. */
public final class Main {
    private Main() {
    }

    public static void main(String[] args) {
        int status = Cli.run(args, System.in, System.out, System.err);
        // Cli has stopped every VM and closed what it opened. Runtime.halt skips the JVM's shutdown sequence:
        // System.exit first asks System.getLogger for java.lang.Runtime's exit log, whose LoggerFinder lookup
        // (a ServiceLoader scan of every module jar) costs 4-5 ms, then runs shutdown hooks, of which Javisor
        // has none left at this point.
        System.out.flush();
        System.err.flush();
        Runtime.getRuntime().halt(status);
    }
}
