package javisor.vmm.shell;

/**
 * The positional arguments a command takes.
 *
 * @param name the placeholder in help, such as {@code ID}; one with a space is a whole synopsis already
 *             ({@link #sourcesAndTarget})
 * @param min  how many are required
 * @param max  how many are allowed ({@link #MANY} for no limit)
 */
record ArgSpec(String name, int min, int max, ValueKind kind) {
    static final int MANY = Integer.MAX_VALUE;
    static final ArgSpec NONE = new ArgSpec("", 0, 0, ValueKind.TEXT);

    static ArgSpec one(String name, ValueKind kind) {
        return new ArgSpec(name, 1, 1, kind);
    }

    static ArgSpec optional(String name, ValueKind kind) {
        return new ArgSpec(name, 0, 1, kind);
    }

    static ArgSpec oneOrMore(String name, ValueKind kind) {
        return new ArgSpec(name, 1, MANY, kind);
    }

    static ArgSpec any(String name, ValueKind kind) {
        return new ArgSpec(name, 0, MANY, kind);
    }

    /** {@code SRC... DST}: one or more sources, then where they go (cp, mv). */
    static ArgSpec sourcesAndTarget(String sources, String target, ValueKind kind) {
        return new ArgSpec(sources + "... " + target, 2, MANY, kind);
    }

    /** {@code ID}, {@code [ID]}, {@code ID...} or {@code [ID...]}; empty when none are taken. */
    String synopsis() {
        if (max == 0) {
            return "";
        }
        if (name.contains(" ")) {
            return name;
        }
        String s = max > 1 ? name + "..." : name;
        return min == 0 ? "[" + s + "]" : s;
    }
}
