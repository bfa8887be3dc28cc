package javisor.vmm.shell;

import java.io.Serial;

/**
 * A command line the shell cannot run as typed: an unknown command or option, a missing or malformed value, the
 * wrong number of arguments. The shell prints the message after {@code error: } and goes on.
 */
final class ShellException extends RuntimeException {
    @Serial
    private static final long serialVersionUID = 1L;

    ShellException(String message) {
        super(message);
    }
}
