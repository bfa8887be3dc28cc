package javisor.vm.platform;

import java.util.ArrayList;
import java.util.List;

import javisor.memory.GuestRegion;

/**
 * The memory map a PC firmware reports through INT 15h, AX=E820h (ACPI 6.5, 15.1), which a Linux loader
 * copies into {@code boot_params.e820_table} and a PVH loader into the {@code hvm_start_info} memory map.
 * Entries are sorted by address, do not overlap, and adjacent entries of one type are merged.
 *
 * @param entries the ranges, at most {@link #MAX_ENTRIES}
 */
public record E820Map(List<E820Entry> entries) {
    /** The zero page holds 128 entries ({@code E820_MAX_ENTRIES_ZEROPAGE}, boot_params at 0x2d0). */
    public static final int MAX_ENTRIES = 128;

    public E820Map {
        entries = List.copyOf(entries);
        if (entries.size() > MAX_ENTRIES) {
            throw new IllegalArgumentException("the e820 map has " + entries.size() + " entries; the Linux zero page "
                    + "holds at most " + MAX_ENTRIES);
        }
        for (int i = 1; i < entries.size(); i++) {
            E820Entry prev = entries.get(i - 1);
            E820Entry e = entries.get(i);
            if (Long.compareUnsigned(e.address(), prev.last()) <= 0) {
                throw new IllegalArgumentException("e820 entries out of order or overlapping: " + prev + " and " + e);
            }
        }
    }

    /**
     * The map of a guest with {@code regions}: writable RAM is usable, read-only and device regions are
     * reserved; the legacy hole [0xa0000, 0xe0000) is left out and the BIOS area [0xe0000, 0x100000), where
     * the ACPI and MP tables live, is reserved, as a PC firmware reports them (ACPI 6.5, 15.4 example).
     */
    public static E820Map forGuest(List<GuestRegion> regions) {
        List<E820Entry> pieces = new ArrayList<>();
        for (GuestRegion r : regions) {
            E820Type type = r.readOnly() || r.flags().device() ? E820Type.RESERVED : E820Type.RAM;
            long first = r.start().value();
            long last = r.last().value();
            addClipped(pieces, first, last, 0, PlatformLayout.LEGACY_HOLE_START - 1, type);
            addClipped(pieces, first, last, PlatformLayout.BIOS_AREA_START, PlatformLayout.BIOS_AREA_END - 1,
                    E820Type.RESERVED);
            addClipped(pieces, first, last, PlatformLayout.BIOS_AREA_END, -1L, type);
        }
        pieces.sort((a, b) -> Long.compareUnsigned(a.address(), b.address()));
        List<E820Entry> merged = new ArrayList<>();
        for (E820Entry e : pieces) {
            E820Entry last = merged.isEmpty() ? null : merged.getLast();
            if (last != null && last.type() == e.type() && last.end() == e.address() && last.end() != 0) {
                merged.set(merged.size() - 1, new E820Entry(last.address(), last.size() + e.size(), e.type()));
            } else {
                merged.add(e);
            }
        }
        return new E820Map(merged);
    }

    /** Adds {@code [first, last] ∩ [from, toLast]} (inclusive bounds, unsigned) as {@code type}. */
    private static void addClipped(List<E820Entry> out, long first, long last, long from, long toLast,
                                   E820Type type) {
        long s = Long.compareUnsigned(first, from) > 0 ? first : from;
        long l = Long.compareUnsigned(last, toLast) < 0 ? last : toLast;
        if (Long.compareUnsigned(s, l) <= 0) {
            out.add(new E820Entry(s, l - s + 1, type));
        }
    }

    /** The usable RAM ranges. */
    public List<E820Entry> ram() {
        return entries.stream().filter(e -> e.type() == E820Type.RAM).toList();
    }

    /** True when {@code [address, address + length)} is entirely usable RAM in one entry. */
    public boolean isRam(long address, long length) {
        return ram().stream().anyMatch(e -> e.contains(address, length));
    }
}
