package javisor.vm.platform;

/**
 * The address range types of the e820 memory map, with the codes of ACPI 6.5, 15.2 "E820 Address Range Types"
 * (Table 15.1), which Linux's {@code struct boot_e820_entry} and PVH's {@code hvm_memmap_table_entry} both use.
 */
public enum E820Type {
    /** Usable RAM. */
    RAM(1),
    /** In use or reserved by the platform: the OS must not use it. */
    RESERVED(2),
    /** ACPI tables the OS may reclaim after reading them. */
    ACPI_RECLAIMABLE(3),
    /** ACPI non-volatile storage. */
    ACPI_NVS(4),
    /** RAM with detected errors. */
    UNUSABLE(5);

    private final int code;

    E820Type(int code) {
        this.code = code;
    }

    public int code() {
        return code;
    }

    /** Linux's name for the type in its "BIOS-e820:" boot messages. */
    public String linuxName() {
        return switch (this) {
            case RAM -> "usable";
            case RESERVED -> "reserved";
            case ACPI_RECLAIMABLE -> "ACPI data";
            case ACPI_NVS -> "ACPI NVS";
            case UNUSABLE -> "unusable";
        };
    }
}
