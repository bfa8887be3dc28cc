package javisor.vm.toml;

import java.util.ArrayDeque;
import java.util.Deque;

/**
 * A key path such as {@code kernel.memory_regions[1]}, built as a chain and turned into text only when a
 * message needs it: building the text for every key would make a document with long keys cost time
 * quadratic in its size.
 */
public final class KeyPath {
    public static final KeyPath ROOT = new KeyPath(null, null, -1);

    private final KeyPath parent;
    private final String key;
    private final int index;

    private KeyPath(KeyPath parent, String key, int index) {
        this.parent = parent;
        this.key = key;
        this.index = index;
    }

    public KeyPath child(String name) {
        return new KeyPath(this, name, -1);
    }

    public KeyPath element(int i) {
        return new KeyPath(this, null, i);
    }

    /** The path as written in messages; "" for the document itself. */
    @Override
    public String toString() {
        Deque<KeyPath> parts = new ArrayDeque<>();
        for (KeyPath p = this; p.parent != null; p = p.parent) {
            parts.push(p);
        }
        StringBuilder sb = new StringBuilder();
        for (KeyPath p : parts) {
            if (p.key == null) {
                sb.append('[').append(p.index).append(']');
            } else {
                if (!sb.isEmpty()) {
                    sb.append('.');
                }
                sb.append(TomlStrings.key(p.key));
            }
        }
        return sb.toString();
    }
}
