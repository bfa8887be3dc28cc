package javisor.vm.platform;

import java.util.Optional;

import javisor.memory.GuestAddress;
import javisor.memory.GuestMemory;

/**
 * Writes the firmware tables an OS reads to learn the machine, where a PC BIOS would leave them: the ACPI
 * tables at {@link PlatformLayout#ACPI_START} and the MP table at {@link PlatformLayout#MP_START} (see
 * {@link PlatformLayout}). Both describe the same vCPUs, IOAPIC and interrupt wiring, so an OS finds the
 * same machine with ACPI on or off.
 */
public final class PlatformTables {
    /**
     * Where the tables went.
     *
     * @param rsdp      the ACPI Root System Description Pointer, for Linux's {@code boot_params.acpi_rsdp_addr}
     *                  and PVH's {@code rsdp_paddr}
     * @param mpTable   the MP floating pointer; empty when the vCPUs do not fit an MP table (more than 254)
     */
    public record Written(GuestAddress rsdp, Optional<GuestAddress> mpTable) {
    }

    private PlatformTables() {
    }

    /** True when guest RAM covers the BIOS area, so the tables can be written. */
    public static boolean fits(GuestMemory memory) {
        return memory.contains(GuestAddress.of(PlatformLayout.BIOS_AREA_START),
                PlatformLayout.BIOS_AREA_END - PlatformLayout.BIOS_AREA_START);
    }

    /**
     * Clears the BIOS area and writes the tables for {@code spec}.
     *
     * @throws IllegalArgumentException if guest RAM does not cover [0xe0000, 0x100000), or the tables do not
     *                                  fit their areas
     */
    public static Written write(GuestMemory memory, PlatformSpec spec) {
        if (!fits(memory)) {
            throw new IllegalArgumentException("the ACPI and MP tables go in [0xe0000, 0x100000), which is not guest "
                    + "RAM; give the VM RAM from 0 (e.g. a region [0x0, 0x1000_0000, 0x7, 0])");
        }
        byte[] acpi = AcpiTables.build(spec, PlatformLayout.ACPI_START);
        if (acpi.length > PlatformLayout.ACPI_END - PlatformLayout.ACPI_START) {
            throw new IllegalArgumentException("the ACPI tables take " + acpi.length + " bytes, more than the 64 KiB "
                    + "at 0xe0000");
        }
        Optional<byte[]> mp = spec.cpuCount() <= MpTable.MAX_CPUS
                ? Optional.of(MpTable.build(spec, PlatformLayout.MP_START))
                : Optional.empty();
        // An MP table for 254 vCPUs takes about 5 KiB, far below the 64 KiB of its area.
        memory.zero(GuestAddress.of(PlatformLayout.BIOS_AREA_START),
                PlatformLayout.BIOS_AREA_END - PlatformLayout.BIOS_AREA_START);
        memory.write(GuestAddress.of(PlatformLayout.ACPI_START), acpi);
        mp.ifPresent(b -> memory.write(GuestAddress.of(PlatformLayout.MP_START), b));
        return new Written(GuestAddress.of(PlatformLayout.ACPI_START),
                mp.map(b -> GuestAddress.of(PlatformLayout.MP_START)));
    }
}
