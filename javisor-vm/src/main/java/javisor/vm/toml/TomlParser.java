package javisor.vm.toml;

import java.util.ArrayList;
import java.util.List;

import javisor.vm.toml.TomlTreeBuilder.Key;
import javisor.vm.toml.TomlTreeBuilder.Slot;
import javisor.vm.toml.TomlTreeBuilder.Table;
import javisor.vm.toml.TomlValue.ArrayValue;
import javisor.vm.toml.TomlValue.BooleanValue;
import javisor.vm.toml.TomlValue.FloatValue;
import javisor.vm.toml.TomlValue.IntegerValue;
import javisor.vm.toml.TomlValue.Position;
import javisor.vm.toml.TomlValue.StringValue;
import javisor.vm.toml.TomlValue.TableValue;

/**
 * A TOML 1.0 parser, plus the TOML 1.1 relaxations people already write: newlines, comments and a trailing
 * comma inside inline tables, and the {@code \e} and {@code \xHH} escapes. Dates and times are rejected,
 * since no VM config key takes one. Hand-written so that start-up stays fast and every error names the
 * line, the column and what was expected.
 *
 * <p>Recursion is bounded by {@link #MAX_DEPTH}; input size is bounded by the caller.
 */
public final class TomlParser {
    /** How deep tables, arrays and inline tables may nest, so hostile input cannot exhaust the stack. */
    public static final int MAX_DEPTH = 64;

    private final String text;
    private final String source;
    private final TomlTreeBuilder tree;
    private int pos;
    private int line = 1;
    private int lineStart;

    private TomlParser(String text, String source) {
        this.text = text;
        this.source = source;
        this.tree = new TomlTreeBuilder(source, MAX_DEPTH);
    }

    /**
     * Parses a whole document.
     *
     * @param source the file name or a stand-in such as {@code "<string>"}, for messages
     * @throws TomlException on any syntax error, naming the line and column
     */
    public static TableValue parse(String text, String source) {
        return new TomlParser(text, source).document();
    }

    private TableValue document() {
        if (text.startsWith("\uFEFF")) {
            pos = 1;
            lineStart = 1;
        }
        Table current = tree.root();
        while (true) {
            skipBlanks();
            if (eof()) {
                return tree.freeze();
            }
            char c = peek();
            if (c == '#') {
                comment();
            } else if (c == '\n' || c == '\r') {
                newline();
            } else {
                if (c == '[') {
                    current = header();
                } else {
                    keyValue(current);
                }
                endOfLine();
            }
        }
    }

    private Table header() {
        Position at = position();
        pos++;
        boolean array = !eof() && peek() == '[';
        if (array) {
            pos++;
        }
        skipBlanks();
        List<Key> keys = key();
        skipBlanks();
        if (eof() || peek() != ']') {
            throw error(position(), "expected '" + (array ? "]]" : "]") + "' to close the table header, got "
                    + describeNext());
        }
        pos++;
        if (array) {
            if (eof() || peek() != ']') {
                throw error(position(), "expected ']]' to close the array-of-tables header, got " + describeNext());
            }
            pos++;
        }
        return array ? tree.appendArrayTable(keys, at) : tree.openTable(keys, at);
    }

    private void keyValue(Table table) {
        List<Key> keys = key();
        skipBlanks();
        if (eof() || peek() != '=') {
            throw error(position(), "expected '=' after the key, got " + describeNext());
        }
        pos++;
        skipBlanks();
        Slot slot = tree.slot(table, keys);
        tree.put(slot, value(slot.depth(), slot.path()));
    }

    /** A dotted key: simple keys joined by '.', blanks allowed around the dots. */
    private List<Key> key() {
        List<Key> keys = new ArrayList<>();
        while (true) {
            keys.add(simpleKey());
            if (keys.size() > MAX_DEPTH) {
                throw error(keys.getLast().position(), "a key may have at most " + MAX_DEPTH + " dotted parts");
            }
            skipBlanks();
            if (eof() || peek() != '.') {
                return keys;
            }
            pos++;
            skipBlanks();
        }
    }

    private Key simpleKey() {
        Position at = position();
        if (eof()) {
            throw error(at, "expected a key, got the end of the file");
        }
        char c = peek();
        if (c == '"' || c == '\'') {
            if (text.startsWith(c == '"' ? "\"\"\"" : "'''", pos)) {
                throw error(at, "a key cannot be a multi-line string");
            }
            return new Key(c == '"' ? basicString() : literalString(), at);
        }
        int start = pos;
        while (!eof() && TomlStrings.isBareKeyChar(peek())) {
            pos++;
        }
        if (pos == start) {
            throw error(at, "expected a key (letters, digits, '_', '-', or a quoted string), got " + describeNext());
        }
        return new Key(text.substring(start, pos), at);
    }

    private TomlValue value(int depth, KeyPath path) {
        Position at = position();
        if (depth > MAX_DEPTH) {
            throw error(at, "tables and values nested more than " + MAX_DEPTH + " levels deep");
        }
        if (eof()) {
            throw error(at, "expected a value, got the end of the file");
        }
        return switch (peek()) {
            case '"' -> new StringValue(text.startsWith("\"\"\"", pos) ? multiLineString('"') : basicString(), at);
            case '\'' -> new StringValue(text.startsWith("'''", pos) ? multiLineString('\'') : literalString(), at);
            case '[' -> array(depth, path, at);
            case '{' -> inlineTable(depth, path, at);
            default -> scalar(at);
        };
    }

    private ArrayValue array(int depth, KeyPath path, Position at) {
        pos++;
        List<TomlValue> items = new ArrayList<>();
        while (true) {
            skipBlanksCommentsAndNewlines();
            if (eof()) {
                throw error(at, "unterminated array: expected ']'");
            }
            if (peek() == ']') {
                pos++;
                return new ArrayValue(items, at);
            }
            items.add(value(depth + 1, path.element(items.size())));
            skipBlanksCommentsAndNewlines();
            if (!eof() && peek() == ',') {
                pos++;
            } else if (!eof() && peek() == ']') {
                pos++;
                return new ArrayValue(items, at);
            } else {
                throw error(position(), "expected ',' or ']' in the array that starts at line " + at.line()
                        + ", got " + describeNext());
            }
        }
    }

    private TableValue inlineTable(int depth, KeyPath path, Position at) {
        pos++;
        Table table = tree.inlineTable(at, path, depth);
        while (true) {
            skipBlanksCommentsAndNewlines();
            if (eof()) {
                throw error(at, "unterminated inline table: expected '}'");
            }
            if (peek() == '}') {
                pos++;
                return TomlTreeBuilder.freeze(table);
            }
            keyValue(table);
            skipBlanksCommentsAndNewlines();
            if (!eof() && peek() == ',') {
                pos++;
            } else if (!eof() && peek() == '}') {
                pos++;
                return TomlTreeBuilder.freeze(table);
            } else {
                throw error(position(), "expected ',' or '}' in the inline table that starts at line " + at.line()
                        + ", got " + describeNext());
            }
        }
    }

    /** Booleans, integers and floats: a run of characters that can make up one of them. */
    private TomlValue scalar(Position at) {
        int start = pos;
        while (!eof() && isScalarChar(peek())) {
            pos++;
        }
        String token = text.substring(start, pos);
        if (token.isEmpty()) {
            throw error(at, "expected a value (a string, number, boolean, array or inline table), got "
                    + describeNext());
        }
        switch (token) {
            case "true" -> {
                return new BooleanValue(true, at);
            }
            case "false" -> {
                return new BooleanValue(false, at);
            }
            default -> {
            }
        }
        if (looksLikeDateOrTime(token)) {
            throw error(at, "dates and times are not supported in VM configs, got " + TomlStrings.abbreviate(token));
        }
        String unsigned = token.startsWith("+") || token.startsWith("-") ? token.substring(1) : token;
        boolean special = unsigned.equals("inf") || unsigned.equals("nan");
        if (!special && !unsigned.isEmpty() && (unsigned.charAt(0) < '0' || unsigned.charAt(0) > '9')) {
            boolean word = Character.isLetter(unsigned.charAt(0));
            throw error(at, "expected a value (a string, number, boolean, array or inline table), got "
                    + TomlStrings.abbreviate(token) + (word ? " (strings need quotes)" : ""));
        }
        boolean prefixed = unsigned.startsWith("0x") || unsigned.startsWith("0o") || unsigned.startsWith("0b");
        boolean isFloat = special || (!prefixed
                && (token.indexOf('.') >= 0 || token.indexOf('e') >= 0 || token.indexOf('E') >= 0));
        try {
            if (isFloat) {
                return new FloatValue(TomlNumbers.parseFloat(token), token, at);
            }
            TomlNumbers.Parsed p = TomlNumbers.parseInteger(token, false);
            return new IntegerValue(p.value(), p.unsigned(), token, at);
        } catch (TomlNumbers.BadNumber e) {
            throw error(at, "invalid " + (isFloat ? "float " : "integer ") + TomlStrings.abbreviate(token) + ": "
                    + e.getMessage());
        }
    }

    private static boolean isScalarChar(char c) {
        return TomlStrings.isBareKeyChar(c) || c == '+' || c == '.' || c == ':';
    }

    private static boolean looksLikeDateOrTime(String t) {
        boolean date = t.length() >= 5 && allDigits(t, 0, 4) && t.charAt(4) == '-';
        boolean time = t.length() >= 3 && allDigits(t, 0, 2) && t.charAt(2) == ':';
        return date || time;
    }

    private static boolean allDigits(String s, int from, int to) {
        for (int i = from; i < to; i++) {
            if (s.charAt(i) < '0' || s.charAt(i) > '9') {
                return false;
            }
        }
        return true;
    }

    // ---- strings ----

    private String basicString() {
        Position at = position();
        pos++;
        StringBuilder sb = new StringBuilder();
        while (true) {
            if (eof() || peek() == '\n' || peek() == '\r') {
                throw error(at, "unterminated string: a \"...\" string ends on its line (use \"\"\"...\"\"\" for"
                        + " several lines)");
            }
            char c = peek();
            if (c == '"') {
                pos++;
                return sb.toString();
            }
            if (c == '\\') {
                escape(sb);
            } else {
                checkNotControl(c);
                sb.append(c);
                pos++;
            }
        }
    }

    private String literalString() {
        Position at = position();
        pos++;
        int start = pos;
        while (true) {
            if (eof() || peek() == '\n' || peek() == '\r') {
                throw error(at, "unterminated string: a '...' string ends on its line (use '''...''' for"
                        + " several lines)");
            }
            char c = peek();
            if (c == '\'') {
                pos++;
                return text.substring(start, pos - 1);
            }
            checkNotControl(c);
            pos++;
        }
    }

    /**
     * A """basic""" (escapes) or '''literal''' (none) multi-line string: the two differ only in the quote and in
     * whether a backslash means anything.
     */
    private String multiLineString(char quote) {
        boolean basic = quote == '"';
        String delimiter = String.valueOf(quote).repeat(3);
        Position at = position();
        pos += 3;
        skipNewlineAfterOpening();
        StringBuilder sb = new StringBuilder();
        while (true) {
            if (eof()) {
                throw error(at, "unterminated multi-line string: expected "
                        + (basic ? "'" + delimiter + "'" : "\"" + delimiter + "\""));
            }
            char c = peek();
            if (c == quote && text.startsWith(delimiter, pos)) {
                return closeMultiLine(sb, quote);
            } else if (basic && c == '\\') {
                if (lineEndingBackslash()) {
                    continue;
                }
                escape(sb);
            } else if (c == '\n' || c == '\r') {
                newline();
                sb.append('\n');
            } else {
                checkNotControl(c);
                sb.append(c);
                pos++;
            }
        }
    }

    /** At three or more quotes: up to two quotes just before the closing three belong to the string. */
    private String closeMultiLine(StringBuilder sb, char quote) {
        int run = 0;
        while (pos + run < text.length() && text.charAt(pos + run) == quote) {
            run++;
        }
        if (run > 5) {
            throw error(position(), "too many quotes in a row in a multi-line string (escape some of them)");
        }
        sb.append(String.valueOf(quote).repeat(run - 3));
        pos += run;
        return sb.toString();
    }

    private void skipNewlineAfterOpening() {
        if (!eof() && (peek() == '\n' || peek() == '\r')) {
            newline();
        }
    }

    /**
     * A backslash that ends a line in a multi-line basic string joins the lines: it eats the line break and
     * the blanks and line breaks that follow. Returns false for an ordinary escape.
     */
    private boolean lineEndingBackslash() {
        int i = pos + 1;
        while (i < text.length() && (text.charAt(i) == ' ' || text.charAt(i) == '\t')) {
            i++;
        }
        if (i >= text.length() || (text.charAt(i) != '\n' && text.charAt(i) != '\r')) {
            return false;
        }
        pos = i;
        while (!eof()) {
            char c = peek();
            if (c == '\n' || c == '\r') {
                newline();
            } else if (c == ' ' || c == '\t') {
                pos++;
            } else {
                break;
            }
        }
        return true;
    }

    private void escape(StringBuilder sb) {
        Position at = position();
        pos++;
        if (eof()) {
            throw error(at, "unterminated escape sequence");
        }
        char e = peek();
        pos++;
        switch (e) {
            case 'b' -> sb.append('\b');
            case 't' -> sb.append('\t');
            case 'n' -> sb.append('\n');
            case 'f' -> sb.append('\f');
            case 'r' -> sb.append('\r');
            case 'e' -> sb.append('\u001b');
            case '"' -> sb.append('"');
            case '\\' -> sb.append('\\');
            case 'x' -> sb.appendCodePoint(hexEscape(at, 2));
            case 'u' -> sb.appendCodePoint(hexEscape(at, 4));
            case 'U' -> sb.appendCodePoint(hexEscape(at, 8));
            default -> throw error(at, "invalid escape "
                    + (e > 0x20 && e < 0x7f ? "\\" + e : "\\ followed by " + printable(e))
                    + " (valid: \\b \\t \\n \\f \\r \\e \\\" \\\\ \\xHH \\uHHHH \\UHHHHHHHH)");
        }
    }

    private int hexEscape(Position at, int digits) {
        if (pos + digits > text.length()) {
            throw error(at, "escape needs " + digits + " hex digits");
        }
        int cp = 0;
        for (int i = 0; i < digits; i++) {
            char c = text.charAt(pos + i);
            int d = c < 0x80 ? Character.digit(c, 16) : -1;
            if (d < 0) {
                throw error(at, "escape needs " + digits + " hex digits, got " + printable(c));
            }
            cp = cp * 16 + d;
            if (cp > Character.MAX_CODE_POINT) {
                throw error(at, "escape is not a Unicode scalar value");
            }
        }
        if (cp >= 0xD800 && cp <= 0xDFFF) {
            throw error(at, "escape is a surrogate, not a Unicode scalar value");
        }
        pos += digits;
        return cp;
    }

    private void checkNotControl(char c) {
        if ((c < 0x20 && c != '\t') || c == 0x7f) {
            throw error(position(), "control character " + printable(c) + " is not allowed here (escape it)");
        }
    }

    // ---- blanks, comments, line ends ----

    private void skipBlanks() {
        while (!eof() && (peek() == ' ' || peek() == '\t')) {
            pos++;
        }
    }

    private void skipBlanksCommentsAndNewlines() {
        while (!eof()) {
            char c = peek();
            if (c == ' ' || c == '\t') {
                pos++;
            } else if (c == '#') {
                comment();
            } else if (c == '\n' || c == '\r') {
                newline();
            } else {
                return;
            }
        }
    }

    /** Skips a comment up to (not including) the line break. */
    private void comment() {
        pos++;
        while (!eof() && peek() != '\n' && peek() != '\r') {
            char c = peek();
            if ((c < 0x20 && c != '\t') || c == 0x7f) {
                throw error(position(), "control character " + printable(c) + " is not allowed in a comment");
            }
            pos++;
        }
    }

    private void newline() {
        if (peek() == '\r') {
            if (pos + 1 >= text.length() || text.charAt(pos + 1) != '\n') {
                throw error(position(), "a carriage return must be followed by a line feed");
            }
            pos++;
        }
        pos++;
        line++;
        lineStart = pos;
    }

    /** After a key/value pair or a header only blanks and a comment may follow on the line. */
    private void endOfLine() {
        skipBlanks();
        if (!eof() && peek() == '#') {
            comment();
        }
        if (eof()) {
            return;
        }
        if (peek() != '\n' && peek() != '\r') {
            throw error(position(), "expected the end of the line (or a # comment), got " + describeNext());
        }
        newline();
    }

    // ---- low level ----

    private boolean eof() {
        return pos >= text.length();
    }

    private char peek() {
        return text.charAt(pos);
    }

    private Position position() {
        return new Position(line, pos - lineStart + 1);
    }

    private String describeNext() {
        if (eof()) {
            return "the end of the file";
        }
        char c = peek();
        return c == '\n' || c == '\r' ? "the end of the line" : printable(c);
    }

    private static String printable(char c) {
        return c > 0x20 && c < 0x7f ? "'" + c + "'" : String.format("U+%04X", (int) c);
    }

    private TomlException error(Position at, String detail) {
        return new TomlException(source, at.line(), at.column(), "", detail);
    }
}
