package javisor.vmm.shell;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.charset.StandardCharsets;
import java.util.List;

import com.code_intelligence.jazzer.junit.FuzzTest;

/**
 * Coverage-guided: any line typed at the shell is split, resolved to a command and parsed against its options, or
 * refused with one {@link ShellException} for the user. What it parses to only holds the command's own options,
 * each value checked. Handlers are not run: the file commands would act on the host's files.
 */
class ShellParserFuzzer {
    private static final CommandTree COMMANDS = ShellCommands.tree();

    @FuzzTest
    void anyLineParsesOrIsOneUserError(byte[] input) {
        String line = new String(input, StandardCharsets.UTF_8);
        try {
            List<String> words = Tokenizer.split(line);
            if (words.isEmpty()) {
                return;
            }
            CommandTree.Resolved r = COMMANDS.resolve(words);
            ParsedArgs args = ArgParser.parse(r.command(), r.rest());
            for (String flag : args.flags()) {
                assertThat(r.command().longOption(flag)).as("flag --%s of %s", flag, r.command().path()).isPresent();
            }
            args.values().forEach((name, value) -> {
                assertThat(r.command().longOption(name)).as("option --%s of %s", name, r.command().path())
                        .hasValueSatisfying(o -> assertThat(o.takesValue()).isTrue());
                assertThat(value).isNotNull();
            });
            assertThat(Help.forCommand(r.command())).contains(r.command().path());
        } catch (ShellException e) {
            assertThat(Errors.message(e)).isNotBlank();
        }
    }
}
