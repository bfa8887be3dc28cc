package javisor.vm.toml;

/**
 * A TOML document that breaks TOML's syntax or its table rules. The message reads
 * {@code source:line:column: [key.path: ]what was expected}; the VM config reader passes it on as a
 * {@code ConfigException} with the same parts.
 */
public final class TomlException extends RuntimeException {
    private final String source;
    private final int line;
    private final int column;
    private final String keyPath;
    private final String detail;

    TomlException(String source, int line, int column, String keyPath, String detail) {
        super(source + ":" + line + ":" + column + ": " + (keyPath.isEmpty() ? "" : keyPath + ": ") + detail);
        this.source = source;
        this.line = line;
        this.column = column;
        this.keyPath = keyPath;
        this.detail = detail;
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

    /** The dotted key path the error is about, or "" for none. */
    public String keyPath() {
        return keyPath;
    }

    /** What was expected and what was found. */
    public String detail() {
        return detail;
    }
}
