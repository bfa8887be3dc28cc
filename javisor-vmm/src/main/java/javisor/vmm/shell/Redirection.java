package javisor.vmm.shell;

import java.util.ArrayList;
import java.util.List;
import java.util.Optional;

/**
 * {@code echo}'s words split into the text and the file a {@code > FILE} sends it to. The tokenizer keeps no
 * quoting, so this works on words: {@code >} followed by a word, or a word starting with {@code >}
 * ({@code >FILE}), is a redirection wherever it stands; a {@code >} inside a word ({@code a>b}) is text. As in
 * AxVisor the last one wins; the earlier ones are dropped from the text and their files left alone. There is
 * no {@code >>}: saying so beats writing a file named {@code >x}.
 *
 * @param text the words to print, in order
 * @param file the FILE of the last redirection, as typed
 */
record Redirection(List<String> text, Optional<String> file) {
    static final String WORD = ">";

    Redirection {
        text = List.copyOf(text);
    }

    static Redirection parse(List<String> words) {
        List<String> text = new ArrayList<>();
        Optional<String> file = Optional.empty();
        for (int i = 0; i < words.size(); i++) {
            String w = words.get(i);
            if (w.startsWith(">>")) {
                throw new ShellException("echo: there is no '>>' (append); '>' replaces the file's contents");
            } else if (w.equals(WORD)) {
                if (i + 1 == words.size()) {
                    throw new ShellException("echo: '>' needs a file name after it");
                }
                file = Optional.of(words.get(++i));
            } else if (w.startsWith(WORD)) {
                file = Optional.of(w.substring(1));
            } else {
                text.add(w);
            }
        }
        return new Redirection(text, file);
    }
}
