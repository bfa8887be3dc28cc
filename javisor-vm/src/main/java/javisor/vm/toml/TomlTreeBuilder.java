package javisor.vm.toml;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

import javisor.vm.toml.TomlValue.ArrayValue;
import javisor.vm.toml.TomlValue.Position;
import javisor.vm.toml.TomlValue.TableValue;

/**
 * Builds the table tree while a TOML document is parsed and enforces TOML's rules on which tables may be
 * defined or extended, and where: no key or table is defined twice, {@code [table]} may not redefine a table
 * made by dotted keys, dotted keys may not reach into tables made by headers, inline tables and static
 * arrays are closed. The finished tree is frozen into immutable {@link TomlValue}s.
 */
final class TomlTreeBuilder {

    /** How a table came into being; decides what may still be added to it. */
    enum Origin {
        ROOT,
        /** Made as the parent in a header such as {@code [a.b]} (here {@code a}); a later {@code [a]} may define it. */
        IMPLICIT,
        HEADER,
        DOTTED,
        ARRAY_ELEMENT,
        INLINE
    }

    /** One part of a dotted key, with where it was written. */
    record Key(String name, Position position) {
    }

    /** Where a key/value pair goes: the table, the last key, the path for messages and the value's depth. */
    record Slot(Table table, Key key, KeyPath path, int depth) {
    }

    private sealed interface Entry permits Table, TableArray, Done {
    }

    /** A finished value: scalars, static arrays and inline tables, which nothing can extend. */
    private record Done(TomlValue value) implements Entry {
    }

    static final class Table implements Entry {
        private final Map<String, Entry> entries = new LinkedHashMap<>();
        private Origin origin;
        private Position position;
        private final KeyPath path;
        private final int depth;

        private Table(Origin origin, Position position, KeyPath path, int depth) {
            this.origin = origin;
            this.position = position;
            this.path = path;
            this.depth = depth;
        }
    }

    /** The tables of an array of tables ({@code [[name]]}); headers below it extend the last one. */
    private static final class TableArray implements Entry {
        private final List<Table> tables = new ArrayList<>();
        private final Position position;

        private TableArray(Position position) {
            this.position = position;
        }
    }

    private final String source;
    private final int maxDepth;
    private final Table root = new Table(Origin.ROOT, new Position(1, 1), KeyPath.ROOT, 0);

    TomlTreeBuilder(String source, int maxDepth) {
        this.source = source;
        this.maxDepth = maxDepth;
    }

    Table root() {
        return root;
    }

    /** A fresh table for an inline table value that will sit at {@code path}. */
    Table inlineTable(Position at, KeyPath path, int depth) {
        return new Table(Origin.INLINE, at, path, depth);
    }

    /** The table a {@code [a.b.c]} header opens. */
    Table openTable(List<Key> keys, Position at) {
        Table parent = headerParent(keys);
        Key last = keys.getLast();
        KeyPath path = parent.path.child(last.name());
        return switch (parent.entries.get(last.name())) {
            case null -> addTable(parent, last, Origin.HEADER, at);
            case Table t when t.origin == Origin.IMPLICIT -> {
                t.origin = Origin.HEADER;
                t.position = at;
                yield t;
            }
            case Table t when t.origin == Origin.DOTTED -> throw error(last, path,
                    "table already defined by dotted keys at line " + t.position.line() + "; [" + path
                            + "] cannot define it again");
            case Table t -> throw error(last, path, "table [" + path + "] is defined twice (first at line "
                    + t.position.line() + ")");
            case TableArray a -> throw error(last, path, "already an array of tables (line " + a.position.line()
                    + "); use [[" + path + "]] to add an element");
            case Done d -> throw error(last, path, "already holds " + d.value.describe() + " (line "
                    + d.value.position().line() + ")");
        };
    }

    /** The new, last table of the array a {@code [[a.b.c]]} header appends to. */
    Table appendArrayTable(List<Key> keys, Position at) {
        Table parent = headerParent(keys);
        Key last = keys.getLast();
        KeyPath path = parent.path.child(last.name());
        TableArray array = switch (parent.entries.get(last.name())) {
            case null -> {
                TableArray a = new TableArray(at);
                parent.entries.put(last.name(), a);
                yield a;
            }
            case TableArray a -> a;
            case Table t -> throw error(last, path, "already a table (line " + t.position.line()
                    + "), not an array of tables");
            case Done(ArrayValue v) -> throw error(last, path, "already a static array (line "
                    + v.position().line() + "); [[" + path + "]] cannot add to it");
            case Done d -> throw error(last, path, "already holds " + d.value.describe() + " (line "
                    + d.value.position().line() + ")");
        };
        int depth = checkDepth(last, parent.depth + 1);
        Table element = new Table(Origin.ARRAY_ELEMENT, at, path.element(array.tables.size()), depth);
        array.tables.add(element);
        return element;
    }

    /** Walks the parent keys of a header, creating implicit tables and entering the last element of arrays. */
    private Table headerParent(List<Key> keys) {
        Table t = root;
        for (Key k : keys.subList(0, keys.size() - 1)) {
            KeyPath path = t.path.child(k.name());
            t = switch (t.entries.get(k.name())) {
                case null -> addTable(t, k, Origin.IMPLICIT, k.position());
                case Table child -> child;
                case TableArray a -> a.tables.getLast();
                case Done(TableValue v) -> throw error(k, path, "is an inline table (line " + v.position().line()
                        + "), which cannot be extended");
                case Done d -> throw error(k, path, "already holds " + d.value.describe() + " (line "
                        + d.value.position().line() + "), not a table");
            };
        }
        return t;
    }

    /**
     * Resolves the key of a key/value pair inside {@code table}: creates the tables of a dotted key and
     * checks that the last key is new. The value is parsed after this, at the returned depth.
     */
    Slot slot(Table table, List<Key> keys) {
        Table t = table;
        for (Key k : keys.subList(0, keys.size() - 1)) {
            KeyPath path = t.path.child(k.name());
            t = switch (t.entries.get(k.name())) {
                case null -> addTable(t, k, Origin.DOTTED, k.position());
                case Table child when child.origin == Origin.DOTTED -> child;
                case Table child -> throw error(k, path, "table defined by the header at line "
                        + child.position.line() + "; dotted keys cannot add to it");
                case TableArray a -> throw error(k, path, "an array of tables (line " + a.position.line()
                        + "); dotted keys cannot add to it");
                case Done(TableValue v) -> throw error(k, path, "an inline table (line " + v.position().line()
                        + "), which cannot be extended");
                case Done d -> throw error(k, path, "already holds " + d.value.describe() + " (line "
                        + d.value.position().line() + "), not a table");
            };
        }
        Key last = keys.getLast();
        KeyPath path = t.path.child(last.name());
        Entry existing = t.entries.get(last.name());
        if (existing != null) {
            throw error(last, path, "duplicate key (first defined at line " + lineOf(existing) + ")");
        }
        return new Slot(t, last, path, checkDepth(last, t.depth + 1));
    }

    void put(Slot slot, TomlValue value) {
        slot.table().entries.put(slot.key().name(), new Done(value));
    }

    TableValue freeze() {
        return freeze(root);
    }

    static TableValue freeze(Table t) {
        Map<String, TomlValue> values = new LinkedHashMap<>();
        t.entries.forEach((name, entry) -> values.put(name, switch (entry) {
            case Table child -> freeze(child);
            case TableArray a -> new ArrayValue(a.tables.stream().map(e -> (TomlValue) freeze(e)).toList(),
                    a.position);
            case Done d -> d.value;
        }));
        return new TableValue(values, t.position);
    }

    private Table addTable(Table parent, Key k, Origin origin, Position at) {
        Table child = new Table(origin, at, parent.path.child(k.name()), checkDepth(k, parent.depth + 1));
        parent.entries.put(k.name(), child);
        return child;
    }

    private int checkDepth(Key k, int depth) {
        if (depth > maxDepth) {
            throw error(k, KeyPath.ROOT, "tables and values nested more than " + maxDepth + " levels deep");
        }
        return depth;
    }

    private static int lineOf(Entry e) {
        return switch (e) {
            case Table t -> t.position.line();
            case TableArray a -> a.position.line();
            case Done d -> d.value.position().line();
        };
    }

    private TomlException error(Key at, KeyPath path, String detail) {
        return new TomlException(source, at.position().line(), at.position().column(), path.toString(), detail);
    }
}
