package javisor.vm.linux;

import java.util.List;

import javisor.vm.loader.BootLayout;
import javisor.vm.platform.PlatformLayout;

/**
 * Where a Linux boot puts its structures in low memory: fixed places, unlike the ELF and Multiboot loaders, which
 * move theirs out of the image's way ({@code BootPlacement}); a Linux kernel is never linked into low memory.
 *
 * <pre>
 *   [0x00000, 0x01000)  BootLayout.LOW_PAGE     the vCPU's GDT at 0x500 (BootLayout.GDT)
 *   [0x06000, 0x07000)  PVH start info          hvm_start_info at 0x6000, module list at 0x6040, memory map at 0x6080
 *   [0x07000, 0x08000)  zero page               struct boot_params for the 64-bit boot protocol (as Firecracker)
 *   [0x09000, 0x0f000)  BootLayout.PAGE_TABLES  the identity map of the low 4 GiB
 *   [0x20000, 0x21000)  command line            NUL-terminated, at most 4095 bytes before the NUL
 *   [0xa0000, 0x100000) legacy hole and BIOS area (PlatformLayout): ACPI at 0xe0000, MP table at 0xf0000
 *   0x100000 up         the bzImage's protected-mode kernel (or its pref_address); vmlinux at its p_paddr
 * </pre>
 *
 * Both the zero page and the PVH start info lie in {@link BootLayout#BOOT_DATA}, the usual place of a Multiboot
 * kernel's information structure; the command line and the BIOS area are reservations that only a Linux boot
 * makes. The Linux loader checks all of them itself, and hands the vCPU the usual places of the GDT and page
 * tables ({@code BootTables.usual}).
 */
public final class LinuxLayout {
    /** A half-open range with a name, for messages. */
    public record Area(String name, long start, long end) {
        boolean overlaps(long from, long to) {
            return Long.compareUnsigned(from, end) < 0 && Long.compareUnsigned(start, to) < 0;
        }

        @Override
        public String toString() {
            return name + " [0x" + Long.toHexString(start) + ", 0x" + Long.toHexString(end) + ")";
        }
    }

    public static final long PVH_START_INFO = 0x6000;
    public static final long PVH_MODLIST = 0x6040;
    public static final long PVH_MEMMAP = 0x6080;
    public static final long PVH_END = 0x7000;
    public static final long ZERO_PAGE = 0x7000;
    public static final int ZERO_PAGE_SIZE = 0x1000;
    public static final long CMDLINE = 0x2_0000;
    public static final int CMDLINE_AREA_SIZE = 0x1000;
    /** The longest command line the area holds, not counting the NUL. */
    public static final int MAX_CMDLINE_BYTES = CMDLINE_AREA_SIZE - 1;
    /** Where a non-relocatable bzImage's protected-mode kernel goes (boot protocol: "loaded at 0x100000"). */
    public static final long BZIMAGE_DEFAULT_LOAD = 0x10_0000;
    /** The 64-bit entry point is 0x200 into the protected-mode kernel (boot.rst, "64-bit BOOT PROTOCOL"). */
    public static final long BZIMAGE_64BIT_ENTRY_OFFSET = 0x200;

    /** What no kernel, ramdisk or boot structure of a Linux boot may overlap, other than its own area. */
    public static final List<Area> RESERVED = List.of(
            new Area("low page (IVT, BDA, GDT)", BootLayout.LOW_PAGE.start(), BootLayout.LOW_PAGE.end()),
            new Area("PVH start info", PVH_START_INFO, PVH_END),
            new Area("zero page", ZERO_PAGE, ZERO_PAGE + ZERO_PAGE_SIZE),
            new Area("page tables", BootLayout.PAGE_TABLES.start(), BootLayout.PAGE_TABLES.end()),
            new Area("command line", CMDLINE, CMDLINE + CMDLINE_AREA_SIZE),
            new Area("legacy hole and BIOS area (ACPI, MP table)", PlatformLayout.LEGACY_HOLE_START,
                    PlatformLayout.BIOS_AREA_END));

    private LinuxLayout() {
    }
}
