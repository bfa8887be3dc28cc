package javisor.vm.linux;

import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.util.Optional;

import javisor.vm.platform.E820Entry;
import javisor.vm.platform.E820Map;

/**
 * The zero page, Linux's {@code struct boot_params} (Documentation/arch/x86/zero-page.rst), as the 64-bit boot
 * protocol passes it in RSI: the setup header (the bzImage's own, or a minimal one for a vmlinux), the
 * command line and initrd pointers, the ACPI RSDP and the e820 map.
 */
final class BootParams {
    static final int SIZE = 0x1000;
    // boot_params offsets (zero-page.rst).
    static final int ACPI_RSDP_ADDR = 0x070;
    static final int EXT_RAMDISK_IMAGE = 0x0c0;
    static final int EXT_RAMDISK_SIZE = 0x0c4;
    static final int EXT_CMD_LINE_PTR = 0x0c8;
    static final int E820_ENTRIES = 0x1e8;
    static final int SENTINEL = 0x1ef;
    static final int E820_TABLE = 0x2d0;
    static final int E820_ENTRY_SIZE = 20;
    /** "undefined" boot loader id (boot.rst, type_of_loader): Javisor has no assigned id. */
    static final int LOADER_UNDEFINED = 0xff;

    /**
     * What goes in the zero page besides the header.
     *
     * @param header    the bzImage's setup header bytes, or empty for a vmlinux
     * @param code32    the protected-mode kernel's load address, for code32_start (bzImage only)
     * @param cmdline   the command line's address
     * @param cmdlineSize the command line's length without the NUL, for a vmlinux's cmdline_size
     * @param initrd    where the initrd is, if there is one
     * @param rsdp      the ACPI RSDP's address, if the platform has one
     * @param e820      the memory map
     */
    record Contents(Optional<byte[]> header, long code32, long cmdline, int cmdlineSize,
                    Optional<LoadedRange> initrd, Optional<Long> rsdp, E820Map e820) {
    }

    private BootParams() {
    }

    static byte[] build(Contents c) {
        ByteBuffer b = ByteBuffer.allocate(SIZE).order(ByteOrder.LITTLE_ENDIAN);
        if (c.header().isPresent()) {
            // Boot protocol, "64-bit BOOT PROTOCOL": the setup header is copied from the image's offset 0x1f1.
            b.put(SetupHeader.OFFSET, c.header().get());
            b.putInt(SetupHeader.CODE32_START, (int) c.code32());
        } else {
            // A vmlinux has no setup header; the kernel checks only the signature fields of one.
            b.putShort(SetupHeader.BOOT_FLAG, (short) SetupHeader.BOOT_FLAG_VALUE);
            b.putInt(SetupHeader.HEADER_MAGIC, SetupHeader.MAGIC_HDRS);
            b.putInt(SetupHeader.CMDLINE_SIZE, c.cmdlineSize());
        }
        b.put(SetupHeader.TYPE_OF_LOADER, (byte) LOADER_UNDEFINED);
        b.put(SetupHeader.LOADFLAGS, (byte) (b.get(SetupHeader.LOADFLAGS) | SetupHeader.LOADED_HIGH));
        b.put(SENTINEL, (byte) 0); // nonzero would make the kernel distrust and clear fields (sanitize_boot_params)
        b.putInt(SetupHeader.CMD_LINE_PTR, (int) c.cmdline());
        b.putInt(EXT_CMD_LINE_PTR, (int) (c.cmdline() >>> 32));
        c.initrd().ifPresent(r -> {
            b.putInt(SetupHeader.RAMDISK_IMAGE, (int) r.start());
            b.putInt(EXT_RAMDISK_IMAGE, (int) (r.start() >>> 32));
            b.putInt(SetupHeader.RAMDISK_SIZE, (int) r.size());
            b.putInt(EXT_RAMDISK_SIZE, (int) (r.size() >>> 32));
        });
        c.rsdp().ifPresent(a -> b.putLong(ACPI_RSDP_ADDR, a));
        b.put(E820_ENTRIES, (byte) c.e820().entries().size());
        int at = E820_TABLE;
        for (E820Entry e : c.e820().entries()) { // struct boot_e820_entry: addr, size, type (packed)
            b.putLong(at, e.address());
            b.putLong(at + 8, e.size());
            b.putInt(at + 16, e.type().code());
            at += E820_ENTRY_SIZE;
        }
        return b.array();
    }
}
