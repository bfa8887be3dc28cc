package javisor.vm.config;

import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;

import javisor.vm.toml.TomlValue.ArrayValue;
import javisor.vm.toml.TomlValue.TableValue;
import javisor.vm.toml.TomlValue;

/**
 * A config struct, given as serde allows: a table with named keys, or an array holding the fields in
 * declaration order ({@code [gpa, size, flags, map_type]}), where trailing optional fields may be left out.
 * Unknown keys are errors that list the known ones, so typos do not pass silently.
 */
final class StructNode {
    private final ConfigNode node;
    private final List<String> fields;
    private final boolean positional;
    private final Map<String, ConfigNode> present;

    private StructNode(ConfigNode node, List<String> fields, boolean positional, Map<String, ConfigNode> present) {
        this.node = node;
        this.fields = fields;
        this.positional = positional;
        this.present = present;
    }

    static StructNode of(ConfigNode node, List<String> fields) {
        Map<String, ConfigNode> present = new LinkedHashMap<>();
        switch (node.value()) {
            case TableValue table -> {
                for (Map.Entry<String, TomlValue> e : table.entries().entrySet()) {
                    ConfigNode child = new ConfigNode(node.source(), node.childPath(e.getKey()), e.getValue());
                    if (!fields.contains(e.getKey())) {
                        throw child.error("unknown key" + suggestion(e.getKey(), fields) + "; known keys"
                                + (node.path().isEmpty() ? " at the top level" : " here") + ": "
                                + String.join(", ", fields));
                    }
                    present.put(e.getKey(), child);
                }
                return new StructNode(node, fields, false, present);
            }
            case ArrayValue array -> {
                if (array.items().size() > fields.size()) {
                    throw node.error("expected at most " + fields.size() + " elements " + arrayForm(fields)
                            + ", got " + array.items().size());
                }
                for (int i = 0; i < array.items().size(); i++) {
                    String name = fields.get(i);
                    present.put(name, new ConfigNode(node.source(), node.childPath(name), array.items().get(i)));
                }
                return new StructNode(node, fields, true, present);
            }
            default -> throw node.expected("a table or an array " + arrayForm(fields));
        }
    }

    ConfigNode node() {
        return node;
    }

    Optional<ConfigNode> get(String field) {
        assert fields.contains(field) : field;
        return Optional.ofNullable(present.get(field));
    }

    ConfigNode require(String field) {
        ConfigNode n = present.get(field);
        if (n != null) {
            return n;
        }
        String detail = positional
                ? "missing: the array form is " + arrayForm(fields) + " and has only " + present.size()
                        + " elements here"
                : "missing required key";
        throw new ConfigException(node.source(), node.line(), 0, node.childPath(field), detail);
    }

    private static String arrayForm(List<String> fields) {
        return "[" + String.join(", ", fields) + "]";
    }

    /** " (did you mean x?)" when a known key is at most two edits away. */
    private static String suggestion(String key, List<String> known) {
        String best = null;
        int bestDistance = 3;
        for (String k : known) {
            int d = editDistance(key, k, bestDistance);
            // a short key is close to everything; only suggest when most of it is right
            if (d < bestDistance && d * 3 <= key.length()) {
                best = k;
                bestDistance = d;
            }
        }
        return best == null ? "" : " (did you mean " + best + "?)";
    }

    /** Levenshtein distance, giving up (returning {@code limit}) once it cannot come in under it. */
    private static int editDistance(String a, String b, int limit) {
        if (Math.abs(a.length() - b.length()) >= limit || a.length() > 64) {
            return limit;
        }
        int[] previous = new int[b.length() + 1];
        int[] current = new int[b.length() + 1];
        for (int j = 0; j <= b.length(); j++) {
            previous[j] = j;
        }
        for (int i = 1; i <= a.length(); i++) {
            current[0] = i;
            for (int j = 1; j <= b.length(); j++) {
                int cost = a.charAt(i - 1) == b.charAt(j - 1) ? 0 : 1;
                current[j] = Math.min(Math.min(current[j - 1] + 1, previous[j] + 1), previous[j - 1] + cost);
            }
            int[] t = previous;
            previous = current;
            current = t;
        }
        return Math.min(previous[b.length()], limit);
    }
}
