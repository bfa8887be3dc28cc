package javisor.vmm.shell;

import java.util.List;
import java.util.Objects;

/**
 * One option of a command: {@code -s} and/or {@code --long}, either a flag or taking a value.
 *
 * @param shortName the one-letter form, or 0 when there is none
 * @param longName  the long form without dashes; also the key under which the parsed value is found
 * @param valueName the value's placeholder in help ({@code NAME}), or empty for a flag
 * @param values    the only values allowed, or empty when any value is (then {@code valueName} says what)
 */
record OptionSpec(char shortName, String longName, String valueName, String description, List<String> values) {
    static final OptionSpec HELP = flag('h', "help", "show this help");

    OptionSpec {
        Objects.requireNonNull(longName, "longName");
        Objects.requireNonNull(valueName, "valueName");
        Objects.requireNonNull(description, "description");
        values = List.copyOf(values);
    }

    static OptionSpec flag(char shortName, String longName, String description) {
        return new OptionSpec(shortName, longName, "", description, List.of());
    }

    static OptionSpec value(char shortName, String longName, String valueName, String description,
                            String... values) {
        return new OptionSpec(shortName, longName, valueName, description, List.of(values));
    }

    boolean takesValue() {
        return !valueName.isEmpty();
    }

    /** {@code -n, --name NAME} or {@code     --keep-data}, for help. */
    String synopsis() {
        String head = shortName != 0 ? "-" + shortName + ", --" + longName : "    --" + longName;
        return takesValue() ? head + " " + valueName : head;
    }
}
