package javisor.vm.linux;

import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.util.Optional;

import javisor.vm.platform.E820Entry;
import javisor.vm.platform.E820Map;

/**
 * The PVH boot ABI's start information (Xen's public/arch-x86/hvm/start_info.h, version 1): the structure EBX
 * points at when a PVH kernel's 32-bit entry runs, with the command line, the initrd as the first module, the
 * ACPI RSDP and the memory map. Built as one block for [{@link LinuxLayout#PVH_START_INFO},
 * {@link LinuxLayout#PVH_END}):
 *
 * <pre>
 *   +0x00  struct hvm_start_info (56 bytes)
 *   +0x40  struct hvm_modlist_entry[1] (32 bytes): the initrd
 *   +0x80  struct hvm_memmap_table_entry[] (24 bytes each): the e820 map
 * </pre>
 */
final class PvhStartInfo {
    static final int MAGIC = 0x336e_c578;
    static final int VERSION = 1;
    static final int SIZE = (int) (LinuxLayout.PVH_END - LinuxLayout.PVH_START_INFO);
    static final int MODLIST_OFFSET = (int) (LinuxLayout.PVH_MODLIST - LinuxLayout.PVH_START_INFO);
    static final int MEMMAP_OFFSET = (int) (LinuxLayout.PVH_MEMMAP - LinuxLayout.PVH_START_INFO);
    static final int MEMMAP_ENTRY_SIZE = 24;
    static final int MAX_MEMMAP_ENTRIES = (SIZE - MEMMAP_OFFSET) / MEMMAP_ENTRY_SIZE;

    // hvm_start_info field offsets.
    static final int NR_MODULES = 12;
    static final int MODLIST_PADDR = 16;
    static final int CMDLINE_PADDR = 24;
    static final int RSDP_PADDR = 32;
    static final int MEMMAP_PADDR = 40;
    static final int MEMMAP_ENTRIES = 48;

    private PvhStartInfo() {
    }

    static byte[] build(long cmdline, Optional<LoadedRange> initrd, Optional<Long> rsdp, E820Map e820) {
        if (e820.entries().size() > MAX_MEMMAP_ENTRIES) {
            throw new IllegalArgumentException("the PVH memory map holds " + MAX_MEMMAP_ENTRIES + " entries, not "
                    + e820.entries().size());
        }
        long base = LinuxLayout.PVH_START_INFO;
        ByteBuffer b = ByteBuffer.allocate(SIZE).order(ByteOrder.LITTLE_ENDIAN);
        b.putInt(0, MAGIC);
        b.putInt(4, VERSION);
        b.putInt(8, 0); // flags: no SIF_* flag applies outside Xen
        initrd.ifPresent(r -> {
            b.putInt(NR_MODULES, 1);
            b.putLong(MODLIST_PADDR, base + MODLIST_OFFSET);
            b.putLong(MODLIST_OFFSET, r.start());   // hvm_modlist_entry.paddr
            b.putLong(MODLIST_OFFSET + 8, r.size()); // .size; cmdline_paddr and reserved stay 0
        });
        b.putLong(CMDLINE_PADDR, cmdline);
        rsdp.ifPresent(a -> b.putLong(RSDP_PADDR, a));
        b.putLong(MEMMAP_PADDR, base + MEMMAP_OFFSET);
        b.putInt(MEMMAP_ENTRIES, e820.entries().size());
        int at = MEMMAP_OFFSET;
        for (E820Entry e : e820.entries()) { // hvm_memmap_table_entry: addr, size, type, reserved
            b.putLong(at, e.address());
            b.putLong(at + 8, e.size());
            b.putInt(at + 16, e.type().code());
            at += MEMMAP_ENTRY_SIZE;
        }
        return b.array();
    }
}
