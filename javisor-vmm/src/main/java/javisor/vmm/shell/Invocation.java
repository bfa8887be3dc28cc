package javisor.vmm.shell;

/** One command being run: the shell it runs in, which command, and its parsed arguments. */
record Invocation(ShellContext shell, CommandSpec command, ParsedArgs args) {
    boolean flag(String longName) {
        return args.flag(longName);
    }
}
