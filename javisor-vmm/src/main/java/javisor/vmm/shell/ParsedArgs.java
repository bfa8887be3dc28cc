package javisor.vmm.shell;

import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;

/**
 * A command's arguments once parsed: the flags given and the option values, both by long name, and the
 * positional arguments in order.
 */
record ParsedArgs(Set<String> flags, Map<String, String> values, List<String> positionals) {
    ParsedArgs {
        flags = Set.copyOf(flags);
        values = Map.copyOf(values);
        positionals = List.copyOf(positionals);
    }

    boolean flag(String longName) {
        return flags.contains(longName);
    }

    Optional<String> value(String longName) {
        return Optional.ofNullable(values.get(longName));
    }
}
