package javisor.vmm;

/** Javisor's entry point; {@link Cli} parses the command and runs AxVisor's steps for it. */
public final class Main {
    private Main() {
    }

    public static void main(String[] args) {
        System.exit(Cli.run(args, System.out, System.err));
    }
}
