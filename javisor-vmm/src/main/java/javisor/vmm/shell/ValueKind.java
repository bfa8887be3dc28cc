package javisor.vmm.shell;

/** What an argument or option value is, so completion can offer the right words. */
enum ValueKind {
    /** Free text: nothing to offer. */
    TEXT,
    /** A VM id (or a VM's unique name). */
    VM_ID,
    /** A path to anything: a file or a directory. */
    FILE,
    /** A path to a directory ({@code cd}, {@code mkdir}): completion offers only directories. */
    DIRECTORY,
    /** A log level name. */
    LOG_LEVEL,
    /** A shell command name (for {@code help}). */
    COMMAND
}
