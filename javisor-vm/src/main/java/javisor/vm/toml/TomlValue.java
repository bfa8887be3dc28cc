package javisor.vm.toml;

import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;

/**
 * A parsed TOML value. Every value keeps where it was written, so that errors found later, when the tree
 * is mapped onto the config model, can still point at a line.
 */
public sealed interface TomlValue {

    Position position();

    /** How the value is named in "expected X, got Y" messages. */
    String describe();

    /** A 1-based line and column. */
    record Position(int line, int column) {
    }

    record StringValue(String value, Position position) implements TomlValue {
        public StringValue {
            Objects.requireNonNull(value);
            Objects.requireNonNull(position);
        }

        @Override
        public String describe() {
            return "the string " + TomlStrings.quote(TomlStrings.abbreviate(value));
        }
    }

    /**
     * An integer. TOML integers are signed 64-bit; Javisor also reads hex, octal and binary literals as
     * unsigned 64-bit so that addresses up to 0xffff_ffff_ffff_ffff can be written. {@code unsigned} says
     * the 64 bits of {@code value} are to be read as an unsigned number.
     *
     * @param text the literal as written, for messages
     */
    record IntegerValue(long value, boolean unsigned, String text, Position position) implements TomlValue {
        public IntegerValue {
            Objects.requireNonNull(text);
            Objects.requireNonNull(position);
        }

        public boolean negative() {
            return !unsigned && value < 0;
        }

        @Override
        public String describe() {
            return TomlStrings.abbreviate(text);
        }
    }

    record FloatValue(double value, String text, Position position) implements TomlValue {
        public FloatValue {
            Objects.requireNonNull(text);
            Objects.requireNonNull(position);
        }

        @Override
        public String describe() {
            return "the float " + TomlStrings.abbreviate(text);
        }
    }

    record BooleanValue(boolean value, Position position) implements TomlValue {
        public BooleanValue {
            Objects.requireNonNull(position);
        }

        @Override
        public String describe() {
            return "the boolean " + value;
        }
    }

    record ArrayValue(List<TomlValue> items, Position position) implements TomlValue {
        public ArrayValue {
            items = List.copyOf(items);
            Objects.requireNonNull(position);
        }

        @Override
        public String describe() {
            return "an array";
        }
    }

    /** A table; {@code entries} keeps the order in which the keys were written. */
    record TableValue(Map<String, TomlValue> entries, Position position) implements TomlValue {
        public TableValue {
            entries = Collections.unmodifiableMap(new LinkedHashMap<>(entries));
            Objects.requireNonNull(position);
        }

        @Override
        public String describe() {
            return "a table";
        }
    }
}
