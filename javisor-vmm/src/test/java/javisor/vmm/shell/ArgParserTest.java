package javisor.vmm.shell;

import java.util.List;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

@Timeout(10)
class ArgParserTest {
    private static final CommandSpec CREATE = ShellCommands.tree().find(List.of("vm", "create"));
    private static final CommandSpec SHOW = ShellCommands.tree().find(List.of("vm", "show"));
    private static final CommandSpec LIST = ShellCommands.tree().find(List.of("vm", "list"));

    private static ParsedArgs parse(CommandSpec c, String line) {
        return ArgParser.parse(c, Tokenizer.split(line));
    }

    @Test
    void longOptionTakesTheNextWordOrTheTextAfterEquals() {
        ParsedArgs a = parse(CREATE, "--name web --cpu=2 a.toml");
        assertThat(a.value("name")).contains("web");
        assertThat(a.value("cpu")).contains("2");
        assertThat(a.positionals()).containsExactly("a.toml");
    }

    @Test
    void shortFlagsBundle() {
        ParsedArgs a = parse(SHOW, "-fcs 1");
        assertThat(a.flags()).containsExactlyInAnyOrder("full", "config", "stats");
        assertThat(a.positionals()).containsExactly("1");
    }

    @Test
    void aShortOptionWithAValueEndsABundleOrHasItAttached() {
        ParsedArgs a = parse(CREATE, "-fn web -m128 a.toml");
        assertThat(a.flag("force")).isTrue();
        assertThat(a.value("name")).contains("web");
        assertThat(a.value("memory")).contains("128");
    }

    @Test
    void doubleDashEndsTheOptions() {
        assertThat(parse(CREATE, "-- -odd.toml").positionals()).containsExactly("-odd.toml");
    }

    @Test
    void aRepeatedOptionKeepsItsLastValue() {
        assertThat(parse(CREATE, "-n a -n b x").value("name")).contains("b");
    }

    @Test
    void unknownLongOptionIsNamed() {
        assertThatThrownBy(() -> parse(SHOW, "--bogus 1")).isInstanceOf(ShellException.class)
                .hasMessage("unknown option --bogus for 'vm show' (see 'vm show --help')");
    }

    @Test
    void unknownShortOptionInABundleIsNamed() {
        assertThatThrownBy(() -> parse(SHOW, "-fx 1"))
                .hasMessage("unknown option -x for 'vm show' (see 'vm show --help')");
    }

    @Test
    void missingValueIsNamed() {
        assertThatThrownBy(() -> parse(LIST, "--format"))
                .hasMessage("option --format of 'vm list' needs a value (FORMAT)");
        assertThatThrownBy(() -> parse(CREATE, "a.toml -n"))
                .hasMessage("option -n of 'vm create' needs a value (NAME)");
    }

    @Test
    void aValueOutsideTheAllowedOnesIsRefused() {
        assertThatThrownBy(() -> parse(LIST, "--format=xml"))
                .hasMessage("option --format of 'vm list' expects table or json, got 'xml'");
    }

    @Test
    void aFlagTakesNoValue() {
        assertThatThrownBy(() -> parse(SHOW, "--full=yes 1")).hasMessage("option --full of 'vm show' takes no value");
    }

    @Test
    void argumentCountsAreChecked() {
        assertThatThrownBy(() -> parse(SHOW, "")).hasMessage("'vm show' needs ID (see 'vm show --help')");
        assertThatThrownBy(() -> parse(SHOW, "1 2")).hasMessage("'vm show' takes one ID, got '1' '2'");
        assertThatThrownBy(() -> parse(LIST, "x")).hasMessage("'vm list' takes no arguments, got 'x'");
        assertThatThrownBy(() -> parse(CREATE, "-f")).hasMessage("'vm create' needs CFG... (see 'vm create --help')");
    }
}
