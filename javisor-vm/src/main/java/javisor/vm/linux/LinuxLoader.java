package javisor.vm.linux;

import java.lang.foreign.MemorySegment;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import java.util.OptionalLong;

import javisor.memory.GuestAddress;
import javisor.memory.GuestMemory;
import javisor.sys.kvm.Regs;
import javisor.vcpu.EntryMode;
import javisor.vm.loader.ElfFile;
import javisor.vm.loader.ImageException;
import javisor.vm.platform.E820Entry;

/**
 * Loads a Linux kernel with no firmware, as Firecracker does: a bzImage or a vmlinux, the initrd, the command
 * line, and the zero page (64-bit boot protocol) or the PVH start info, then says how to enter it.
 *
 * <p>As the other loaders, it checks everything before writing anything: a kernel that does not fit leaves
 * guest memory untouched and fails with an {@link ImageException} that names the image's field or the
 * guest range at fault.
 */
public final class LinuxLoader {
    /** x86 Linux's COMMAND_LINE_SIZE is 2048 with the NUL; a vmlinux has no header to say otherwise. */
    static final int VMLINUX_MAX_CMDLINE = 2047;
    /** 32-bit PVH code and the 64-bit entry's identity map reach only the low 4 GiB. */
    static final long FOUR_GIB = 1L << 32;
    static final long PAGE = 0x1000;

    private LinuxLoader() {
    }

    /** True when {@code image} is a bzImage, or an x86-64 ELF with Linux's or the PVH ELF notes. */
    public static boolean isLinuxKernel(byte[] image) {
        return detect(image).isPresent();
    }

    /** The kind of Linux image {@code image} is, if it is one. */
    public static Optional<LinuxBoot.Image> detect(byte[] image) {
        if (SetupHeader.hasMagic(image)) {
            return Optional.of(LinuxBoot.Image.BZIMAGE);
        }
        if (ElfFile.isElf64X86(image)) {
            try {
                ElfFile.KernelNotes notes = ElfFile.parse(image).kernelNotes(image);
                if (notes.linux() || notes.pvhEntry().isPresent()) {
                    return Optional.of(LinuxBoot.Image.VMLINUX);
                }
            } catch (ImageException e) {
                return Optional.empty(); // not a kernel we recognise; the ELF loader will say what is wrong
            }
        }
        return Optional.empty();
    }

    /** One piece of the plan: a range and the bytes that go at its start (the rest is zeroed). */
    private record Piece(LoadedRange range, byte[] source, int sourceOffset, int length) {
        static Piece of(String what, long start, byte[] data) {
            return new Piece(new LoadedRange(what, start, data.length), data, 0, data.length);
        }
    }

    /**
     * Loads {@code image} into {@code memory} for {@code request}.
     *
     * @throws ImageException if the image is not a 64-bit Linux kernel, or it, its initrd or command line
     *                        cannot be placed
     */
    public static LinuxBoot load(GuestMemory memory, byte[] image, LinuxBootRequest request) {
        Objects.requireNonNull(memory, "memory");
        Objects.requireNonNull(image, "image");
        Objects.requireNonNull(request, "request");
        if (SetupHeader.hasMagic(image)) {
            return loadBzImage(memory, image, SetupHeader.parse(image), request);
        }
        if (ElfFile.isElf64X86(image)) {
            return loadVmlinux(memory, image, ElfFile.parse(image), request);
        }
        throw new ImageException("not a Linux kernel: neither a bzImage (\"HdrS\" at offset 0x202) nor an ELF64 "
                + "x86-64 vmlinux");
    }

    private static LinuxBoot loadBzImage(GuestMemory memory, byte[] image, SetupHeader h, LinuxBootRequest request) {
        if (request.entry() == LinuxEntry.PVH) {
            throw new ImageException("PVH needs the kernel's XEN_ELFNOTE_PHYS32_ENTRY note, which only the ELF vmlinux "
                    + "carries; a bzImage boots through the 64-bit boot protocol");
        }
        byte[] cmdline = cmdline(request.cmdline(), (int) Math.min(h.cmdlineSize(), LinuxLayout.MAX_CMDLINE_BYTES),
                "the bzImage's cmdline_size");
        int offset = h.protectedModeOffset();
        int length = image.length - offset;
        // boot.rst: a relocatable kernel may go at any kernel_alignment-aligned address, so take the one it
        // prefers and unpack in place; a fixed one goes at 1 MiB and moves itself to pref_address.
        long load = h.relocatable() && h.prefAddress() != 0 && (h.prefAddress() & (h.kernelAlignment() - 1)) == 0
                ? h.prefAddress() : LinuxLayout.BZIMAGE_DEFAULT_LOAD;
        long unpackAt = h.prefAddress() != 0 ? h.prefAddress() : load;
        long start = Math.min(load, unpackAt);
        long end = Math.max(load + length, unpackAt + h.initSize());
        LoadedRange footprint = new LoadedRange("bzImage kernel and the init_size it unpacks into", start, end - start);
        checkKernel(footprint, request);

        List<Piece> plan = new ArrayList<>();
        plan.add(new Piece(new LoadedRange("bzImage protected-mode kernel", load, length), image, offset, length));
        long initrdLimit = Math.min(h.initrdAddrMax() + 1, FOUR_GIB);
        Optional<LoadedRange> initrd = placeInitrd(request, footprint, initrdLimit);
        LoadedRange cmdlineRange = new LoadedRange("command line", LinuxLayout.CMDLINE, cmdline.length);
        byte[] zeroPage = BootParams.build(new BootParams.Contents(Optional.of(h.bytes()), load, LinuxLayout.CMDLINE,
                cmdline.length - 1, initrd, request.rsdp().map(GuestAddress::value), request.e820()));
        return finish(memory, request, plan, initrd, cmdline, new Boot(LinuxBoot.Image.BZIMAGE,
                LinuxEntry.BOOT_PROTOCOL_64, load + LinuxLayout.BZIMAGE_64BIT_ENTRY_OFFSET, footprint,
                Piece.of("zero page", LinuxLayout.ZERO_PAGE, zeroPage), cmdlineRange));
    }

    private static LinuxBoot loadVmlinux(GuestMemory memory, byte[] image, ElfFile elf, LinuxBootRequest request) {
        OptionalLong pvhEntry = elf.kernelNotes(image).pvhEntry();
        boolean pvh = switch (request.entry()) {
            case AUTO -> pvhEntry.isPresent();
            case BOOT_PROTOCOL_64 -> false;
            case PVH -> {
                if (pvhEntry.isEmpty()) {
                    throw new ImageException("PVH was asked for, but the ELF image has no Xen PVH entry note "
                            + "(XEN_ELFNOTE_PHYS32_ENTRY); build the kernel with CONFIG_PVH or use the 64-bit boot protocol");
                }
                yield true;
            }
        };
        byte[] cmdline = cmdline(request.cmdline(), VMLINUX_MAX_CMDLINE, "x86 Linux's COMMAND_LINE_SIZE");
        long entry = pvh ? pvhEntry.getAsLong() : elf.physicalEntry();
        if (!elf.holdsFileByte(entry)) {
            throw new ImageException((pvh ? "PVH" : "ELF") + " entry point 0x" + Long.toHexString(entry)
                    + " is not inside the bytes loaded from the image");
        }
        LoadedRange footprint = new LoadedRange("vmlinux", elf.start(), elf.end() - elf.start());
        List<Piece> plan = new ArrayList<>();
        for (ElfFile.ProgramHeader s : elf.loads()) {
            LoadedRange r = new LoadedRange("vmlinux PT_LOAD segment " + s.index(), s.paddr(), s.memSize());
            checkKernel(r, request);
            plan.add(new Piece(r, image, s.fileOffset(), (int) s.fileSize()));
        }
        checkNoOverlap(plan);
        Optional<LoadedRange> initrd = placeInitrd(request, footprint, FOUR_GIB);
        LoadedRange cmdlineRange = new LoadedRange("command line", LinuxLayout.CMDLINE, cmdline.length);
        Optional<Long> rsdp = request.rsdp().map(GuestAddress::value);
        Piece bootInfo = pvh
                ? Piece.of("PVH start info", LinuxLayout.PVH_START_INFO,
                        PvhStartInfo.build(LinuxLayout.CMDLINE, initrd, rsdp, request.e820()))
                : Piece.of("zero page", LinuxLayout.ZERO_PAGE, BootParams.build(new BootParams.Contents(Optional.empty(),
                        0, LinuxLayout.CMDLINE, cmdline.length - 1, initrd, rsdp, request.e820())));
        return finish(memory, request, plan, initrd, cmdline, new Boot(LinuxBoot.Image.VMLINUX,
                pvh ? LinuxEntry.PVH : LinuxEntry.BOOT_PROTOCOL_64, entry, footprint, bootInfo, cmdlineRange));
    }

    /** What the two image kinds have decided before the common end of the load. */
    private record Boot(LinuxBoot.Image image, LinuxEntry entryKind, long entry, LoadedRange kernel, Piece bootInfo,
                        LoadedRange cmdline) {
    }

    private static LinuxBoot finish(GuestMemory memory, LinuxBootRequest request, List<Piece> plan,
                                    Optional<LoadedRange> initrd, byte[] cmdline, Boot boot) {
        initrd.ifPresent(r -> plan.add(new Piece(r, request.initrd().orElseThrow(), 0, (int) r.size())));
        plan.add(new Piece(boot.cmdline(), cmdline, 0, cmdline.length));
        plan.add(boot.bootInfo());
        for (Piece p : plan) {
            if (!memory.contains(GuestAddress.of(p.range().start()), Math.max(1, p.range().size()))) {
                throw new ImageException(p.range() + " is not inside guest RAM");
            }
        }
        for (Piece p : plan) { // nothing was written before this point
            GuestAddress at = GuestAddress.of(p.range().start());
            memory.write(at, MemorySegment.ofArray(p.source()).asSlice(p.sourceOffset(), p.length()));
            if (p.range().size() > p.length()) {
                memory.zero(at.plus(p.length()), p.range().size() - p.length());
            }
        }
        boolean pvh = boot.entryKind() == LinuxEntry.PVH;
        Map<Regs.Reg, Long> registers = pvh
                ? Map.of(Regs.Reg.RBX, LinuxLayout.PVH_START_INFO)  // PVH ABI: EBX = hvm_start_info
                : Map.of(Regs.Reg.RSI, LinuxLayout.ZERO_PAGE);      // 64-bit protocol: RSI = boot_params
        return new LinuxBoot(boot.image(), boot.entryKind(), pvh ? EntryMode.PROTECTED_32 : EntryMode.LONG_64,
                GuestAddress.of(boot.entry()), registers, boot.kernel(), initrd, boot.cmdline(), boot.bootInfo().range());
    }

    /** The command line with its NUL, refused if it has a NUL inside or is longer than {@code max}. */
    static byte[] cmdline(String cmdline, int max, String limitName) {
        int nul = cmdline.indexOf('\0');
        if (nul >= 0) {
            throw new ImageException("the command line contains a NUL character at index " + nul);
        }
        byte[] text = cmdline.getBytes(StandardCharsets.UTF_8);
        if (text.length > max) {
            throw new ImageException("the command line is " + text.length + " bytes; the kernel takes at most " + max
                    + " (" + limitName + ")");
        }
        byte[] withNul = new byte[text.length + 1];
        System.arraycopy(text, 0, withNul, 0, text.length);
        return withNul;
    }

    /** A kernel range must be usable RAM below 4 GiB, clear of the boot structures. */
    private static void checkKernel(LoadedRange r, LinuxBootRequest request) {
        if (Long.compareUnsigned(r.end(), FOUR_GIB) > 0 || Long.compareUnsigned(r.end(), r.start()) < 0) {
            throw new ImageException(r + " reaches above 4 GiB, beyond the identity map the kernel is entered with");
        }
        checkReserved(r);
        if (!request.e820().isRam(r.start(), r.size())) {
            throw new ImageException(r + " is not inside one usable RAM range of the memory map "
                    + request.e820().ram() + "; give the VM more memory");
        }
    }

    private static void checkReserved(LoadedRange r) {
        for (LinuxLayout.Area a : LinuxLayout.RESERVED) {
            if (r.overlaps(a.start(), a.end())) {
                throw new ImageException(r + " overlaps the " + a + ", where the boot structures go");
            }
        }
    }

    private static void checkNoOverlap(List<Piece> plan) {
        for (int i = 0; i < plan.size(); i++) {
            for (int j = 0; j < i; j++) {
                LoadedRange a = plan.get(i).range();
                LoadedRange b = plan.get(j).range();
                if (a.overlaps(b.start(), b.end())) {
                    throw new ImageException(a + " overlaps " + b);
                }
            }
        }
    }

    /**
     * The initrd goes where the request says, or as high in usable RAM as the kernel allows (boot.rst: "as high
     * as possible"), page-aligned, clear of the kernel's footprint and the boot structures.
     */
    static Optional<LoadedRange> placeInitrd(LinuxBootRequest request, LoadedRange kernel, long limit) {
        if (request.initrd().isEmpty()) {
            return Optional.empty();
        }
        long size = request.initrd().get().length;
        if (size == 0) {
            throw new ImageException("the initrd is empty (0 bytes)");
        }
        if (request.initrdAddress().isPresent()) {
            LoadedRange r = new LoadedRange("initrd", request.initrdAddress().get().value(), size);
            if ((r.start() & (PAGE - 1)) != 0) {
                throw new ImageException("the initrd address 0x" + Long.toHexString(r.start())
                        + " is not page-aligned; the kernel frees the initrd's pages after unpacking it");
            }
            if (Long.compareUnsigned(r.end(), limit) > 0) {
                throw new ImageException(r + " ends above 0x" + Long.toHexString(limit)
                        + ", the highest address the kernel accepts for an initrd");
            }
            checkReserved(r);
            if (r.overlaps(kernel.start(), kernel.end())) {
                throw new ImageException(r + " overlaps the " + kernel);
            }
            if (!request.e820().isRam(r.start(), r.size())) {
                throw new ImageException(r + " is not inside one usable RAM range of the memory map "
                        + request.e820().ram());
            }
            return Optional.of(r);
        }
        List<E820Entry> ram = new ArrayList<>(request.e820().ram());
        for (E820Entry e : ram.reversed()) { // entries are sorted by address: try the highest first
            long top = Long.compareUnsigned(e.end(), limit) > 0 || e.end() == 0 ? limit : e.end();
            while (Long.compareUnsigned(top, e.address()) > 0 && Long.compareUnsigned(top - e.address(), size) >= 0) {
                long at = (top - size) & -PAGE;
                if (Long.compareUnsigned(at, e.address()) < 0) {
                    break;
                }
                LoadedRange r = new LoadedRange("initrd", at, size);
                Optional<LinuxLayout.Area> blocker = blocker(r, kernel);
                if (blocker.isEmpty()) {
                    return Optional.of(r);
                }
                top = blocker.get().start(); // try again just below what is in the way
            }
        }
        throw new ImageException("no room for the " + size + "-byte initrd in usable RAM below 0x"
                + Long.toHexString(limit) + " beside the " + kernel + "; give the VM more memory");
    }

    private static Optional<LinuxLayout.Area> blocker(LoadedRange r, LoadedRange kernel) {
        if (r.overlaps(kernel.start(), kernel.end())) {
            return Optional.of(new LinuxLayout.Area(kernel.what(), kernel.start(), kernel.end()));
        }
        return LinuxLayout.RESERVED.stream().filter(a -> r.overlaps(a.start(), a.end())).findFirst();
    }
}
