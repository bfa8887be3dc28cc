package javisor.vmm.jail;

import javisor.vmm.ExitStatus;

/** A jail that cannot be made: the message names what was wrong; {@code status} is the jailer's exit status. */
public final class JailException extends Exception {
    private final int status;

    private JailException(int status, String message) {
        super(message);
        this.status = status;
    }

    /** Bad input: a missing file or folder, a bad option (exit status 2, as any bad command line). */
    static JailException usage(String message) {
        return new JailException(ExitStatus.USAGE, message);
    }

    /** The host cannot make the jail: not root, no cgroup v2, no KVM, a failed mount (exit status 6). */
    static JailException host(String message) {
        return new JailException(ExitStatus.HOST_ERROR, message);
    }

    public int status() {
        return status;
    }
}
