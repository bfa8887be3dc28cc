package javisor.vmm.shell;

import javisor.vmm.Vmm;

/**
 * Connects the user's terminal to a VM's serial console ({@code vm console}), until the escape key. Only an
 * interactive shell has one; it is an interface so a script run never loads the terminal library.
 */
@FunctionalInterface
interface ConsoleAttacher {
    /** Ctrl-]: detaches from the console, as telnet's and virsh's escape character. */
    int ESCAPE = 0x1d;

    void attach(Vmm vmm, long id) throws Exception;
}
