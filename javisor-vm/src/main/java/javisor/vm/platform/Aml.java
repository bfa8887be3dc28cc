package javisor.vm.platform;

import java.nio.charset.StandardCharsets;
import java.util.List;

/**
 * The small part of ACPI Machine Language (ACPI 6.5, chapter 20 "ACPI Machine Language Specification") that
 * a DSDT describing fixed devices needs: scopes, devices, named data objects, packages, resource templates and
 * methods that notify a device. Each term encodes itself; packages (Scope, Device, Buffer, Package, Method) are
 * length-prefixed with a PkgLength (20.2.4).
 */
sealed interface Aml {
    int ZERO_OP = 0x00;
    int ONE_OP = 0x01;
    int NAME_OP = 0x08;
    int BYTE_PREFIX = 0x0a;
    int WORD_PREFIX = 0x0b;
    int DWORD_PREFIX = 0x0c;
    int STRING_PREFIX = 0x0d;
    int QWORD_PREFIX = 0x0e;
    int SCOPE_OP = 0x10;
    int BUFFER_OP = 0x11;
    int PACKAGE_OP = 0x12;
    int METHOD_OP = 0x14;
    int NOTIFY_OP = 0x86;
    int DUAL_NAME_PREFIX = 0x2e;
    int MULTI_NAME_PREFIX = 0x2f;
    int ROOT_CHAR = 0x5c;
    int EXT_OP_PREFIX = 0x5b;
    int DEVICE_OP = 0x82; // after EXT_OP_PREFIX

    void encode(LeWriter out);

    default byte[] bytes() {
        LeWriter w = new LeWriter();
        encode(w);
        return w.toArray();
    }

    /** {@code Scope (path) { body }} (20.2.5.1, DefScope). */
    record Scope(String path, List<Aml> body) implements Aml {
        public Scope {
            body = List.copyOf(body);
        }

        @Override
        public void encode(LeWriter out) {
            out.u8(SCOPE_OP);
            writePackage(out, nameString(path), body);
        }
    }

    /** {@code Device (name) { body }} (20.2.5.2, DefDevice). */
    record Device(String name, List<Aml> body) implements Aml {
        public Device {
            body = List.copyOf(body);
        }

        @Override
        public void encode(LeWriter out) {
            out.u8(EXT_OP_PREFIX).u8(DEVICE_OP);
            writePackage(out, nameString(name), body);
        }
    }

    /** {@code Name (name, value)} (20.2.5.1, DefName). */
    record Name(String name, Aml value) implements Aml {
        @Override
        public void encode(LeWriter out) {
            out.u8(NAME_OP).bytes(nameString(name));
            value.encode(out);
        }
    }

    /** An integer constant in its shortest encoding (20.2.3, ComputationalData). */
    record Int(long value) implements Aml {
        @Override
        public void encode(LeWriter out) {
            if (value == 0) {
                out.u8(ZERO_OP);
            } else if (value == 1) {
                out.u8(ONE_OP);
            } else if (Long.compareUnsigned(value, 0xff) <= 0) {
                out.u8(BYTE_PREFIX).u8((int) value);
            } else if (Long.compareUnsigned(value, 0xffff) <= 0) {
                out.u8(WORD_PREFIX).u16((int) value);
            } else if (Long.compareUnsigned(value, 0xffff_ffffL) <= 0) {
                out.u8(DWORD_PREFIX).u32(value);
            } else {
                out.u8(QWORD_PREFIX).u64(value);
            }
        }
    }

    /** A string constant: ASCII 0x01-0x7f, NUL-terminated (20.2.3, String). */
    record Str(String value) implements Aml {
        public Str {
            for (char c : value.toCharArray()) {
                if (c == 0 || c > 0x7f) {
                    throw new IllegalArgumentException("AML strings are ASCII without NUL: \"" + value + "\"");
                }
            }
        }

        @Override
        public void encode(LeWriter out) {
            out.u8(STRING_PREFIX).bytes(value.getBytes(StandardCharsets.US_ASCII)).u8(0);
        }
    }

    /**
     * A compressed EISA id such as "PNP0501" (ACPI 6.5, 19.6.35 EISAID): three letters of five bits each
     * (A = 1) and four hex digits, stored big-endian as a DWord integer.
     */
    record EisaId(String id) implements Aml {
        public EisaId {
            if (!id.matches("[A-Z]{3}[0-9A-F]{4}")) {
                throw new IllegalArgumentException("not an EISA id (three capitals, four hex digits): " + id);
            }
        }

        int value() {
            int vendor = ((id.charAt(0) - 0x40) << 10) | ((id.charAt(1) - 0x40) << 5) | (id.charAt(2) - 0x40);
            int product = Integer.parseInt(id.substring(3), 16);
            int bigEndian = (vendor << 16) | product;
            return Integer.reverseBytes(bigEndian);
        }

        @Override
        public void encode(LeWriter out) {
            out.u8(DWORD_PREFIX).u32(Integer.toUnsignedLong(value()));
        }
    }

    /** {@code ResourceTemplate () { ... }}: a Buffer of resource descriptors closed by an End Tag (6.4). */
    record ResourceTemplate(List<Resource> resources) implements Aml {
        public ResourceTemplate {
            resources = List.copyOf(resources);
        }

        @Override
        public void encode(LeWriter out) {
            LeWriter data = new LeWriter();
            resources.forEach(r -> r.encode(data));
            data.u8(0x79).u8(0); // End Tag (6.4.2.9); checksum 0 means "treat as correct"
            byte[] bytes = data.toArray();
            LeWriter body = new LeWriter();
            new Int(bytes.length).encode(body); // BufferSize
            body.bytes(bytes);
            out.u8(BUFFER_OP);
            writePackage(out, new byte[0], List.of(new Raw(body.toArray())));
        }
    }

    /** {@code Package () { elements }} (20.2.5.4, DefPackage): at most 255 elements. */
    record Package(List<Aml> elements) implements Aml {
        public Package {
            elements = List.copyOf(elements);
            if (elements.size() > 255) {
                throw new IllegalArgumentException("a Package holds at most 255 elements, not " + elements.size());
            }
        }

        @Override
        public void encode(LeWriter out) {
            out.u8(PACKAGE_OP);
            writePackage(out, new byte[] {(byte) elements.size()}, elements);
        }
    }

    /**
     * {@code Method (name, args, NotSerialized) { body }} (20.2.5.2, DefMethod): flags bits 0-2 are the argument
     * count, bit 3 (serialized) is clear, the sync level 0.
     */
    record Method(String name, int args, List<Aml> body) implements Aml {
        public Method {
            body = List.copyOf(body);
            if (args < 0 || args > 7) {
                throw new IllegalArgumentException("a Method takes 0 to 7 arguments, not " + args);
            }
        }

        @Override
        public void encode(LeWriter out) {
            out.u8(METHOD_OP);
            LeWriter prefix = new LeWriter();
            prefix.bytes(nameString(name)).u8(args);
            writePackage(out, prefix.toArray(), body);
        }
    }

    /** {@code Notify (object, value)} (20.2.5.3, DefNotify). */
    record Notify(String object, long value) implements Aml {
        @Override
        public void encode(LeWriter out) {
            out.u8(NOTIFY_OP).bytes(nameString(object));
            new Int(value).encode(out);
        }
    }

    /** Bytes already encoded, for package bodies. */
    record Raw(byte[] data) implements Aml {
        @Override
        public void encode(LeWriter out) {
            out.bytes(data);
        }
    }

    /** PkgLength (20.2.4), then {@code prefix} and the body: the length counts itself and everything after it. */
    private static void writePackage(LeWriter out, byte[] prefix, List<Aml> body) {
        LeWriter content = new LeWriter();
        content.bytes(prefix);
        body.forEach(t -> t.encode(content));
        out.bytes(pkgLength(content.position()));
        out.bytes(content.toArray());
    }

    /**
     * The PkgLength for {@code contentLength} bytes of content: one byte holds up to 63 in bits 0-5;
     * otherwise bits 6-7 count the 1-3 bytes that follow, bits 0-3 hold the low nibble and each further
     * byte the next eight bits.
     */
    static byte[] pkgLength(int contentLength) {
        for (int extra = 0; extra <= 3; extra++) {
            long total = contentLength + extra + 1L;
            if (extra == 0 && total <= 0x3f) {
                return new byte[] {(byte) total};
            }
            if (extra > 0 && total < 1L << (4 + 8 * extra)) {
                byte[] b = new byte[extra + 1];
                b[0] = (byte) ((extra << 6) | (total & 0xf));
                for (int i = 1; i <= extra; i++) {
                    b[i] = (byte) (total >>> (4 + 8 * (i - 1)));
                }
                return b;
            }
        }
        throw new IllegalArgumentException("an AML package of " + contentLength + " bytes is too long for a PkgLength");
    }

    /**
     * A NameString (20.2.2): an optional root prefix {@code \}, then one or more dot-separated NameSegs,
     * each padded with '_' to four characters.
     */
    static byte[] nameString(String path) {
        LeWriter w = new LeWriter();
        String rest = path;
        if (rest.startsWith("\\")) {
            w.u8(ROOT_CHAR);
            rest = rest.substring(1);
        }
        String[] segs = rest.split("\\.");
        if (segs.length == 2) {
            w.u8(DUAL_NAME_PREFIX);
        } else if (segs.length > 2) {
            w.u8(MULTI_NAME_PREFIX).u8(segs.length);
        }
        for (String s : segs) {
            if (!s.matches("[A-Z_][A-Z0-9_]{0,3}")) {
                throw new IllegalArgumentException("not an ACPI name segment: \"" + s + "\" in \"" + path + "\"");
            }
            w.ascii(s, 4, '_');
        }
        return w.toArray();
    }

    /** A resource descriptor inside a ResourceTemplate (ACPI 6.5, 6.4 "Resource Data Types for ACPI"). */
    sealed interface Resource {
        void encode(LeWriter out);

        /** I/O port descriptor, 16-bit decode, fixed base (6.4.2.5, small item 0x08, length 7). */
        record IoPort(int base, int length) implements Resource {
            @Override
            public void encode(LeWriter out) {
                out.u8(0x47).u8(1).u16(base).u16(base).u8(1).u8(length);
            }
        }

        /** IRQ descriptor without flags: edge-triggered, active high, exclusive (6.4.2.1, length 2). */
        record IrqNoFlags(int irq) implements Resource {
            public IrqNoFlags {
                if (irq < 0 || irq > 15) {
                    throw new IllegalArgumentException("an IRQ descriptor holds ISA IRQs 0-15, not " + irq);
                }
            }

            @Override
            public void encode(LeWriter out) {
                out.u8(0x22).u16(1 << irq);
            }
        }

        /** 32-bit fixed memory range descriptor (6.4.3.4, large item 0x06, length 9). */
        record Memory32Fixed(long base, long size, boolean writable) implements Resource {
            @Override
            public void encode(LeWriter out) {
                out.u8(0x86).u16(9).u8(writable ? 1 : 0).u32(base).u32(size);
            }
        }

        /**
         * Extended interrupt descriptor for one GSI, consumer, exclusive, not wake-capable (6.4.3.6, large
         * item 0x09): flags bit 0 consumer, bit 1 edge-triggered, bit 2 active low, bit 3 shared.
         */
        record ExtendedInterrupt(boolean edge, boolean activeLow, int gsi) implements Resource {
            @Override
            public void encode(LeWriter out) {
                int flags = 1 | (edge ? 2 : 0) | (activeLow ? 4 : 0);
                out.u8(0x89).u16(6).u8(flags).u8(1).u32(gsi);
            }
        }
    }
}
