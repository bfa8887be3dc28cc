package javisor.vm.loader;

import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.Optional;

import javisor.memory.GuestRegion;

/**
 * Builds the Multiboot v1 information structure and everything it points to as one {@link #SIZE}-byte block
 * (Multiboot Specification 0.6.96, 3.3 "Boot information format"), for the address {@link BootPlacement}
 * chose: {@link BootLayout#BOOT_DATA} unless the image is there. Fixed offsets inside the block, so a reader
 * of a guest dump can find each piece:
 *
 * <pre>
 *   +0x000  information structure (116 bytes)
 *   +0x080  module list: one 16-byte entry {mod_start, mod_end, string, reserved}
 *   +0x090  boot loader name "Javisor\0"
 *   +0x098  module string "\0"
 *   +0x0a0  memory map: 24-byte entries {size = 20, base_addr, length, type}
 *   +0x1000 command line, NUL-terminated, at most 4095 bytes before the NUL
 * </pre>
 */
final class MultibootInfo {
    static final int FLAG_MEMORY = 1;
    static final int FLAG_CMDLINE = 1 << 2;
    static final int FLAG_MODS = 1 << 3;
    static final int FLAG_MMAP = 1 << 6;
    static final int FLAG_LOADER_NAME = 1 << 9;

    static final int MODULES_OFFSET = 0x80;
    static final int LOADER_NAME_OFFSET = 0x90;
    static final int MODULE_STRING_OFFSET = 0x98;
    static final int MMAP_OFFSET = 0xa0;
    static final int CMDLINE_OFFSET = 0x1000;
    static final int MMAP_ENTRY_SIZE = 24;
    static final int MAX_MMAP_ENTRIES = (CMDLINE_OFFSET - MMAP_OFFSET) / MMAP_ENTRY_SIZE;
    /** The whole block: the structure, lists and names in the first page, the command line in the second. */
    static final int SIZE = 0x2000;

    static final String LOADER_NAME = "Javisor";
    static final int MMAP_AVAILABLE = 1;
    static final int MMAP_RESERVED = 2;

    private static final long LOWER_MEMORY_LIMIT = 640 * 1024;
    private static final long UPPER_MEMORY_START = 0x10_0000;

    /** A loaded module: {@code [start, end)}. */
    record Module(long start, long end) {
    }

    private MultibootInfo() {
    }

    /** Rejects a command line that cannot be passed, before anything is written. */
    static byte[] cmdlineBytes(String cmdline) {
        if (cmdline.indexOf('\0') >= 0) {
            throw new ImageException("the command line contains a NUL character at index " + cmdline.indexOf('\0')
                    + ", which would cut it short for a Multiboot kernel");
        }
        byte[] bytes = cmdline.getBytes(StandardCharsets.UTF_8);
        if (bytes.length > BootLayout.MAX_CMDLINE_BYTES) {
            throw new ImageException("the command line is " + bytes.length + " bytes; a Multiboot kernel can be "
                    + "given at most " + BootLayout.MAX_CMDLINE_BYTES);
        }
        return bytes;
    }

    /** Rejects what the block cannot hold, before anything is placed or written. */
    static void check(List<GuestRegion> regions, String cmdline) {
        cmdlineBytes(cmdline);
        if (regions.size() > MAX_MMAP_ENTRIES) {
            throw new ImageException("the guest has " + regions.size() + " memory regions, but the Multiboot "
                    + "memory map holds at most " + MAX_MMAP_ENTRIES);
        }
    }

    /** The block, whose pointers assume it is loaded at {@code base} (below 4 GiB: they are 32-bit). */
    static byte[] build(List<GuestRegion> regions, String cmdline, Optional<Module> module, long base) {
        check(regions, cmdline);
        byte[] cmd = cmdlineBytes(cmdline);
        ByteBuffer b = ByteBuffer.allocate(SIZE).order(ByteOrder.LITTLE_ENDIAN);

        b.putInt(0, FLAG_MEMORY | FLAG_CMDLINE | FLAG_MODS | FLAG_MMAP | FLAG_LOADER_NAME);
        b.putInt(4, kib(contiguousRam(regions, 0), LOWER_MEMORY_LIMIT));
        b.putInt(8, kib(contiguousRam(regions, UPPER_MEMORY_START), Long.MAX_VALUE));
        b.putInt(16, (int) (base + CMDLINE_OFFSET));
        b.putInt(20, module.isPresent() ? 1 : 0);
        b.putInt(24, (int) (base + MODULES_OFFSET));
        b.putInt(44, regions.size() * MMAP_ENTRY_SIZE);
        b.putInt(48, (int) (base + MMAP_OFFSET));
        b.putInt(64, (int) (base + LOADER_NAME_OFFSET));

        module.ifPresent(m -> {
            b.putInt(MODULES_OFFSET, (int) m.start());
            b.putInt(MODULES_OFFSET + 4, (int) m.end());
            b.putInt(MODULES_OFFSET + 8, (int) (base + MODULE_STRING_OFFSET));
        });
        b.put(LOADER_NAME_OFFSET, LOADER_NAME.getBytes(StandardCharsets.US_ASCII));

        int at = MMAP_OFFSET;
        for (GuestRegion r : regions) {
            b.putInt(at, MMAP_ENTRY_SIZE - 4); // size does not count itself
            b.putLong(at + 4, r.start().value());
            b.putLong(at + 12, r.size());
            b.putInt(at + 20, isRam(r) ? MMAP_AVAILABLE : MMAP_RESERVED);
            at += MMAP_ENTRY_SIZE;
        }
        b.put(CMDLINE_OFFSET, cmd); // the NUL is already there: the buffer starts zeroed
        return b.array();
    }

    /** Writable, non-device memory is RAM the kernel may use; ROM and device windows are not. */
    private static boolean isRam(GuestRegion r) {
        return !r.readOnly() && !r.flags().device();
    }

    /** How many bytes of RAM run without a gap from {@code from} (0 if {@code from} is not RAM). */
    static long contiguousRam(List<GuestRegion> regions, long from) {
        long pos = from;
        for (GuestRegion r : regions) { // sorted and disjoint, so one pass follows adjacent regions
            if (!isRam(r)) {
                continue;
            }
            if (Long.compareUnsigned(r.start().value(), pos) <= 0 && Long.compareUnsigned(pos, r.last().value()) <= 0) {
                if (r.last().value() == -1L) {
                    break; // RAM up to the top of the address space; nothing can follow
                }
                pos = r.last().value() + 1;
            }
        }
        return pos - from;
    }

    /** {@code bytes}, capped at {@code limit}, in whole KiB, as the unsigned 32-bit field it goes in. */
    private static int kib(long bytes, long limit) {
        long capped = Long.compareUnsigned(bytes, limit) > 0 ? limit : bytes;
        return (int) Math.min(capped >>> 10, 0xffff_ffffL);
    }
}
