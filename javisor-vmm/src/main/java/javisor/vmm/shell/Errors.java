package javisor.vmm.shell;

import javisor.vm.VmCreateException;
import javisor.vm.config.ConfigException;
import javisor.vmm.VmmException;

/** The one-line message shown for a failed command. */
final class Errors {
    private Errors() {
    }

    static String message(Throwable e) {
        return switch (e) {
            // These are written for users: the message says everything (the VM, its state, the file and key).
            case ShellException s -> s.getMessage();
            case VmmException v -> v.getMessage();
            case ConfigException c -> c.getMessage();
            case VmCreateException v -> v.getMessage();
            // Anything else is a host error or a bug: name its type too.
            default -> e.getMessage() == null ? e.toString() : e.getClass().getSimpleName() + ": " + e.getMessage();
        };
    }
}
