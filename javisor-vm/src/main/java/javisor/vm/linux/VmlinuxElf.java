package javisor.vm.linux;

import java.util.ArrayList;
import java.util.List;
import java.util.OptionalLong;

import javisor.vm.loader.ImageException;

/**
 * An x86-64 ELF kernel such as Linux's {@code vmlinux}: its PT_LOAD segments, its entry point and the ELF
 * notes that say how it may be booted. Every offset and size is checked against the file before use, as a
 * hostile image must fail with a message, never with an index exception.
 *
 * @param entry       e_entry as in the file
 * @param loads       the PT_LOAD segments with a non-zero p_memsz
 * @param pvhEntry    the 32-bit physical PVH entry point of the Xen note XEN_ELFNOTE_PHYS32_ENTRY, if any
 * @param linuxNotes  whether the image carries notes owned by "Linux" (every vmlinux does: LINUX_ELFNOTE)
 */
public record VmlinuxElf(long entry, List<Segment> loads, OptionalLong pvhEntry, boolean linuxNotes) {
    /** One PT_LOAD program header. */
    public record Segment(int index, long offset, long vaddr, long paddr, long fileSize, long memSize) {
        public long end() {
            return paddr + memSize;
        }
    }

    static final int MAX_PROGRAM_HEADERS = 64;
    /** Enough for any kernel's notes; bounds the work on a hostile note segment. */
    static final int MAX_NOTES = 1024;
    private static final int EM_X86_64 = 62;
    private static final int ET_EXEC = 2;
    private static final int PT_LOAD = 1;
    private static final int PT_NOTE = 4;
    /** Xen's public/elfnote.h: the 32-bit physical entry of a PVH kernel. */
    static final int XEN_ELFNOTE_PHYS32_ENTRY = 18;

    public VmlinuxElf {
        loads = List.copyOf(loads);
    }

    /** True when {@code image} starts like an ELF64 little-endian x86-64 executable. */
    static boolean isElf64X86(byte[] image) {
        return image.length >= 64 && image[0] == 0x7f && image[1] == 'E' && image[2] == 'L' && image[3] == 'F'
                && image[4] == 2 && image[5] == 1 && u16(image, 18) == EM_X86_64;
    }

    /** Parses an ELF64 x86-64 executable and its notes. */
    static VmlinuxElf parse(byte[] image) {
        if (!isElf64X86(image)) {
            throw new ImageException("not an ELF64 little-endian x86-64 image");
        }
        if (u16(image, 16) != ET_EXEC) {
            throw new ImageException("ELF: e_type " + u16(image, 16) + " is not ET_EXEC (2); a kernel has fixed "
                    + "physical addresses");
        }
        long entry = u64(image, 24);
        long phoff = u64(image, 32);
        int phentsize = u16(image, 54);
        int phnum = u16(image, 56);
        if (phnum == 0 || phnum > MAX_PROGRAM_HEADERS) {
            throw new ImageException("ELF: e_phnum = " + phnum + "; expected 1 to " + MAX_PROGRAM_HEADERS);
        }
        if (phentsize < 56) {
            throw new ImageException("ELF: e_phentsize = " + phentsize + ", smaller than an ELF64 program header (56)");
        }
        if (!fits(image, phoff, (long) phentsize * phnum)) {
            throw new ImageException("ELF: the program header table at 0x" + Long.toHexString(phoff)
                    + " runs past the end of the " + image.length + "-byte image");
        }
        List<Segment> loads = new ArrayList<>();
        OptionalLong pvh = OptionalLong.empty();
        boolean linux = false;
        for (int i = 0; i < phnum; i++) {
            int at = (int) (phoff + (long) i * phentsize);
            int type = (int) u32(image, at);
            long offset = u64(image, at + 8);
            long fileSize = u64(image, at + 32);
            if (type == PT_LOAD) {
                Segment s = new Segment(i, offset, u64(image, at + 16), u64(image, at + 24), fileSize,
                        u64(image, at + 40));
                check(s, image);
                if (s.memSize() != 0) {
                    loads.add(s);
                }
            } else if (type == PT_NOTE) {
                if (!fits(image, offset, fileSize)) {
                    throw new ImageException("ELF program header " + i + " (PT_NOTE): bytes at 0x"
                            + Long.toHexString(offset) + " (+0x" + Long.toHexString(fileSize)
                            + ") run past the end of the image");
                }
                Notes notes = readNotes(image, (int) offset, (int) fileSize);
                pvh = notes.pvhEntry().isPresent() ? notes.pvhEntry() : pvh;
                linux |= notes.linux();
            }
        }
        if (loads.isEmpty()) {
            throw new ImageException("ELF has no PT_LOAD segment with a non-zero p_memsz, so nothing to load");
        }
        return new VmlinuxElf(entry, loads, pvh, linux);
    }

    private record Notes(OptionalLong pvhEntry, boolean linux) {
    }

    /** Walks the notes of one PT_NOTE segment (ELF gABI "Note Section": namesz, descsz, type, name, desc). */
    private static Notes readNotes(byte[] image, int from, int length) {
        OptionalLong pvh = OptionalLong.empty();
        boolean linux = false;
        int at = from;
        int end = from + length;
        for (int n = 0; n < MAX_NOTES && end - at >= 12; n++) {
            long nameSize = u32(image, at);
            long descSize = u32(image, at + 4);
            long type = u32(image, at + 8);
            long nameAt = at + 12L;
            long descAt = nameAt + align4(nameSize);
            long next = descAt + align4(descSize);
            if (next > end) {
                throw new ImageException("ELF note at file offset 0x" + Integer.toHexString(at) + " (namesz "
                        + nameSize + ", descsz " + descSize + ") runs past the end of its PT_NOTE segment");
            }
            String name = nameSize == 0 ? "" : new String(image, (int) nameAt, (int) nameSize - 1,
                    java.nio.charset.StandardCharsets.ISO_8859_1);
            if (name.equals("Linux")) {
                linux = true;
            } else if (name.equals("Xen") && type == XEN_ELFNOTE_PHYS32_ENTRY) {
                if (descSize != 4 && descSize != 8) {
                    throw new ImageException("Xen PVH entry note (XEN_ELFNOTE_PHYS32_ENTRY) has a " + descSize
                            + "-byte value; expected 4 or 8");
                }
                long value = descSize == 4 ? u32(image, (int) descAt) : u64(image, (int) descAt);
                if (Long.compareUnsigned(value, 0xffff_ffffL) > 0) {
                    throw new ImageException("Xen PVH entry point 0x" + Long.toHexString(value)
                            + " is above 4 GiB, but PVH starts in 32-bit mode with paging off");
                }
                pvh = OptionalLong.of(value);
            }
            at = (int) next;
        }
        return new Notes(pvh, linux);
    }

    private static void check(Segment s, byte[] image) {
        String what = "ELF program header " + s.index() + " (PT_LOAD at p_paddr 0x" + Long.toHexString(s.paddr()) + ")";
        if (Long.compareUnsigned(s.fileSize(), s.memSize()) > 0) {
            throw new ImageException(what + ": p_filesz 0x" + Long.toHexString(s.fileSize())
                    + " is larger than p_memsz 0x" + Long.toHexString(s.memSize()));
        }
        if (s.fileSize() != 0 && !fits(image, s.offset(), s.fileSize())) {
            throw new ImageException(what + ": file bytes at 0x" + Long.toHexString(s.offset()) + " (+0x"
                    + Long.toHexString(s.fileSize()) + ") run past the end of the " + image.length + "-byte image");
        }
        if (s.memSize() != 0 && Long.compareUnsigned(s.paddr() + s.memSize(), s.paddr()) <= 0) {
            throw new ImageException(what + ": p_paddr + p_memsz wraps past the top of the address space");
        }
    }

    /**
     * The physical entry point: e_entry moved from virtual to physical by the segment holding it, or taken
     * as physical (vmlinux's e_entry is the physical startup_64), either way inside loaded file bytes.
     */
    long physicalEntry() {
        for (Segment s : loads) {
            if (Long.compareUnsigned(entry - s.vaddr(), s.fileSize()) < 0 && Long.compareUnsigned(entry, s.vaddr()) >= 0) {
                return entry - s.vaddr() + s.paddr();
            }
        }
        if (holdsFileByte(entry)) {
            return entry;
        }
        throw new ImageException("ELF entry point e_entry 0x" + Long.toHexString(entry)
                + " is not inside the file bytes of any PT_LOAD segment");
    }

    /** True when {@code physical} is one of the bytes loaded from the file. */
    boolean holdsFileByte(long physical) {
        return loads.stream().anyMatch(s -> Long.compareUnsigned(physical, s.paddr()) >= 0
                && Long.compareUnsigned(physical - s.paddr(), s.fileSize()) < 0);
    }

    /** The lowest physical address a segment occupies. */
    long start() {
        return loads.stream().mapToLong(Segment::paddr).reduce((a, b) -> Long.compareUnsigned(a, b) <= 0 ? a : b)
                .orElseThrow();
    }

    /** The address just past the highest byte a segment occupies. */
    long end() {
        return loads.stream().mapToLong(Segment::end).reduce((a, b) -> Long.compareUnsigned(a, b) >= 0 ? a : b)
                .orElseThrow();
    }

    private static long align4(long v) {
        return (v + 3) & ~3L;
    }

    private static boolean fits(byte[] image, long offset, long length) {
        return offset >= 0 && length >= 0 && offset <= image.length && length <= image.length - offset;
    }

    private static int u16(byte[] b, int at) {
        return Byte.toUnsignedInt(b[at]) | Byte.toUnsignedInt(b[at + 1]) << 8;
    }

    private static long u32(byte[] b, int at) {
        return Integer.toUnsignedLong(u16(b, at) | u16(b, at + 2) << 16);
    }

    private static long u64(byte[] b, int at) {
        return u32(b, at) | u32(b, at + 4) << 32;
    }
}
