package javisor.vm.config;

import java.nio.file.InvalidPathException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;

import javisor.vm.toml.TomlNumbers;
import javisor.vm.toml.TomlStrings;
import javisor.vm.toml.TomlValue.ArrayValue;
import javisor.vm.toml.TomlValue.BooleanValue;
import javisor.vm.toml.TomlValue.IntegerValue;
import javisor.vm.toml.TomlValue.StringValue;
import javisor.vm.toml.TomlValue;

/**
 * A TOML value with its key path, read as the config type a key expects. Every failed read becomes a
 * {@link ConfigException} naming the file, the line, the key path, what was expected and what was found.
 */
final class ConfigNode {
    private final String source;
    private final String path;
    private final TomlValue value;

    ConfigNode(String source, String path, TomlValue value) {
        this.source = source;
        this.path = path;
        this.value = value;
    }

    String source() {
        return source;
    }

    String path() {
        return path;
    }

    TomlValue value() {
        return value;
    }

    /** The line of the value; 0 for the document itself, whose "line 1" would mislead. */
    int line() {
        return path.isEmpty() ? 0 : value.position().line();
    }

    /** The path of a key inside this node. */
    String childPath(String key) {
        return path.isEmpty() ? TomlStrings.key(key) : path + "." + TomlStrings.key(key);
    }

    ConfigException error(String detail) {
        return new ConfigException(source, line(), 0, path, detail);
    }

    ConfigException expected(String what) {
        return error("expected " + what + ", got " + value.describe());
    }

    /** Throws the problem, if there is one, as an error at this node. */
    void check(Optional<String> problem) {
        if (problem.isPresent()) {
            throw error(problem.get());
        }
    }

    String string() {
        if (value instanceof StringValue(String s, _)) {
            return s;
        }
        throw expected("a string");
    }

    boolean bool() {
        if (value instanceof BooleanValue(boolean b, _)) {
            return b;
        }
        throw expected("true or false");
    }

    Path filePath() {
        String s = string();
        if (s.isEmpty()) {
            throw error("expected a non-empty path");
        }
        try {
            return Path.of(s);
        } catch (InvalidPathException e) {
            throw error("expected a file path, got " + value.describe() + " (" + e.getReason() + ")");
        }
    }

    /**
     * An unsigned 64-bit number (AxVisor's usize): a TOML integer, where hex, octal and binary literals may
     * reach 0xffff_ffff_ffff_ffff, or a string holding one, such as {@code "0x8000_0000"}.
     */
    long unsigned() {
        return switch (value) {
            case IntegerValue i when i.negative() -> throw expected("a non-negative integer");
            case IntegerValue i -> i.value();
            case StringValue(String s, _) -> {
                try {
                    TomlNumbers.Parsed p = TomlNumbers.parseInteger(s, true);
                    if (!p.unsigned() && p.value() < 0) {
                        throw expected("a non-negative integer");
                    }
                    yield p.value();
                } catch (TomlNumbers.BadNumber e) {
                    throw error("expected an integer such as 0x8000_0000, got " + value.describe() + " ("
                            + e.getMessage() + ")");
                }
            }
            default -> throw expected("a non-negative integer");
        };
    }

    List<ConfigNode> items() {
        if (!(value instanceof ArrayValue(List<TomlValue> items, _))) {
            throw expected("an array");
        }
        List<ConfigNode> nodes = new ArrayList<>(items.size());
        for (int i = 0; i < items.size(); i++) {
            nodes.add(new ConfigNode(source, path + "[" + i + "]", items.get(i)));
        }
        return nodes;
    }

    List<Long> unsignedList() {
        return items().stream().map(ConfigNode::unsigned).toList();
    }

    List<String> stringList() {
        return items().stream().map(ConfigNode::string).toList();
    }

    /** This value as a struct with the given fields, written as a table or as a positional array. */
    StructNode struct(List<String> fields) {
        return StructNode.of(this, fields);
    }
}
