package javisor.vmm.shell;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

@Timeout(10)
class TokenizerTest {
    @Test
    void whitespaceSeparatesWords() {
        assertThat(Tokenizer.split("  vm   start\t1 2 ")).containsExactly("vm", "start", "1", "2");
    }

    @Test
    void doubleQuotesKeepSpaces() {
        assertThat(Tokenizer.split("vm create \"my vm.toml\" x")).containsExactly("vm", "create", "my vm.toml", "x");
    }

    @Test
    void backslashTakesTheNextCharacterInsideAndOutsideQuotes() {
        assertThat(Tokenizer.split("a\\ b \"c\\\"d\" e\\\\f")).containsExactly("a b", "c\"d", "e\\f");
    }

    @Test
    void singleQuotesAreLiteral() {
        assertThat(Tokenizer.split("'a\\b \"c\"'")).containsExactly("a\\b \"c\"");
    }

    @Test
    void emptyQuotesAreAnEmptyWord() {
        assertThat(Tokenizer.split("vm create \"\"")).containsExactly("vm", "create", "");
    }

    @Test
    void quotesJoinWithAdjacentText() {
        assertThat(Tokenizer.split("--name=\"a b\"c")).containsExactly("--name=a bc");
    }

    @Test
    void hashAtAWordStartBeginsAComment() {
        assertThat(Tokenizer.split("vm list # all of them")).containsExactly("vm", "list");
        assertThat(Tokenizer.split("# a comment line")).isEmpty();
        assertThat(Tokenizer.split("a#b \"#c\"")).containsExactly("a#b", "#c");
    }

    @Test
    void unterminatedQuoteIsAnError() {
        assertThatThrownBy(() -> Tokenizer.split("vm create \"x.toml")).isInstanceOf(ShellException.class)
                .hasMessage("unterminated double quote");
        assertThatThrownBy(() -> Tokenizer.split("echo 'x")).hasMessage("unterminated single quote");
    }

    @Test
    void trailingBackslashIsAnError() {
        assertThatThrownBy(() -> Tokenizer.split("vm list \\")).isInstanceOf(ShellException.class)
                .hasMessage("the line ends with a lone backslash (write \\\\ for a backslash)");
    }
}
