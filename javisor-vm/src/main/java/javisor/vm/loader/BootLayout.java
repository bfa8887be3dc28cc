package javisor.vm.loader;

import java.util.List;

import javisor.memory.GuestAddress;
import javisor.vcpu.BootCpuState;

/**
 * The fixed low-memory layout shared by the image loaders and the vCPU's boot setup. Protected-mode and
 * long-mode boots (ELF and Multiboot) need the host to place structures in guest RAM before the first
 * instruction runs, so those images may not load into the {@link #RESERVED} ranges:
 *
 * <pre>
 *   [0x0000, 0x1000)  LOW_PAGE     real-mode IVT and BIOS data area; the vCPU's GDT at 0x500
 *   [0x6000, 0x8000)  BOOT_DATA    Multiboot information structure, memory map, module list, cmdline
 *   [0x9000, 0xf000)  PAGE_TABLES  the vCPU's identity-map page tables for long mode
 * </pre>
 *
 * RAW images start in real mode with no host-built structures, so they may go anywhere in RAM.
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

    /** Real-mode IVT and BIOS data area, and the GDT the vCPU builds for protected and long mode. */
    public static final Range LOW_PAGE = new Range("low page (IVT, BDA, GDT)", 0x0, 0x1000);
    /** Where the vCPU puts its GDT; inside {@link #LOW_PAGE}. */
    public static final GuestAddress GDT = GuestAddress.of(BootCpuState.GDT_ADDRESS);
    /** The Multiboot information structure and everything it points to. */
    public static final Range BOOT_DATA = new Range("boot data (Multiboot info)", 0x6000, 0x8000);
    /** The Multiboot information structure itself, at the start of {@link #BOOT_DATA}. */
    public static final GuestAddress MULTIBOOT_INFO = GuestAddress.of(BOOT_DATA.start());
    /** Page tables for the long-mode identity map of the low 4 GiB. */
    public static final Range PAGE_TABLES = new Range("page tables", BootCpuState.PAGE_TABLES_ADDRESS,
            BootCpuState.PAGE_TABLES_END);

    /** The ranges ELF and Multiboot images may not load into. */
    public static final List<Range> RESERVED = List.of(LOW_PAGE, BOOT_DATA, PAGE_TABLES);

    /** The longest command line passed to a Multiboot kernel, in bytes, not counting the NUL. */
    public static final int MAX_CMDLINE_BYTES = 4095;

    /** 32-bit code, and the 64-bit entry's identity map, reach only the low 4 GiB. */
    public static final long FOUR_GIB = 1L << 32;

    private BootLayout() {
    }
}
