package javisor.vm.linux;

import java.util.Arrays;

import javisor.vm.loader.ImageBytes;
import javisor.vm.loader.ImageException;

/**
 * The setup header of a bzImage (Documentation/arch/x86/boot.rst, "THE REAL-MODE KERNEL HEADER"): the fields
 * a 64-bit boot loader reads, checked against the file, and the raw header bytes, which the loader copies
 * into the zero page. Offsets are file offsets, which are also the offsets in {@code struct boot_params}.
 *
 * @param bytes             the header as in the file, {@code [0x1f1, 0x202 + image[0x201])}
 * @param version           the boot protocol version, e.g. 0x020f for 2.15
 * @param setupSects        the size of the real-mode setup in 512-byte sectors (0 already read as 4)
 * @param loadFlags         LOADED_HIGH and friends
 * @param relocatable       whether the protected-mode kernel may be loaded at any aligned address
 * @param kernelAlignment   the alignment a relocatable kernel needs
 * @param xloadFlags        XLF_KERNEL_64 and friends
 * @param cmdlineSize       the longest command line the kernel takes, not counting the NUL
 * @param initrdAddrMax     the highest address the initrd may occupy (inclusive)
 * @param prefAddress       the preferred load address, where a non-relocatable kernel moves itself
 * @param initSize          the bytes the kernel needs from its load address until it has set itself up
 */
public record SetupHeader(byte[] bytes, int version, int setupSects, int loadFlags, boolean relocatable,
                          long kernelAlignment, int xloadFlags, long cmdlineSize, long initrdAddrMax,
                          long prefAddress, long initSize) {
    /** The header starts at 0x1f1 in the file and in the zero page. */
    public static final int OFFSET = 0x1f1;
    static final int BOOT_FLAG = 0x1fe;
    static final int JUMP_OFFSET = 0x201;
    static final int HEADER_MAGIC = 0x202;
    static final int VERSION = 0x206;
    static final int TYPE_OF_LOADER = 0x210;
    static final int LOADFLAGS = 0x211;
    static final int CODE32_START = 0x214;
    static final int RAMDISK_IMAGE = 0x218;
    static final int RAMDISK_SIZE = 0x21c;
    static final int CMD_LINE_PTR = 0x228;
    static final int INITRD_ADDR_MAX = 0x22c;
    static final int KERNEL_ALIGNMENT = 0x230;
    static final int RELOCATABLE_KERNEL = 0x234;
    static final int XLOADFLAGS = 0x236;
    static final int CMDLINE_SIZE = 0x238;
    static final int PREF_ADDRESS = 0x258;
    static final int INIT_SIZE = 0x260;
    /** The last field 2.12 defines ends here (init_size); the header must reach it. */
    static final int END_2_12 = 0x264;

    static final int MAGIC_HDRS = 0x5372_6448; // "HdrS"
    static final int BOOT_FLAG_VALUE = 0xaa55;
    static final int MIN_VERSION = 0x020c;
    static final int LOADED_HIGH = 0x01;
    static final int XLF_KERNEL_64 = 0x01;
    static final int XLF_CAN_BE_LOADED_ABOVE_4G = 0x02;
    /** setup_sects = 0 means 4, for compatibility with ancient kernels (boot.rst). */
    static final int DEFAULT_SETUP_SECTS = 4;

    public SetupHeader {
        bytes = bytes.clone();
    }

    @Override
    public byte[] bytes() {
        return bytes.clone();
    }

    /** True when {@code image} looks like a bzImage: the "HdrS" magic at 0x202 and the boot flag at 0x1fe. */
    public static boolean hasMagic(byte[] image) {
        ImageBytes in = new ImageBytes(image);
        return in.has(HEADER_MAGIC, 4) && in.u32(HEADER_MAGIC, "HdrS") == MAGIC_HDRS
                && in.u16(BOOT_FLAG, "boot_flag") == BOOT_FLAG_VALUE;
    }

    /** Parses and checks the header of a bzImage for the 64-bit boot protocol. */
    public static SetupHeader parse(byte[] image) {
        if (!hasMagic(image)) {
            throw new ImageException("not a bzImage: no \"HdrS\" magic at offset 0x202 with boot flag 0xaa55 at 0x1fe");
        }
        ImageBytes in = new ImageBytes(image);
        int headerEnd = HEADER_MAGIC + in.u8(JUMP_OFFSET, "jump");
        int version = in.u16(VERSION, "version");
        if (version < MIN_VERSION) {
            throw new ImageException(String.format("bzImage boot protocol %d.%02d is too old: Javisor enters the "
                    + "64-bit entry point, which needs protocol 2.12 or later", version >> 8, version & 0xff));
        }
        if (headerEnd < END_2_12 || headerEnd > image.length) {
            throw new ImageException("bzImage setup header ends at 0x" + Integer.toHexString(headerEnd)
                    + " (0x202 + the jump offset at 0x201), but a protocol 2.12 header reaches 0x"
                    + Integer.toHexString(END_2_12) + " and the file is " + image.length + " bytes");
        }
        int xloadFlags = in.u16(XLOADFLAGS, "xloadflags");
        if ((xloadFlags & XLF_KERNEL_64) == 0) {
            throw new ImageException("bzImage has no 64-bit entry point (xloadflags bit XLF_KERNEL_64 is clear); "
                    + "Javisor boots only 64-bit kernels this way");
        }
        int setupSects = in.u8(OFFSET, "setup_sects");
        if (setupSects == 0) {
            setupSects = DEFAULT_SETUP_SECTS;
        }
        SetupHeader h = new SetupHeader(Arrays.copyOfRange(image, OFFSET, headerEnd), version, setupSects,
                in.u8(LOADFLAGS, "loadflags"), in.u8(RELOCATABLE_KERNEL, "relocatable_kernel") != 0,
                in.u32(KERNEL_ALIGNMENT, "kernel_alignment"), xloadFlags, in.u32(CMDLINE_SIZE, "cmdline_size"),
                in.u32(INITRD_ADDR_MAX, "initrd_addr_max"), in.u64(PREF_ADDRESS, "pref_address"),
                in.u32(INIT_SIZE, "init_size"));
        if (h.protectedModeOffset() >= image.length) {
            throw new ImageException("bzImage: the protected-mode kernel would start at file offset 0x"
                    + Integer.toHexString(h.protectedModeOffset()) + " ((setup_sects + 1) * 512), past the end of the "
                    + image.length + "-byte file");
        }
        if (h.relocatable() && (h.kernelAlignment() == 0 || Long.bitCount(h.kernelAlignment()) != 1)) {
            throw new ImageException("bzImage: kernel_alignment 0x" + Long.toHexString(h.kernelAlignment())
                    + " is not a power of two");
        }
        if (h.initSize() == 0) {
            throw new ImageException("bzImage: init_size is 0, so the memory the kernel needs is unknown");
        }
        return h;
    }

    /** Where the protected-mode kernel starts in the file: after the boot sector and the setup sectors. */
    public int protectedModeOffset() {
        return (setupSects + 1) * 512;
    }
}
