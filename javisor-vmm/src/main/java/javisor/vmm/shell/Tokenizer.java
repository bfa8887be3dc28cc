package javisor.vmm.shell;

import java.util.ArrayList;
import java.util.List;

/**
 * Splits a command line into words, as AxVisor's shell does: whitespace separates words, {@code "..."} quotes
 * (so a path or a name may hold spaces), and a backslash takes the next character literally, inside double
 * quotes too. Beyond AxVisor, {@code '...'} quotes without escapes and an unquoted {@code #} at the start of a
 * word begins a comment, so scripts can be annotated.
 */
final class Tokenizer {
    private Tokenizer() {
    }

    static List<String> split(String line) {
        List<String> words = new ArrayList<>();
        StringBuilder word = new StringBuilder();
        boolean inWord = false;
        char quote = 0;
        for (int i = 0; i < line.length(); i++) {
            char c = line.charAt(i);
            if (quote == '\'') {
                if (c == '\'') {
                    quote = 0;
                } else {
                    word.append(c);
                }
            } else if (c == '\\') {
                if (i + 1 == line.length()) {
                    throw new ShellException("the line ends with a lone backslash (write \\\\ for a backslash)");
                }
                word.append(line.charAt(++i));
                inWord = true;
            } else if (quote == '"') {
                if (c == '"') {
                    quote = 0;
                } else {
                    word.append(c);
                }
            } else if (c == '"' || c == '\'') {
                quote = c;
                inWord = true; // "" is an empty word, not nothing
            } else if (Character.isWhitespace(c)) {
                if (inWord) {
                    words.add(word.toString());
                    word.setLength(0);
                    inWord = false;
                }
            } else if (c == '#' && !inWord) {
                break;
            } else {
                word.append(c);
                inWord = true;
            }
        }
        if (quote != 0) {
            throw new ShellException("unterminated " + (quote == '"' ? "double" : "single") + " quote");
        }
        if (inWord) {
            words.add(word.toString());
        }
        return words;
    }
}
