package javisor.vmm.shell;

/**
 * Runs one command. A refusal is thrown ({@link ShellException}, or the hypervisor's own exceptions) and the
 * shell prints it; a command acting on several VMs reports each failure itself and returns
 * {@link Outcome#FAILURE}.
 */
@FunctionalInterface
interface Handler {
    Outcome run(Invocation invocation) throws Exception;
}
