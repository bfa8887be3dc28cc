package javisor.vmm.shell;

import java.nio.file.InvalidPathException;
import java.nio.file.Path;
import java.util.Objects;
import java.util.Optional;

/**
 * The shell's working directory: where the paths typed in the shell start, changed by {@code cd}. It belongs to
 * the shell, not the process: Java cannot change a process's directory, and setting {@code user.dir} would move
 * only some of the JVM's relative paths (the VMs' console logs, images already resolved) and not others.
 */
final class WorkingDirectory {
    private final Optional<Path> home;
    private Path current;

    /**
     * @param start where the shell starts; made absolute
     * @param home  where {@code cd} without an argument and a leading {@code ~} go; empty when there is none
     */
    WorkingDirectory(Path start, Optional<Path> home) {
        this.current = start.toAbsolutePath().normalize();
        this.home = Objects.requireNonNull(home, "home").map(h -> h.toAbsolutePath().normalize());
    }

    /** The process's working directory, and $HOME as home (else Java's user.home), as a Unix shell has them. */
    static WorkingDirectory ofProcess() {
        String env = System.getenv("HOME");
        String home = env != null && !env.isEmpty() ? env : System.getProperty("user.home", "");
        return new WorkingDirectory(Path.of(""), home.isEmpty() ? Optional.empty() : Optional.of(Path.of(home)));
    }

    Path current() {
        return current;
    }

    Optional<Path> home() {
        return home;
    }

    /**
     * Moves to {@code dir}, which the caller has resolved and checked is a directory. It is kept normalized, so
     * {@code cd ..} goes up the path as typed (as a Unix shell's logical {@code cd} does) and {@code pwd} shows no
     * {@code ..}.
     */
    void change(Path dir) {
        current = dir.toAbsolutePath().normalize();
    }

    /**
     * The path a user typed, from the working directory. A leading {@code ~} or {@code ~/} is the home directory,
     * as the completion offers it; {@code ..} is left for the file system to follow, as it does for a Unix shell's
     * commands.
     */
    Path resolve(String typed) {
        if (typed.isEmpty()) { // not the working directory itself: 'rm -r ""' must not remove that
            throw new ShellException("'' is not a path: it is empty");
        }
        try {
            if (home.isPresent() && (typed.equals("~") || typed.startsWith("~/"))) {
                return home.get().resolve(typed.substring(typed.equals("~") ? 1 : 2));
            }
            return current.resolve(typed);
        } catch (InvalidPathException e) {
            throw new ShellException("'" + typed + "' is not a path: " + e.getReason());
        }
    }
}
