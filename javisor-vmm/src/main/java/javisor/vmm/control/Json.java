package javisor.vmm.control;

import java.util.Arrays;

/**
 * A minimal JSON writer (RFC 8259) for {@code vm list --format json}: objects, arrays, strings, integers.
 * Strings are escaped so that any VM name, including quotes, backslashes, control characters and unpaired
 * surrogates, gives valid JSON.
 */
final class Json {
    private final StringBuilder sb = new StringBuilder();
    /** Per open container, from the outermost: whether a member has been written (so the next needs a comma). */
    private boolean[] hasMembers = new boolean[8];
    private int depth;
    private boolean afterName;

    Json beginObject() {
        return open('{');
    }

    Json endObject() {
        return close('}');
    }

    Json beginArray() {
        return open('[');
    }

    Json endArray() {
        return close(']');
    }

    Json name(String name) {
        separate();
        quote(name);
        sb.append(':');
        afterName = true;
        return this;
    }

    Json value(String s) {
        separate();
        quote(s);
        return this;
    }

    Json value(long n) {
        separate();
        sb.append(n);
        return this;
    }

    Json member(String name, String s) {
        return name(name).value(s);
    }

    Json member(String name, long n) {
        return name(name).value(n);
    }

    private Json open(char c) {
        separate();
        sb.append(c);
        if (depth == hasMembers.length) {
            hasMembers = Arrays.copyOf(hasMembers, depth * 2);
        }
        hasMembers[depth++] = false;
        return this;
    }

    private Json close(char c) {
        if (depth == 0) {
            throw new IllegalStateException("no open object or array");
        }
        depth--;
        sb.append(c);
        return this;
    }

    /** A comma before every member but the first of its container; none between a name and its value. */
    private void separate() {
        if (afterName) {
            afterName = false;
            return;
        }
        if (depth > 0) {
            if (hasMembers[depth - 1]) {
                sb.append(',');
            }
            hasMembers[depth - 1] = true;
        }
    }

    private void quote(String s) {
        sb.append('"');
        for (int i = 0; i < s.length(); i++) {
            char c = s.charAt(i);
            switch (c) {
                case '"' -> sb.append("\\\"");
                case '\\' -> sb.append("\\\\");
                case '\n' -> sb.append("\\n");
                case '\r' -> sb.append("\\r");
                case '\t' -> sb.append("\\t");
                case '\b' -> sb.append("\\b");
                case '\f' -> sb.append("\\f");
                default -> {
                    if (c < 0x20 || c == 0x7f || c == '\u2028' || c == '\u2029' || unpairedSurrogate(s, i)) {
                        sb.append(String.format("\\u%04x", (int) c));
                    } else {
                        sb.append(c);
                    }
                }
            }
        }
        sb.append('"');
    }

    /** A lone surrogate cannot be encoded as UTF-8; escaped, it stays valid JSON. */
    private static boolean unpairedSurrogate(String s, int i) {
        char c = s.charAt(i);
        if (Character.isHighSurrogate(c)) {
            return i + 1 >= s.length() || !Character.isLowSurrogate(s.charAt(i + 1));
        }
        if (Character.isLowSurrogate(c)) {
            return i == 0 || !Character.isHighSurrogate(s.charAt(i - 1));
        }
        return false;
    }

    @Override
    public String toString() {
        return sb.toString();
    }
}
