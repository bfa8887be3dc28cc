package javisor.vm.platform;

import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.TreeMap;

/**
 * Decodes the AML subset a DSDT of fixed devices uses (ACPI 6.5, chapter 20): DefScope, DefDevice, DefName with
 * integer, string and buffer data, and the small and large resource descriptors inside a buffer (6.4). Written
 * from the grammar, independently of {@link Aml}; anything else is an error, so the test notices stray bytes.
 */
final class AmlReader {
    sealed interface Node {
        record Scope(String path, List<Node> children) implements Node {
        }

        record Device(String name, List<Node> children) implements Node {
            /** The value of {@code Name(name, ...)} among the children. */
            Object value(String name) {
                return children.stream().filter(c -> c instanceof Name n && n.name().equals(name))
                        .map(c -> ((Name) c).value()).findFirst().orElseThrow(() -> new AssertionError(
                                "device " + this.name + " has no " + name));
            }
        }

        record Name(String name, Object value) implements Node {
        }

        record Method(String name, int flags, List<Node> body) implements Node {
        }

        record Notify(String object, long value) implements Node {
        }
    }

    /** A decoded resource descriptor. */
    sealed interface Resource {
        record Io(boolean decode16, int min, int max, int align, int length) implements Resource {
        }

        record Irq(int mask) implements Resource {
        }

        record Memory32Fixed(boolean writable, long base, long length) implements Resource {
        }

        record ExtendedIrq(int flags, List<Long> interrupts) implements Resource {
        }
    }

    private final byte[] b;
    private int pos;

    private AmlReader(byte[] b) {
        this.b = b;
    }

    static List<Node> parse(byte[] aml) {
        AmlReader r = new AmlReader(aml);
        return r.termList(aml.length);
    }

    private int u8() {
        return b[pos++] & 0xff;
    }

    private List<Node> termList(int end) {
        List<Node> nodes = new ArrayList<>();
        while (pos < end) {
            int op = u8();
            switch (op) {
                case 0x10 -> {
                    int pkgEnd = pkgEnd();
                    String name = nameString();
                    nodes.add(new Node.Scope(name, termList(pkgEnd)));
                }
                case 0x5b -> {
                    int ext = u8();
                    if (ext != 0x82) {
                        throw new AssertionError("unexpected extended opcode 0x" + Integer.toHexString(ext));
                    }
                    int pkgEnd = pkgEnd();
                    String name = nameString();
                    nodes.add(new Node.Device(name, termList(pkgEnd)));
                }
                case 0x08 -> {
                    String name = nameString();
                    nodes.add(new Node.Name(name, dataObject()));
                }
                case 0x14 -> {
                    int pkgEnd = pkgEnd();
                    String name = nameString();
                    int flags = u8();
                    nodes.add(new Node.Method(name, flags, termList(pkgEnd)));
                }
                case 0x86 -> {
                    String object = nameString();
                    nodes.add(new Node.Notify(object, (Long) dataObject()));
                }
                default -> throw new AssertionError("unexpected AML opcode 0x" + Integer.toHexString(op) + " at "
                        + (pos - 1));
            }
        }
        if (pos != end) {
            throw new AssertionError("term list ran past its package end");
        }
        return nodes;
    }

    /** Reads a PkgLength and returns the absolute end of the package it starts. */
    private int pkgEnd() {
        int start = pos;
        int lead = u8();
        int follow = lead >>> 6;
        int length;
        if (follow == 0) {
            length = lead & 0x3f;
        } else {
            if ((lead & 0x30) != 0) {
                throw new AssertionError("PkgLength lead byte 0x" + Integer.toHexString(lead) + " has bits 4-5 set");
            }
            length = lead & 0x0f;
            for (int i = 0; i < follow; i++) {
                length |= u8() << (4 + 8 * i);
            }
        }
        return start + length;
    }

    private String nameString() {
        StringBuilder s = new StringBuilder();
        if ((b[pos] & 0xff) == 0x5c) {
            pos++;
            s.append('\\');
        }
        int count = 1;
        if ((b[pos] & 0xff) == 0x2e) {
            pos++;
            count = 2;
        } else if ((b[pos] & 0xff) == 0x2f) {
            pos++;
            count = u8();
        }
        for (int i = 0; i < count; i++) {
            if (i > 0) {
                s.append('.');
            }
            s.append(new String(b, pos, 4, StandardCharsets.US_ASCII));
            pos += 4;
        }
        return s.toString();
    }

    private Object dataObject() {
        int op = u8();
        return switch (op) {
            case 0x00 -> 0L;
            case 0x01 -> 1L;
            case 0xff -> -1L;
            case 0x0a -> (long) u8();
            case 0x0b -> (long) (u8() | u8() << 8);
            case 0x0c -> Integer.toUnsignedLong(u8() | u8() << 8 | u8() << 16 | u8() << 24);
            case 0x0e -> {
                long v = 0;
                for (int i = 0; i < 8; i++) {
                    v |= (long) u8() << (8 * i);
                }
                yield v;
            }
            case 0x0d -> {
                int start = pos;
                while (b[pos] != 0) {
                    pos++;
                }
                String s = new String(b, start, pos - start, StandardCharsets.US_ASCII);
                pos++;
                yield s;
            }
            case 0x12 -> {
                int end = pkgEnd();
                int count = u8();
                List<Object> elements = new ArrayList<>();
                while (pos < end) {
                    elements.add(dataObject());
                }
                if (elements.size() != count || pos != end) {
                    throw new AssertionError("package says " + count + " elements, holds " + elements.size());
                }
                yield elements;
            }
            case 0x11 -> {
                int end = pkgEnd();
                long size = (Long) dataObject();
                byte[] data = Arrays.copyOfRange(b, pos, end);
                if (data.length != size) {
                    throw new AssertionError("buffer says " + size + " bytes, holds " + data.length);
                }
                pos = end;
                yield data;
            }
            default -> throw new AssertionError("unexpected data opcode 0x" + Integer.toHexString(op));
        };
    }

    /** Decodes a resource template's bytes, which must end with an End Tag. */
    static List<Resource> resources(byte[] d) {
        List<Resource> out = new ArrayList<>();
        int p = 0;
        while (true) {
            int tag = d[p] & 0xff;
            if ((tag & 0x80) == 0) { // small item: type in bits 6-3, length in bits 2-0
                int type = (tag >>> 3) & 0xf;
                int len = tag & 7;
                switch (type) {
                    case 0x04 -> out.add(new Resource.Irq((d[p + 1] & 0xff) | (d[p + 2] & 0xff) << 8));
                    case 0x08 -> out.add(new Resource.Io((d[p + 1] & 1) != 0, le(d, p + 2, 2), le(d, p + 4, 2),
                            d[p + 6] & 0xff, d[p + 7] & 0xff));
                    case 0x0f -> {
                        if (p + 2 != d.length) {
                            throw new AssertionError("bytes after the End Tag");
                        }
                        return out;
                    }
                    default -> throw new AssertionError("unexpected small resource type 0x" + Integer.toHexString(type));
                }
                p += 1 + len;
            } else {
                int len = le(d, p + 1, 2);
                switch (tag) {
                    case 0x86 -> out.add(new Resource.Memory32Fixed((d[p + 3] & 1) != 0,
                            Integer.toUnsignedLong(le(d, p + 4, 4)), Integer.toUnsignedLong(le(d, p + 8, 4))));
                    case 0x89 -> {
                        int count = d[p + 4] & 0xff;
                        List<Long> irqs = new ArrayList<>();
                        for (int i = 0; i < count; i++) {
                            irqs.add(Integer.toUnsignedLong(le(d, p + 5 + 4 * i, 4)));
                        }
                        out.add(new Resource.ExtendedIrq(d[p + 3] & 0xff, irqs));
                    }
                    default -> throw new AssertionError("unexpected large resource 0x" + Integer.toHexString(tag));
                }
                p += 3 + len;
            }
        }
    }

    private static int le(byte[] d, int at, int n) {
        int v = 0;
        for (int i = n - 1; i >= 0; i--) {
            v = v << 8 | (d[at + i] & 0xff);
        }
        return v;
    }

    /** Decodes a compressed EISA id (a DWord as AML stores it) back to text such as "PNP0501". */
    static String eisaId(long value) {
        int v = Integer.reverseBytes((int) value); // stored big-endian
        char a = (char) (((v >>> 26) & 0x1f) + 0x40);
        char b2 = (char) (((v >>> 21) & 0x1f) + 0x40);
        char c = (char) (((v >>> 16) & 0x1f) + 0x40);
        return "" + a + b2 + c + String.format("%04X", v & 0xffff);
    }

    /** The devices under every scope, by name. */
    static Map<String, Node.Device> devices(List<Node> nodes) {
        Map<String, Node.Device> out = new TreeMap<>();
        for (Node n : nodes) {
            switch (n) {
                case Node.Scope s -> out.putAll(devices(s.children()));
                case Node.Device d -> out.put(d.name(), d);
                case Node.Name x -> { }
                case Node.Method x -> { }
                case Node.Notify x -> { }
            }
        }
        return out;
    }

    static Optional<Node.Scope> scope(List<Node> nodes, String path) {
        return nodes.stream().filter(n -> n instanceof Node.Scope s && s.path().equals(path)).map(n -> (Node.Scope) n)
                .findFirst();
    }
}
