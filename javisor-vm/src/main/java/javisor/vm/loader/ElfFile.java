package javisor.vm.loader;

import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.OptionalLong;

import javisor.vcpu.EntryMode;

/**
 * The parts of an x86 ELF executable that a loader needs: class, entry, PT_LOAD program headers and, for a kernel,
 * the notes that say how it may be booted, each checked against the file so that later steps can trust offsets and
 * sizes. The one ELF reader: the ELF, Multiboot and Linux (vmlinux) loaders all read through it. The notes are read
 * only when asked for ({@link #kernelNotes}): a plain ELF guest loads whatever its PT_NOTE segments hold.
 *
 * @param noteSegments where the PT_NOTE segments are in the file, not yet checked
 */
public record ElfFile(boolean is64, long entry, List<ProgramHeader> loads, List<NoteSegment> noteSegments) {
    /** More program headers than any kernel has; the cap bounds work on a hostile header table. */
    static final int MAX_PROGRAM_HEADERS = 64;
    /** Enough for any kernel's notes; bounds the work on a hostile note segment. */
    static final int MAX_NOTES = 1024;
    /** Xen's public/elfnote.h: the 32-bit physical entry of a PVH kernel. */
    static final int XEN_ELFNOTE_PHYS32_ENTRY = 18;

    private static final int EI_CLASS = 4;
    private static final int EI_DATA = 5;
    private static final int EI_VERSION = 6;
    private static final int ELFCLASS32 = 1;
    private static final int ELFCLASS64 = 2;
    private static final int ELFDATA2LSB = 1;
    private static final int ET_EXEC = 2;
    private static final int ET_DYN = 3;
    private static final int EM_386 = 3;
    private static final int EM_X86_64 = 62;
    private static final int PT_LOAD = 1;
    private static final int PT_NOTE = 4;

    /** One PT_LOAD program header, already checked against the file. */
    public record ProgramHeader(int index, long offset, long vaddr, long paddr, long fileSize, long memSize) {
        /** The address just past the last byte the segment occupies in memory. */
        public long end() {
            return paddr + memSize;
        }

        /**
         * Where the segment's file bytes start in the image: p_offset means nothing when p_filesz is 0 (a bss-only
         * segment), and was only checked against the file otherwise, so it is 0 then.
         */
        public int fileOffset() {
            return fileSize == 0 ? 0 : (int) offset;
        }

        LoadSegment segment(byte[] image) {
            return new LoadSegment("ELF PT_LOAD segment " + index, paddr, image, fileOffset(), (int) fileSize, memSize);
        }
    }

    /** A PT_NOTE program header: where its notes are in the file. */
    public record NoteSegment(int index, long offset, long size) {
    }

    /**
     * What a kernel's notes say about booting it.
     *
     * @param pvhEntry the 32-bit physical PVH entry point of the Xen note XEN_ELFNOTE_PHYS32_ENTRY, if any
     * @param linux    whether the image carries notes owned by "Linux" (every vmlinux does: LINUX_ELFNOTE)
     */
    public record KernelNotes(OptionalLong pvhEntry, boolean linux) {
    }

    public ElfFile {
        loads = List.copyOf(loads);
        noteSegments = List.copyOf(noteSegments);
    }

    static boolean hasMagic(byte[] image) {
        return image.length >= 4 && image[0] == 0x7f && image[1] == 'E' && image[2] == 'L' && image[3] == 'F';
    }

    /** True when {@code image} starts like an ELF64 little-endian x86-64 file. */
    public static boolean isElf64X86(byte[] image) {
        return image.length >= 64 && hasMagic(image) && image[EI_CLASS] == ELFCLASS64 && image[EI_DATA] == ELFDATA2LSB
                && new ImageBytes(image).u16(18, "ELF e_machine") == EM_X86_64;
    }

    /** The mode an ELF of this class is entered in when loaded as plain ELF. */
    EntryMode naturalMode() {
        return is64 ? EntryMode.LONG_64 : EntryMode.PROTECTED_32;
    }

    /** Parses an ELF32 or ELF64 x86 executable; throws {@link ImageException} saying what is wrong with it. */
    public static ElfFile parse(byte[] image) {
        if (!hasMagic(image)) {
            throw new ImageException("not an ELF image: the first bytes are not the ELF magic 7f 45 4c 46");
        }
        ImageBytes in = new ImageBytes(image);
        int elfClass = in.u8(EI_CLASS, "ELF e_ident[EI_CLASS]");
        boolean is64 = switch (elfClass) {
            case ELFCLASS32 -> false;
            case ELFCLASS64 -> true;
            default -> throw new ImageException("ELF: unknown class e_ident[EI_CLASS] = " + elfClass
                    + " (1 is ELF32, 2 is ELF64)");
        };
        int data = in.u8(EI_DATA, "ELF e_ident[EI_DATA]");
        if (data != ELFDATA2LSB) {
            throw new ImageException("ELF: e_ident[EI_DATA] = " + data + ", but x86 images are little-endian (1)");
        }
        int version = in.u8(EI_VERSION, "ELF e_ident[EI_VERSION]");
        if (version != 1) {
            throw new ImageException("ELF: e_ident[EI_VERSION] = " + version + ", expected 1");
        }
        int headerSize = is64 ? 64 : 52;
        if (!in.has(0, headerSize)) {
            throw new ImageException("ELF header truncated: an ELF" + (is64 ? "64" : "32") + " header is "
                    + headerSize + " bytes, but the image is only " + image.length + " bytes long");
        }
        int type = in.u16(16, "ELF e_type");
        switch (type) {
            case ET_EXEC -> { }
            case ET_DYN -> throw new ImageException("ELF: e_type is ET_DYN (a position-independent executable or "
                    + "shared object), which has no fixed load address; link the guest as ET_EXEC (-no-pie)");
            default -> throw new ImageException("ELF: e_type = " + type + " is not an executable (ET_EXEC = 2)");
        }
        int machine = in.u16(18, "ELF e_machine");
        int expected = is64 ? EM_X86_64 : EM_386;
        if (machine != expected) {
            throw new ImageException("ELF: e_machine = " + machine + ", but an ELF" + (is64 ? "64" : "32")
                    + " x86 image has " + (is64 ? "EM_X86_64 (62)" : "EM_386 (3)"));
        }
        long entry = is64 ? in.u64(24, "ELF e_entry") : in.u32(24, "ELF e_entry");
        long phoff = is64 ? in.u64(32, "ELF e_phoff") : in.u32(28, "ELF e_phoff");
        int phentsize = in.u16(is64 ? 54 : 42, "ELF e_phentsize");
        int phnum = in.u16(is64 ? 56 : 44, "ELF e_phnum");
        checkHeaderTable(in, is64, phoff, phentsize, phnum);
        return new ElfFile(is64, entry, readLoads(in, is64, phoff, phentsize, phnum),
                noteSegments(in, is64, phoff, phentsize, phnum));
    }

    private static void checkHeaderTable(ImageBytes in, boolean is64, long phoff, int phentsize, int phnum) {
        if (phnum == 0) {
            throw new ImageException("ELF has no program headers (e_phnum = 0), so nothing to load");
        }
        if (phnum > MAX_PROGRAM_HEADERS) {
            throw new ImageException("ELF: e_phnum = " + phnum + " program headers; Javisor accepts at most "
                    + MAX_PROGRAM_HEADERS);
        }
        int minEntry = is64 ? 56 : 32;
        if (phentsize < minEntry) {
            throw new ImageException("ELF: e_phentsize = " + phentsize + ", smaller than an ELF"
                    + (is64 ? "64" : "32") + " program header (" + minEntry + " bytes)");
        }
        long tableSize = (long) phentsize * phnum;
        if (!in.has(phoff, tableSize)) {
            throw new ImageException("ELF: program header table " + Hex.range(phoff, tableSize) + " (e_phoff "
                    + Hex.of(phoff) + ", " + phnum + " x " + phentsize + " bytes) lies outside the "
                    + in.length() + "-byte image");
        }
    }

    private static List<ProgramHeader> readLoads(ImageBytes in, boolean is64, long phoff, int phentsize, int phnum) {
        List<ProgramHeader> loads = new ArrayList<>();
        for (int i = 0; i < phnum; i++) {
            long at = phoff + (long) i * phentsize;
            if (in.u32(at, "ELF p_type") != PT_LOAD) {
                continue;
            }
            ProgramHeader ph = is64
                    ? new ProgramHeader(i, in.u64(at + 8, "p_offset"), in.u64(at + 16, "p_vaddr"),
                            in.u64(at + 24, "p_paddr"), in.u64(at + 32, "p_filesz"), in.u64(at + 40, "p_memsz"))
                    : new ProgramHeader(i, in.u32(at + 4, "p_offset"), in.u32(at + 8, "p_vaddr"),
                            in.u32(at + 12, "p_paddr"), in.u32(at + 16, "p_filesz"), in.u32(at + 20, "p_memsz"));
            check(ph, in);
            if (ph.memSize() != 0) { // an empty PT_LOAD occupies nothing
                loads.add(ph);
            }
        }
        if (loads.isEmpty()) {
            throw new ImageException("ELF has no PT_LOAD segment with a non-zero p_memsz, so nothing to load");
        }
        return loads;
    }

    private static List<NoteSegment> noteSegments(ImageBytes in, boolean is64, long phoff, int phentsize,
                                                  int phnum) {
        List<NoteSegment> notes = new ArrayList<>();
        for (int i = 0; i < phnum; i++) {
            long at = phoff + (long) i * phentsize;
            if (in.u32(at, "ELF p_type") == PT_NOTE) {
                notes.add(new NoteSegment(i, is64 ? in.u64(at + 8, "p_offset") : in.u32(at + 4, "p_offset"),
                        is64 ? in.u64(at + 32, "p_filesz") : in.u32(at + 16, "p_filesz")));
            }
        }
        return notes;
    }

    /** The boot notes of {@code image} (this file's bytes), every note checked against its segment and the file. */
    public KernelNotes kernelNotes(byte[] image) {
        ImageBytes in = new ImageBytes(image);
        OptionalLong pvh = OptionalLong.empty();
        boolean linux = false;
        for (NoteSegment n : noteSegments) {
            if (!in.has(n.offset(), n.size())) {
                throw new ImageException("ELF program header " + n.index() + " (PT_NOTE): bytes "
                        + Hex.range(n.offset(), n.size()) + " run past the end of the " + in.length() + "-byte image");
            }
            KernelNotes k = readNotes(in, n.offset(), n.size());
            pvh = k.pvhEntry().isPresent() ? k.pvhEntry() : pvh;
            linux |= k.linux();
        }
        return new KernelNotes(pvh, linux);
    }

    /** The notes of one PT_NOTE segment (ELF gABI "Note Section": namesz, descsz, type, name, desc). */
    private static KernelNotes readNotes(ImageBytes in, long from, long length) {
        OptionalLong pvh = OptionalLong.empty();
        boolean linux = false;
        long at = from;
        long end = from + length;
        for (int n = 0; n < MAX_NOTES && end - at >= 12; n++) {
            long nameSize = in.u32(at, "ELF note n_namesz");
            long descSize = in.u32(at + 4, "ELF note n_descsz");
            long type = in.u32(at + 8, "ELF note n_type");
            long nameAt = at + 12;
            long descAt = nameAt + align4(nameSize);
            long next = descAt + align4(descSize);
            if (next > end) {
                throw new ImageException("ELF note at file offset " + Hex.of(at) + " (namesz " + nameSize
                        + ", descsz " + descSize + ") runs past the end of its PT_NOTE segment");
            }
            String name = nameSize == 0 ? ""
                    : new String(in.data(), (int) nameAt, (int) nameSize - 1, StandardCharsets.ISO_8859_1);
            if (name.equals("Linux")) {
                linux = true;
            } else if (name.equals("Xen") && type == XEN_ELFNOTE_PHYS32_ENTRY) {
                if (descSize != 4 && descSize != 8) {
                    throw new ImageException("Xen PVH entry note (XEN_ELFNOTE_PHYS32_ENTRY) has a " + descSize
                            + "-byte value; expected 4 or 8");
                }
                long value = descSize == 4 ? in.u32(descAt, "PVH entry") : in.u64(descAt, "PVH entry");
                if (Long.compareUnsigned(value, 0xffff_ffffL) > 0) {
                    throw new ImageException("Xen PVH entry point " + Hex.of(value)
                            + " is above 4 GiB, but PVH starts in 32-bit mode with paging off");
                }
                pvh = OptionalLong.of(value);
            }
            at = next;
        }
        return new KernelNotes(pvh, linux);
    }

    private static long align4(long v) {
        return (v + 3) & ~3L;
    }

    private static void check(ProgramHeader ph, ImageBytes in) {
        String what = "ELF program header " + ph.index() + " (PT_LOAD at p_paddr " + Hex.of(ph.paddr()) + ")";
        if (Long.compareUnsigned(ph.fileSize(), ph.memSize()) > 0) {
            throw new ImageException(what + ": p_filesz " + Hex.of(ph.fileSize()) + " is larger than p_memsz "
                    + Hex.of(ph.memSize()));
        }
        if (ph.fileSize() != 0 && !in.has(ph.offset(), ph.fileSize())) {
            throw new ImageException(what + ": file bytes " + Hex.range(ph.offset(), ph.fileSize())
                    + " (p_offset, p_filesz) run past the end of the " + in.length() + "-byte image");
        }
        if (ph.memSize() != 0 && Long.compareUnsigned(ph.paddr() + ph.memSize(), ph.paddr()) <= 0) {
            throw new ImageException(what + ": p_paddr + p_memsz " + Hex.range(ph.paddr(), ph.memSize())
                    + " wraps past the top of the 64-bit address space");
        }
    }

    /** The segments to load, at their physical addresses (paging is off or identity-mapped at entry). */
    List<LoadSegment> segments(byte[] image) {
        return loads.stream().map(ph -> ph.segment(image)).toList();
    }

    /**
     * The physical entry point. e_entry is a virtual address: if it falls in a segment's virtual range it
     * is moved by that segment's p_paddr - p_vaddr (as GRUB does, so higher-half kernels boot); failing
     * that it is taken as physical (e.g. vmlinux, whose e_entry is the physical startup_64). Either way it
     * must point at bytes loaded from the file.
     */
    public long physicalEntry() {
        for (ProgramHeader ph : loads) {
            if (Long.compareUnsigned(entry, ph.vaddr()) >= 0 && Long.compareUnsigned(entry - ph.vaddr(), ph.fileSize()) < 0) {
                return entry - ph.vaddr() + ph.paddr();
            }
        }
        for (ProgramHeader ph : loads) {
            if (Long.compareUnsigned(entry, ph.paddr()) >= 0 && Long.compareUnsigned(entry - ph.paddr(), ph.fileSize()) < 0) {
                return entry;
            }
        }
        throw new ImageException("ELF entry point e_entry " + Hex.of(entry)
                + " is not inside the file bytes of any PT_LOAD segment " + describeLoads());
    }

    /** True when {@code physical} is one of the bytes loaded from the file. */
    public boolean holdsFileByte(long physical) {
        return loads.stream().anyMatch(ph -> Long.compareUnsigned(physical, ph.paddr()) >= 0
                && Long.compareUnsigned(physical - ph.paddr(), ph.fileSize()) < 0);
    }

    /** The lowest physical address a segment occupies. */
    public long start() {
        return loads.stream().mapToLong(ProgramHeader::paddr)
                .reduce((a, b) -> Long.compareUnsigned(a, b) <= 0 ? a : b).orElseThrow();
    }

    /** The address just past the highest byte a segment occupies. */
    public long end() {
        return loads.stream().mapToLong(ProgramHeader::end)
                .reduce((a, b) -> Long.compareUnsigned(a, b) >= 0 ? a : b).orElseThrow();
    }

    private String describeLoads() {
        List<String> parts = new ArrayList<>();
        for (ProgramHeader ph : loads) {
            parts.add("#" + ph.index() + " vaddr " + Hex.range(ph.vaddr(), ph.fileSize())
                    + " paddr " + Hex.range(ph.paddr(), ph.fileSize()));
        }
        return "(" + String.join(", ", parts) + ")";
    }

    /** The kernel as loaded: PT_LOAD segments and the physical entry point. */
    KernelImage kernel(byte[] image) {
        return new KernelImage(segments(image), physicalEntry());
    }
}
