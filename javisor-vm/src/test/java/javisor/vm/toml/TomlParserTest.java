package javisor.vm.toml;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.util.List;
import java.util.Map;
import java.util.stream.Stream;

import javisor.vm.toml.TomlValue.ArrayValue;
import javisor.vm.toml.TomlValue.BooleanValue;
import javisor.vm.toml.TomlValue.FloatValue;
import javisor.vm.toml.TomlValue.IntegerValue;
import javisor.vm.toml.TomlValue.Position;
import javisor.vm.toml.TomlValue.StringValue;
import javisor.vm.toml.TomlValue.TableValue;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

class TomlParserTest {

    private static TableValue parse(String text) {
        return TomlParser.parse(text, "t.toml");
    }

    /** The value at a dotted path of plain keys, with {@code [i]} for array elements. */
    private static TomlValue at(TomlValue root, String path) {
        TomlValue v = root;
        for (String part : path.split("\\.")) {
            String key = part.contains("[") ? part.substring(0, part.indexOf('[')) : part;
            if (!key.isEmpty()) {
                v = ((TableValue) v).entries().get(key);
                assertThat(v).as(path).isNotNull();
            }
            for (int i = part.indexOf('['); i >= 0; i = part.indexOf('[', i + 1)) {
                int index = Integer.parseInt(part.substring(i + 1, part.indexOf(']', i)));
                v = ((ArrayValue) v).items().get(index);
            }
        }
        return v;
    }

    private static String string(TomlValue root, String path) {
        return ((StringValue) at(root, path)).value();
    }

    private static long integer(TomlValue root, String path) {
        return ((IntegerValue) at(root, path)).value();
    }

    @Test
    void emptyDocumentIsAnEmptyTable() {
        assertThat(parse("").entries()).isEmpty();
        assertThat(parse("\n  # only a comment\n\t\n").entries()).isEmpty();
    }

    @Test
    void commentsBlankLinesAndCrLfAreIgnored() {
        TableValue t = parse("# head\r\na = 1 # trailing\r\n\r\n[t] # header comment\r\nb = 2\r\n");
        assertThat(integer(t, "a")).isEqualTo(1);
        assertThat(integer(t, "t.b")).isEqualTo(2);
    }

    @Test
    void byteOrderMarkIsSkipped() {
        assertThat(integer(parse("\uFEFFa = 1"), "a")).isEqualTo(1);
    }

    @Test
    void bareQuotedAndDottedKeys() {
        TableValue t = parse("""
                bare-key_1 = 1
                "quoted key" = 2
                'literal.key' = 3
                a . b. c = 4
                "" = 5
                1234 = 6
                """);
        assertThat(t.entries()).containsKeys("bare-key_1", "quoted key", "literal.key", "a", "", "1234");
        assertThat(integer(t, "a.b.c")).isEqualTo(4);
    }

    @Test
    void valuesRememberLineAndColumn() {
        TableValue t = parse("\n[kernel]\n  entry = 0x8000\n  list = [\n    1,\n      2]\n");
        assertThat(at(t, "kernel").position()).isEqualTo(new Position(2, 1));
        assertThat(at(t, "kernel.entry").position()).isEqualTo(new Position(3, 11));
        assertThat(at(t, "kernel.list[1]").position()).isEqualTo(new Position(6, 7));
    }

    @Test
    void basicStringEscapes() {
        TableValue t = parse("s = \"tab\\t nl\\n quote\\\" bs\\\\ \\b\\f\\r e\\u00e9 smile\\U0001F600"
                + " esc\\e hex\\x41\"");
        assertThat(string(t, "s")).isEqualTo("tab\t nl\n quote\" bs\\ \b\f\r e\u00e9 smile\uD83D\uDE00 esc\u001b hexA");
    }

    @Test
    void literalStringKeepsBackslashes() {
        assertThat(string(parse("p = 'C:\\Users\\x \"q\"'"), "p")).isEqualTo("C:\\Users\\x \"q\"");
    }

    @Test
    void multiLineBasicStringTrimsFirstNewlineAndJoinsBackslashLines() {
        TableValue t = parse("s = \"\"\"\nline one\r\nline two \\\n     joined\\t\"\"\"");
        assertThat(string(t, "s")).isEqualTo("line one\nline two joined\t");
    }

    @Test
    void multiLineStringsMayEndWithQuotes() {
        TableValue t = parse("a = \"\"\"x\"\"\"\"\"\nb = '''y''''\nc = \"\"\"he said \"\"hi\"\" \"\"\"");
        assertThat(string(t, "a")).isEqualTo("x\"\"");
        assertThat(string(t, "b")).isEqualTo("y'");
        assertThat(string(t, "c")).isEqualTo("he said \"\"hi\"\" ");
    }

    @Test
    void multiLineLiteralStringIsRaw() {
        assertThat(string(parse("s = '''\n\\n stays\n'''"), "s")).isEqualTo("\\n stays\n");
    }

    @Test
    void linesAreCountedInsideMultiLineStrings() {
        TableValue t = parse("s = \"\"\"\na\nb\n\"\"\"\nn = 1");
        assertThat(at(t, "n").position().line()).isEqualTo(5);
    }

    static Stream<Arguments> integers() {
        return Stream.of(
                Arguments.of("0", 0L, false),
                Arguments.of("-0", 0L, false),
                Arguments.of("+17", 17L, false),
                Arguments.of("-17", -17L, false),
                Arguments.of("1_000_000", 1_000_000L, false),
                Arguments.of("0xDEAD_beef", 0xdeadbeefL, true),
                Arguments.of("0x20_0000", 0x200000L, true),
                Arguments.of("0o755", 0755L, true),
                Arguments.of("0b1010_0101", 0b10100101L, true),
                Arguments.of("9223372036854775807", Long.MAX_VALUE, false),
                Arguments.of("-9223372036854775808", Long.MIN_VALUE, false),
                Arguments.of("0xffff_ffff_ffff_ffff", -1L, true),
                Arguments.of("0x8000_0000_0000_0000", Long.MIN_VALUE, true));
    }

    @ParameterizedTest
    @MethodSource("integers")
    void integerLiterals(String literal, long value, boolean unsigned) {
        IntegerValue v = (IntegerValue) at(parse("n = " + literal), "n");
        assertThat(v.value()).isEqualTo(value);
        assertThat(v.unsigned()).isEqualTo(unsigned);
        assertThat(v.text()).isEqualTo(literal);
    }

    @Test
    void floats() {
        TableValue t = parse("a = 1.5\nb = -2e3\nc = 6.02E+23\nd = 1_000.25\ne = inf\nf = -inf\ng = nan\nh = 0.0");
        assertThat(((FloatValue) at(t, "a")).value()).isEqualTo(1.5);
        assertThat(((FloatValue) at(t, "b")).value()).isEqualTo(-2000.0);
        assertThat(((FloatValue) at(t, "c")).value()).isEqualTo(6.02e23);
        assertThat(((FloatValue) at(t, "d")).value()).isEqualTo(1000.25);
        assertThat(((FloatValue) at(t, "e")).value()).isEqualTo(Double.POSITIVE_INFINITY);
        assertThat(((FloatValue) at(t, "f")).value()).isEqualTo(Double.NEGATIVE_INFINITY);
        assertThat(((FloatValue) at(t, "g")).value()).isNaN();
        assertThat(((FloatValue) at(t, "h")).value()).isZero();
    }

    @Test
    void booleans() {
        TableValue t = parse("t = true\nf = false");
        assertThat(((BooleanValue) at(t, "t")).value()).isTrue();
        assertThat(((BooleanValue) at(t, "f")).value()).isFalse();
    }

    @Test
    void multiLineArraysWithCommentsAndTrailingComma() {
        TableValue t = parse("""
                a = [
                    1, # one
                    # a comment line
                    [2, "two"],
                    { x = 3 },
                ]
                empty = [ ]
                """);
        assertThat(((ArrayValue) at(t, "a")).items()).hasSize(3);
        assertThat(integer(t, "a[1][0]")).isEqualTo(2);
        assertThat(string(t, "a[1][1]")).isEqualTo("two");
        assertThat(integer(t, "a[2].x")).isEqualTo(3);
        assertThat(((ArrayValue) at(t, "empty")).items()).isEmpty();
    }

    @Test
    void inlineTablesWithDottedKeysAndTomlOneOneNewlines() {
        TableValue t = parse("""
                p = { name = "x", pos.x = 1, pos.y = 2 }
                q = {
                    a = 1, # comment
                    b = { c = 2 },
                }
                e = {}
                """);
        assertThat(integer(t, "p.pos.y")).isEqualTo(2);
        assertThat(integer(t, "q.b.c")).isEqualTo(2);
        assertThat(((TableValue) at(t, "e")).entries()).isEmpty();
    }

    @Test
    void tableHeadersAndImplicitParents() {
        TableValue t = parse("""
                [a.b.c]
                x = 1
                [a]
                y = 2
                [ a . d ]
                z = 3
                ["quoted.name"]
                w = 4
                """);
        assertThat(integer(t, "a.b.c.x")).isEqualTo(1);
        assertThat(integer(t, "a.y")).isEqualTo(2);
        assertThat(integer(t, "a.d.z")).isEqualTo(3);
        assertThat(t.entries()).containsKey("quoted.name");
    }

    @Test
    void arraysOfTablesWithSubTables() {
        TableValue t = parse("""
                [[r]]
                gpa = 0
                [r.sub]
                k = 1
                [[r]]
                gpa = 1
                [[r.inner]]
                n = 1
                [[r.inner]]
                n = 2
                """);
        assertThat(((ArrayValue) at(t, "r")).items()).hasSize(2);
        assertThat(integer(t, "r[0].sub.k")).isEqualTo(1);
        assertThat(integer(t, "r[1].gpa")).isEqualTo(1);
        assertThat(integer(t, "r[1].inner[1].n")).isEqualTo(2);
    }

    @Test
    void headersMayAddSubTablesToDottedTables() {
        TableValue t = parse("""
                [fruit]
                apple.color = "red"
                apple.taste.sweet = true
                [fruit.apple.texture]
                smooth = true
                """);
        assertThat(string(t, "fruit.apple.color")).isEqualTo("red");
        assertThat(((BooleanValue) at(t, "fruit.apple.texture.smooth")).value()).isTrue();
    }

    @Test
    void keysKeepTheirOrder() {
        TableValue t = parse("z = 1\na = 2\nm = 3");
        assertThat(List.copyOf(t.entries().keySet())).containsExactly("z", "a", "m");
    }

    /** Bad documents beside the exact error text expected ({@code t.toml:line:column: ...}). */
    static Stream<Arguments> syntaxErrors() {
        return Stream.of(
                Arguments.of("a = 1\na = 2", "t.toml:2:1: a: duplicate key (first defined at line 1)"),
                Arguments.of("[t]\nx = 1\n[t]", "t.toml:3:2: t: table [t] is defined twice (first at line 1)"),
                Arguments.of("a = ", "t.toml:1:5: expected a value, got the end of the file"),
                Arguments.of("a =\nb = 1", "t.toml:1:4: expected a value (a string, number, boolean, array or inline"
                        + " table), got the end of the line"),
                Arguments.of("a = memory", "t.toml:1:5: expected a value (a string, number, boolean, array or"
                        + " inline table), got memory (strings need quotes)"),
                Arguments.of("a = .5", "t.toml:1:5: expected a value (a string, number, boolean, array or"
                        + " inline table), got .5"),
                Arguments.of("a = \"abc", "t.toml:1:5: unterminated string"),
                Arguments.of("a = 'abc\n'", "t.toml:1:5: unterminated string"),
                Arguments.of("a = \"\"\"abc\n", "t.toml:1:5: unterminated multi-line string"),
                Arguments.of("a = '''abc", "t.toml:1:5: unterminated multi-line string"),
                Arguments.of("a = \"\\q\"", "t.toml:1:6: invalid escape \\q"),
                Arguments.of("a = \"\\uD800\"", "t.toml:1:6: escape is a surrogate"),
                Arguments.of("a = \"\\U00110000\"", "t.toml:1:6: escape is not a Unicode scalar value"),
                Arguments.of("a = \"\\u12\"", "t.toml:1:6: escape needs 4 hex digits"),
                Arguments.of("a = \"\\u12zz\"", "t.toml:1:6: escape needs 4 hex digits, got 'z'"),
                Arguments.of("a = \"x\u0001y\"", "t.toml:1:7: control character U+0001 is not allowed here"),
                Arguments.of("a = \"\"\"x\"\"\"\"\"\"", "t.toml:1:9: too many quotes"),
                Arguments.of("a = 01", "t.toml:1:5: invalid integer 01: leading zeros are not allowed"),
                Arguments.of("a = 1__0", "t.toml:1:5: invalid integer 1__0: '_' must be between two digits"),
                Arguments.of("a = 10_", "invalid integer 10_: '_' must be between two digits"),
                Arguments.of("a = 0x_10", "invalid integer 0x_10: '_' must be between two digits"),
                Arguments.of("a = 0x", "invalid integer 0x: missing digits"),
                Arguments.of("a = 0X10", "invalid integer 0X10: unknown number prefix 0X"),
                Arguments.of("a = +0x10", "invalid integer +0x10: a sign is not allowed on a 0x number"),
                Arguments.of("a = 0xG", "invalid integer 0xG: 'G' is not a hex digit"),
                Arguments.of("a = 0b102", "invalid integer 0b102: '2' is not a binary digit"),
                Arguments.of("a = 0x1_0000_0000_0000_0000", "does not fit in 64 bits"),
                Arguments.of("a = 9223372036854775808", "does not fit in a signed 64-bit integer; write values of"
                        + " 2^63 and above in hex"),
                Arguments.of("a = -9223372036854775809", "number is below the 64-bit range"),
                Arguments.of("a = 1.", "t.toml:1:5: invalid float 1.: a '.' must be followed by digits"),
                Arguments.of("a = 1e", "invalid float 1e: an exponent needs digits"),
                Arguments.of("a = 01.5", "invalid float 01.5: leading zeros are not allowed"),
                Arguments.of("a = 1979-05-27", "t.toml:1:5: dates and times are not supported in VM configs"),
                Arguments.of("a = 07:32:00", "dates and times are not supported in VM configs"),
                Arguments.of("a = [1, 2", "t.toml:1:10: expected ',' or ']' in the array that starts at line 1, got"
                        + " the end of the file"),
                Arguments.of("a = [1 2]", "t.toml:1:8: expected ',' or ']' in the array that starts at line 1, got"
                        + " '2'"),
                Arguments.of("a = [,]", "t.toml:1:6: expected a value"),
                Arguments.of("a = [\n", "t.toml:1:5: unterminated array"),
                Arguments.of("a = {b = 1", "expected ',' or '}' in the inline table that starts at line 1"),
                Arguments.of("a = {b = 1}\na.c = 2", "t.toml:2:1: a: an inline table (line 1), which cannot be"
                        + " extended"),
                Arguments.of("a = {b = 1}\n[a.c]", "t.toml:2:2: a: is an inline table (line 1), which cannot be"
                        + " extended"),
                Arguments.of("a = {b = 1, b = 2}", "t.toml:1:13: a.b: duplicate key (first defined at line 1)"),
                Arguments.of("a = { , }", "t.toml:1:7: expected a key"),
                Arguments.of("a = 1 b = 2", "t.toml:1:7: expected the end of the line (or a # comment), got 'b'"),
                Arguments.of("[a", "t.toml:1:3: expected ']' to close the table header, got the end of the file"),
                Arguments.of("[[a]", "t.toml:1:5: expected ']]' to close the array-of-tables header"),
                Arguments.of("[]", "t.toml:1:2: expected a key"),
                Arguments.of("= 1", "t.toml:1:1: expected a key"),
                Arguments.of("a 1", "t.toml:1:3: expected '=' after the key, got '1'"),
                Arguments.of("a = [1]\n[[a]]", "t.toml:2:3: a: already a static array (line 1)"),
                Arguments.of("[[a]]\n[a]", "t.toml:2:2: a: already an array of tables (line 1); use [[a]]"),
                Arguments.of("[a]\n[[a]]", "t.toml:2:3: a: already a table (line 1), not an array of tables"),
                Arguments.of("[a]\nb.c = 1\n[a.b]", "t.toml:3:4: a.b: table already defined by dotted keys at"
                        + " line 2"),
                Arguments.of("[a.b.c]\nz = 1\n[a]\nb.c.t = 1", "t.toml:4:1: a.b: table defined by the header at"
                        + " line 1; dotted keys cannot add to it"),
                Arguments.of("a = 1\n[a]", "t.toml:2:2: a: already holds 1 (line 1)"),
                Arguments.of("a = 1\na.b = 2", "t.toml:2:1: a: already holds 1 (line 1), not a table"),
                Arguments.of("[a.b]\n[a]\nb = 1", "t.toml:3:1: a.b: duplicate key (first defined at line 1)"),
                Arguments.of("\"\"\"k\"\"\" = 1", "t.toml:1:1: a key cannot be a multi-line string"),
                Arguments.of("a = 1\r", "t.toml:1:6: a carriage return must be followed by a line feed"),
                Arguments.of("# bad \u0001 comment", "t.toml:1:7: control character U+0001 is not allowed in a"
                        + " comment"),
                Arguments.of("a = \"x\"\u00a0", "expected the end of the line (or a # comment), got U+00A0"));
    }

    @ParameterizedTest
    @MethodSource("syntaxErrors")
    void syntaxErrorsNameLineColumnAndExpectation(String toml, String message) {
        assertThatThrownBy(() -> parse(toml)).isInstanceOf(TomlException.class).hasMessageContaining(message);
    }

    @Test
    void syntaxErrorCarriesItsParts() {
        TomlException e = catchSyntax("x = 1\ny = [1 2]");
        assertThat(e.source()).isEqualTo("t.toml");
        assertThat(e.line()).isEqualTo(2);
        assertThat(e.column()).isEqualTo(8);
        assertThat(e.keyPath()).isEmpty();
        assertThat(e.detail()).startsWith("expected ',' or ']'");
    }

    static Stream<Arguments> hostileNesting() {
        return Stream.of(
                Arguments.of("a = " + "[".repeat(100_000)),
                Arguments.of("a = " + "{b = ".repeat(10_000)),
                Arguments.of("a = " + "[{b = ".repeat(10_000)),
                Arguments.of("[" + "a.".repeat(10_000) + "a]"),
                Arguments.of("a" + ".a".repeat(100_000) + " = 1"),
                Arguments.of("[" + "a.".repeat(40) + "a]\n" + "b.".repeat(40) + "b = 1"),
                Arguments.of("[" + "a.".repeat(60) + "a]\n" + "b = " + "[".repeat(10) + "]".repeat(10)));
    }

    @ParameterizedTest
    @MethodSource("hostileNesting")
    void deepNestingIsRefusedWithoutExhaustingTheStack(String toml) {
        assertThatThrownBy(() -> parse(toml)).isInstanceOf(TomlException.class)
                .hasMessageContaining("64");
    }

    @Test
    @Timeout(10)
    void longKeysDoNotMakeParsingQuadratic() {
        StringBuilder sb = new StringBuilder("[" + "k".repeat(300_000) + "]\n");
        for (int i = 0; i < 40_000; i++) {
            sb.append('a').append(i).append(" = [{}, {}]\n");
        }
        assertThat(((TableValue) parse(sb.toString()).entries().values().iterator().next()).entries())
                .hasSize(40_000);
    }

    @Test
    void longKeysAreCutShortInMessages() {
        String key = "k".repeat(1000);
        assertThatThrownBy(() -> parse(key + " = 1\n" + key + " = 2")).isInstanceOf(TomlException.class)
                .hasMessage("t.toml:2:1: " + "k".repeat(60) + "...: duplicate key (first defined at line 1)");
    }

    @Test
    void nestingUpToTheLimitIsAccepted() {
        int depth = TomlParser.MAX_DEPTH - 1;
        TableValue t = parse("a = " + "[".repeat(depth) + "]".repeat(depth));
        assertThat(t.entries()).containsKey("a");
    }

    @Test
    void describeNamesValuesForMessages() {
        TableValue t = parse("s = \"" + "x".repeat(100) + "\"\ni = 0x10\nb = true\nf = 1.5\na = []\nt = {}");
        Map<String, TomlValue> e = t.entries();
        assertThat(e.get("s").describe()).isEqualTo("the string \"" + "x".repeat(60) + "...\"");
        assertThat(e.get("i").describe()).isEqualTo("0x10");
        assertThat(e.get("b").describe()).isEqualTo("the boolean true");
        assertThat(e.get("f").describe()).isEqualTo("the float 1.5");
        assertThat(e.get("a").describe()).isEqualTo("an array");
        assertThat(e.get("t").describe()).isEqualTo("a table");
    }

    private static TomlException catchSyntax(String toml) {
        try {
            parse(toml);
        } catch (TomlException e) {
            return e;
        }
        throw new AssertionError("no TomlException for " + toml);
    }
}
