package javisor.vm.config;

import java.util.Objects;

/**
 * A bad VM config: a TOML syntax error, a value of the wrong type or range, or an inconsistency between
 * values. The message always reads {@code source:line[:column]: key.path: what was expected}, e.g.
 * {@code vm1.toml:12: kernel.memory_regions[1].size: expected a positive multiple of 0x1000, got 0x1234}.
 * Parts that are unknown (no line for a missing table, no key for a syntax error) are left out.
 *
 * <p>Unchecked because a config is user input handled at one place (start-up or {@code vm create}), where
 * the message is shown as is; nothing in a config can make the parser throw anything else.
 */
public final class ConfigException extends RuntimeException {
    private final String source;
    private final int line;
    private final int column;
    private final String keyPath;
    private final String detail;

    /**
     * @param source  the file name, {@code "<string>"} or {@code "command line"}
     * @param line    1-based line, or 0 when no line applies
     * @param column  1-based column, or 0 when only the line is meaningful
     * @param keyPath the dotted key path such as {@code kernel.memory_regions[1].size}, or "" for none
     * @param detail  what was expected and what was found
     */
    public ConfigException(String source, int line, int column, String keyPath, String detail) {
        this(source, line, column, keyPath, detail, null);
    }

    public ConfigException(String source, int line, int column, String keyPath, String detail, Throwable cause) {
        super(format(source, line, column, keyPath, detail), cause);
        this.source = Objects.requireNonNull(source, "source");
        this.line = line;
        this.column = column;
        this.keyPath = Objects.requireNonNull(keyPath, "keyPath");
        this.detail = Objects.requireNonNull(detail, "detail");
    }

    public String source() {
        return source;
    }

    public int line() {
        return line;
    }

    public int column() {
        return column;
    }

    public String keyPath() {
        return keyPath;
    }

    public String detail() {
        return detail;
    }

    private static String format(String source, int line, int column, String keyPath, String detail) {
        StringBuilder sb = new StringBuilder(source);
        if (line > 0) {
            sb.append(':').append(line);
            if (column > 0) {
                sb.append(':').append(column);
            }
        }
        sb.append(": ");
        if (!keyPath.isEmpty()) {
            sb.append(keyPath).append(": ");
        }
        return sb.append(detail).toString();
    }
}
