package javisor.vcpu;

import java.util.Objects;
import java.util.Optional;

import javisor.memory.GuestAddress;

/**
 * Where the structures a protected- or long-mode entry points at lie in guest memory: the flat GDT
 * ({@link BootCpuState#GDT_SIZE} bytes) and, for a 64-bit entry only, the identity-map page tables
 * ({@link BootCpuState#PAGE_TABLES_SIZE} bytes, 4 KiB-aligned). The image loader chooses the places, clear of
 * the image; {@link VCpu#boot} writes the structures there, for the boot vCPU and again for each vCPU started
 * later with the same entry mode. A real-mode entry needs neither ({@link #NONE}).
 */
public record BootTables(Optional<GuestAddress> gdt, Optional<GuestAddress> pageTables) {
    /** For a real-mode entry, which starts with no host-built structures. */
    public static final BootTables NONE = new BootTables(Optional.empty(), Optional.empty());

    public BootTables {
        Objects.requireNonNull(gdt, "gdt");
        Objects.requireNonNull(pageTables, "pageTables");
        if (pageTables.isPresent() && gdt.isEmpty()) {
            throw new IllegalArgumentException("page tables without a GDT: long mode needs both");
        }
        pageTables.ifPresent(p -> {
            if (!p.isAligned(BootCpuState.PAGE_SIZE)) {
                throw new IllegalArgumentException("page tables at " + p + " are not 4 KiB-aligned, as CR3 needs");
            }
        });
    }

    /** A 32-bit entry's structures: the GDT only (paging is off). */
    public static BootTables gdtOnly(GuestAddress gdt) {
        return new BootTables(Optional.of(gdt), Optional.empty());
    }

    /** A 64-bit entry's structures: the GDT and the identity-map page tables. */
    public static BootTables withPageTables(GuestAddress gdt, GuestAddress pageTables) {
        return new BootTables(Optional.of(gdt), Optional.of(pageTables));
    }

    /**
     * The fixed places boots that lay out low memory themselves use (the Linux loader): the GDT at
     * {@link BootCpuState#GDT_ADDRESS} and, for a 64-bit entry, the page tables at
     * {@link BootCpuState#PAGE_TABLES_ADDRESS}.
     */
    public static BootTables usual(EntryMode mode) {
        GuestAddress gdt = GuestAddress.of(BootCpuState.GDT_ADDRESS);
        return switch (mode) {
            case REAL_MODE_16 -> NONE;
            case PROTECTED_32 -> gdtOnly(gdt);
            case LONG_64 -> withPageTables(gdt, GuestAddress.of(BootCpuState.PAGE_TABLES_ADDRESS));
        };
    }

    /** Throws unless these are the structures {@code mode}'s entry needs. */
    public void checkFor(EntryMode mode) {
        boolean wantsGdt = mode != EntryMode.REAL_MODE_16;
        boolean wantsPageTables = mode == EntryMode.LONG_64;
        if (gdt.isPresent() != wantsGdt || pageTables.isPresent() != wantsPageTables) {
            throw new IllegalArgumentException("a " + mode + " entry needs " + (wantsGdt ? "a GDT" : "no GDT")
                    + (wantsPageTables ? " and page tables" : " and no page tables") + ", not " + this);
        }
    }

    @Override
    public String toString() {
        return "GDT " + gdt.map(GuestAddress::toString).orElse("none") + ", page tables "
                + pageTables.map(GuestAddress::toString).orElse("none");
    }
}
