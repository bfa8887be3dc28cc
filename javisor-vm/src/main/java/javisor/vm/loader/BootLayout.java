package javisor.vm.loader;

import java.util.List;

import javisor.vcpu.BootCpuState;

/**
 * Low memory as ELF and Multiboot boots use it. Protected-mode and long-mode boots need the host to place
 * structures in guest RAM before the first instruction runs; each has a usual place, and goes elsewhere only
 * when the image, its bss or its module is there ({@link BootPlacement} has the rule):
 *
 * <pre>
 *   [0x0000, 0x1000)  LOW_PAGE     real-mode IVT and BIOS data area: no image or module may load here
 *   [0x0500, 0x0528)  GDT          the vCPU's GDT (usual place), ELF and Multiboot entries
 *   [0x6000, 0x8000)  BOOT_DATA    Multiboot information, memory map, module list, cmdline (usual place)
 *   [0x9000, 0xf000)  PAGE_TABLES  the identity-map page tables of a 64-bit ELF entry (usual place)
 * </pre>
 *
 * Only {@link #LOW_PAGE} is refused to images: a 32-bit entry has no page tables, and every structure moves
 * out of an image's way. RAW images start in real mode with no host-built structures, so they may go
 * anywhere in RAM.
 */
public final class BootLayout {
    /** A half-open guest-physical range {@code [start, end)}. */
    public record Range(String name, long start, long end) {
        public Range {
            if (Long.compareUnsigned(start, end) >= 0) {
                throw new IllegalArgumentException("empty range " + name);
            }
        }

        public long size() {
            return end - start;
        }

        /** True if {@code [from, to)} shares a byte with this range (unsigned; {@code to} exclusive). */
        public boolean overlaps(long from, long to) {
            return Long.compareUnsigned(from, end) < 0 && Long.compareUnsigned(start, to) < 0;
        }

        @Override
        public String toString() {
            return name + " [0x" + Long.toHexString(start) + ", 0x" + Long.toHexString(end) + ")";
        }
    }

    public static final long PAGE_SIZE = 0x1000;

    /** Real-mode IVT and BIOS data area, which a PC's firmware owns; the GDT's usual place is inside it. */
    public static final Range LOW_PAGE = new Range("low page (IVT, BDA)", 0x0, 0x1000);
    /** The usual place of the GDT the vCPU builds for protected and long mode. */
    public static final Range GDT = new Range("GDT", BootCpuState.GDT_ADDRESS,
            BootCpuState.GDT_ADDRESS + BootCpuState.GDT_SIZE);
    /** The usual place of the Multiboot information structure and everything it points to. */
    public static final Range BOOT_DATA = new Range("Multiboot information", 0x6000, 0x6000 + MultibootInfo.SIZE);
    /** The usual place of the page tables for the long-mode identity map of the low 4 GiB. */
    public static final Range PAGE_TABLES = new Range("page tables", BootCpuState.PAGE_TABLES_ADDRESS,
            BootCpuState.PAGE_TABLES_ADDRESS + BootCpuState.PAGE_TABLES_SIZE);
    /**
     * Where a boot structure goes when its usual place is taken: conventional memory above the low page and
     * below the legacy VGA and option-ROM hole at 640 KiB, which a PC's memory map reports as usable.
     */
    public static final Range CONVENTIONAL = new Range("conventional memory", 0x1000, 0xa_0000);

    /** The ranges ELF and Multiboot images, and Multiboot modules, may not load into. */
    public static final List<Range> RESERVED = List.of(LOW_PAGE);

    /** The longest command line passed to a Multiboot kernel, in bytes, not counting the NUL. */
    public static final int MAX_CMDLINE_BYTES = 4095;

    /** 32-bit code, and the 64-bit entry's identity map, reach only the low 4 GiB. */
    public static final long FOUR_GIB = 1L << 32;

    private BootLayout() {
    }
}
