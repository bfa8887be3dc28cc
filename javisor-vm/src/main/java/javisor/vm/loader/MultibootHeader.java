package javisor.vm.loader;

import java.util.Optional;

import javisor.sys.Logs;

/**
 * A Multiboot v1 header: magic 0x1BADB002, flags and checksum (the three sum to zero mod 2^32), 4-byte
 * aligned and wholly inside the first 8192 bytes of the image, optionally followed by the a.out kludge
 * address fields when flags bit 16 is set.
 */
record MultibootHeader(int offset, int flags, Optional<AoutKludge> aout) {
    static final int MAGIC = 0x1BADB002;
    /** The value a Multiboot kernel finds in EAX. */
    static final int BOOTLOADER_MAGIC = 0x2BADB002;
    static final int SEARCH_LIMIT = 8192;

    static final int PAGE_ALIGN_MODULES = 1;
    static final int MEMORY_INFO = 1 << 1;
    static final int VIDEO_MODE = 1 << 2;
    static final int AOUT_KLUDGE = 1 << 16;
    /** Bits 0..15 are required: a loader that does not understand one must refuse the image. */
    private static final int REQUIRED_MASK = 0xffff;
    private static final int UNDERSTOOD = PAGE_ALIGN_MODULES | MEMORY_INFO | VIDEO_MODE;

    private static final System.Logger LOG = Logs.get(MultibootHeader.class.getName());

    /** The outcome of looking for a header. */
    sealed interface Search {
    }

    record Found(MultibootHeader header) implements Search {
    }

    /** The magic appeared, 4-byte aligned, but its checksum was wrong: not a Multiboot image. */
    record BadChecksum(int offset, int flags, int checksum) implements Search {
    }

    record Absent() implements Search {
    }

    /**
     * The first valid header in the first 8 KiB. A header with a good checksum but broken fields is
     * still a Multiboot image, so it throws rather than being skipped.
     */
    static Search search(byte[] image) {
        ImageBytes in = new ImageBytes(image);
        Search result = new Absent();
        int limit = Math.min(image.length, SEARCH_LIMIT) - 12;
        for (int off = 0; off <= limit; off += 4) {
            // The magic's first byte (little-endian) rules out almost every offset with one array load: a
            // VM create in a running hypervisor runs this loop interpreted until the JIT gets to it.
            if (image[off] != (byte) MAGIC || (int) in.u32(off, "Multiboot magic") != MAGIC) {
                continue;
            }
            int flags = (int) in.u32(off + 4, "Multiboot flags");
            int checksum = (int) in.u32(off + 8, "Multiboot checksum");
            if (MAGIC + flags + checksum == 0) {
                return new Found(read(in, off, flags));
            }
            if (result instanceof Absent) {
                result = new BadChecksum(off, flags, checksum);
            }
        }
        return result;
    }

    private static MultibootHeader read(ImageBytes in, int off, int flags) {
        if ((flags & AOUT_KLUDGE) == 0) {
            return new MultibootHeader(off, flags, Optional.empty());
        }
        if (off + 32 > SEARCH_LIMIT || !in.has(off, 32)) {
            throw new ImageException("Multiboot header at offset " + Hex.of(off)
                    + " sets flags bit 16 (a.out kludge), but its address fields at " + Hex.range(off + 12, 20)
                    + " run past " + (off + 32 > SEARCH_LIMIT ? "the first 8192 bytes" : "the end of the image"));
        }
        return new MultibootHeader(off, flags, Optional.of(new AoutKludge(
                in.u32(off + 12, "header_addr"), in.u32(off + 16, "load_addr"), in.u32(off + 20, "load_end_addr"),
                in.u32(off + 24, "bss_end_addr"), in.u32(off + 28, "entry_addr"))));
    }

    /** Refuses required features Javisor cannot provide; notes the optional video request it ignores. */
    void checkFlags() {
        int unknown = flags & REQUIRED_MASK & ~UNDERSTOOD;
        if (unknown != 0) {
            throw new ImageException("Multiboot header at offset " + Hex.of(offset) + " has flags "
                    + Hex.of(Integer.toUnsignedLong(flags)) + " with required bit(s) " + Hex.of(unknown)
                    + " that Javisor does not know (only bits 0, 1 and 2 of bits 0..15 are defined)");
        }
        if ((flags & VIDEO_MODE) != 0) {
            // The spec calls the video fields a preference, and the kernel learns from the info flags
            // (bits 11, 12 clear) that no mode was set, so booting on is allowed.
            LOG.log(System.Logger.Level.INFO, "Multiboot header requests a video mode (flags bit 2); Javisor has "
                    + "no framebuffer, so the kernel gets no video information");
        }
    }

    boolean wantsPageAlignedModules() {
        return (flags & PAGE_ALIGN_MODULES) != 0;
    }
}
