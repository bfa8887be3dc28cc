package javisor.vm.loader;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.junit.jupiter.api.Named.named;
import static org.junit.jupiter.params.provider.Arguments.arguments;

import java.util.Arrays;
import java.util.List;
import java.util.Optional;
import java.util.stream.Stream;

import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

import javisor.memory.GuestAddress;
import javisor.memory.GuestMemory;
import javisor.memory.GuestRegion;
import javisor.memory.RegionFlags;

/** Every broken image is an ImageException naming the problem, and leaves guest memory untouched. */
class HostileImageTest {
    private final GuestMemory memory = TestMemory.standard();

    @AfterEach
    void close() {
        memory.close();
    }

    private static final LoadRequest AUTO = request(ImageFormat.AUTO);
    private static final LoadRequest ELF = request(ImageFormat.ELF);
    private static final LoadRequest MB = request(ImageFormat.MULTIBOOT);

    private static LoadRequest request(ImageFormat format) {
        return LoadRequest.of(format, GuestAddress.of(0x7c00), GuestAddress.of(0x7c00));
    }

    private static LoadRequest raw(long load, long entry) {
        return LoadRequest.of(ImageFormat.RAW, GuestAddress.of(load), GuestAddress.of(entry));
    }

    /** A valid ELF64: one 0x100-byte PT_LOAD at 0x100000, program header 0 at file offset 64. */
    private static byte[] elf64() {
        return ElfBuilder.elf64().entry(0x100000).load(0x100000, Bytes.pattern(0x100, 1), 0x100).build();
    }

    private static byte[] elf64(long paddr, int fileSize, long memSize, long entry) {
        return ElfBuilder.elf64().entry(entry).load(paddr, Bytes.pattern(fileSize, 1), memSize).build();
    }

    private static byte[] aout(long headerAddr, long loadAddr, long loadEnd, long bssEnd, long entry) {
        return Bytes.concat(MultibootImages.aoutHeader(0, headerAddr, loadAddr, loadEnd, bssEnd, entry),
                Bytes.pattern(0x40, 1));
    }

    private static byte[] kernel() {
        return MultibootImages.aoutKernel(0x100000, Bytes.pattern(0x100, 1), 0);
    }

    // ELF64 header and program header 0 field offsets.
    private static final int E_PHOFF = 32;
    private static final int E_PHENTSIZE = 54;
    private static final int E_PHNUM = 56;
    private static final int P_OFFSET = 64 + 8;
    private static final int P_PADDR = 64 + 24;
    private static final int P_FILESZ = 64 + 32;
    private static final int P_MEMSZ = 64 + 40;

    private static Arguments row(String name, byte[] image, LoadRequest request, String message) {
        return arguments(named(name, image), request, message);
    }

    static Stream<Arguments> hostile() {
        return Stream.of(
                row("empty image", new byte[0], AUTO, "empty"),
                // ELF headers
                row("ELF header cut short", Arrays.copyOf(elf64(), 40), ELF, "ELF header truncated"),
                row("only the ELF magic", Arrays.copyOf(elf64(), 4), AUTO, "image truncated"),
                row("unknown ELF class", Bytes.patch(elf64(), 4, 1, 3), ELF, "unknown class"),
                row("big-endian ELF", Bytes.patch(elf64(), 5, 1, 2), ELF, "little-endian"),
                row("bad ELF version", Bytes.patch(elf64(), 6, 1, 0), ELF, "EI_VERSION"),
                row("ET_DYN", Bytes.patch(elf64(), 16, 2, 3), ELF, "ET_DYN"),
                row("ET_REL", Bytes.patch(elf64(), 16, 2, 1), ELF, "not an executable"),
                row("ELF64 with EM_386", ElfBuilder.elf64().machine(3).entry(0x100000)
                        .load(0x100000, new byte[16], 16).build(), ELF, "e_machine"),
                row("ELF32 with EM_X86_64", ElfBuilder.elf32().machine(62).entry(0x100000)
                        .load(0x100000, new byte[16], 16).build(), ELF, "e_machine"),
                row("no program headers", Bytes.patch(elf64(), E_PHNUM, 2, 0), ELF, "no program headers"),
                row("absurd e_phnum", Bytes.patch(elf64(), E_PHNUM, 2, 0xffff), ELF, "at most 64"),
                row("e_phoff past the end", Bytes.patch(elf64(), E_PHOFF, 8, 0x10000), ELF, "program header table"),
                row("e_phoff negative as signed", Bytes.patch(elf64(), E_PHOFF, 8, -8), ELF, "program header table"),
                row("table running past the end", Bytes.patch(elf64(), E_PHNUM, 2, 40), ELF, "program header table"),
                row("e_phentsize too small", Bytes.patch(elf64(), E_PHENTSIZE, 2, 16), ELF, "e_phentsize"),
                // PT_LOAD segments
                row("p_filesz past the end", Bytes.patch(Bytes.patch(elf64(), P_FILESZ, 8, 0x10000), P_MEMSZ, 8, 0x10000),
                        ELF, "run past the end"),
                row("p_offset past the end", Bytes.patch(elf64(), P_OFFSET, 8, -1), ELF, "run past the end"),
                row("p_filesz above p_memsz", Bytes.patch(elf64(), P_MEMSZ, 8, 0x10), ELF, "larger than p_memsz"),
                row("p_memsz larger than RAM", Bytes.patch(elf64(), P_MEMSZ, 8, 1L << 40), ELF,
                        "more than all of guest RAM"),
                row("p_memsz near 2^64", Bytes.patch(elf64(), P_MEMSZ, 8, -0x10), ELF, "wraps past the top"),
                row("p_paddr + p_memsz wraps", Bytes.patch(Bytes.patch(elf64(), P_PADDR, 8, 0xffff_ffff_ffff_f000L),
                        P_MEMSZ, 8, 0x2000), ELF, "wraps past the top"),
                row("segment outside guest RAM", elf64(0x300000, 0x100, 0x100, 0x300000), ELF, "not inside guest RAM"),
                row("segment running off the end of RAM", elf64(0x1ff000, 0x100, 0x2000, 0x1ff000), ELF,
                        "not inside guest RAM"),
                row("overlapping PT_LOADs", ElfBuilder.elf64().entry(0x100000)
                        .load(0x100000, new byte[0x100], 0x1000).load(0x100800, new byte[0x100], 0x100).build(),
                        ELF, "overlaps"),
                row("PT_LOAD inside a longer one", ElfBuilder.elf64().entry(0x100000)
                        .load(0x100000, new byte[0x100], 0x10000).load(0x101000, new byte[0x100], 0x100)
                        .load(0x102000, new byte[0x100], 0x100).build(), ELF, "overlaps"),
                row("no PT_LOAD", ElfBuilder.elf64().entry(0x100000).segment(new ElfBuilder.Segment(
                        ElfBuilder.PT_NOTE, 0x100000, 0x100000, new byte[16], 16)).build(), ELF, "no PT_LOAD"),
                row("only an empty PT_LOAD", elf64(0x100000, 0, 0, 0x100000), ELF, "no PT_LOAD"),
                row("entry outside every segment", elf64(0x100000, 0x100, 0x100, 0x180000), ELF,
                        "not inside the file bytes"),
                row("entry in bss", elf64(0x100000, 0x100, 0x1000, 0x100800), ELF, "not inside the file bytes"),
                row("ELF in the low page", elf64(0x800, 0x100, 0x100, 0x800), ELF, "reserved low page"),
                row("ELF64 leaving no room for page tables", elf64(0x1000, 0x100, 0x1ff000, 0x1000), ELF,
                        "no room for the page tables (0x6000 bytes): its usual place [0x9000, 0xf000) overlaps"),
                row("ELF32 segment crossing 4 GiB", ElfBuilder.elf32().entry(0xffff_f000L)
                        .load(0xffff_f000L, new byte[0x100], 0x2000).build(), ELF, "extends above 4 GiB"),
                row("ELF64 entry above 4 GiB", elf64(0x1_0000_0000L, 0x100, 0x100, 0x1_0000_0000L), ELF,
                        "above 4 GiB"),
                row("ELF ramdisk without an address", elf64(), ELF.withRamdisk(new byte[16], Optional.empty()),
                        "no ramdisk address"),
                row("ELF ramdisk in the low page", elf64(),
                        ELF.withRamdisk(new byte[16], Optional.of(GuestAddress.of(0x400))), "reserved low page"),
                row("ELF64 and ramdisk leaving no room for page tables", elf64(0x1000, 0x100, 0x100, 0x1000),
                        ELF.withRamdisk(new byte[0x1fe000], Optional.of(GuestAddress.of(0x2000))),
                        "no room for the page tables (0x6000 bytes)"),
                // RAW
                row("RAW larger than guest RAM", new byte[3 << 20], raw(0, 0), "more than all of guest RAM"),
                row("RAW running off the end of RAM", new byte[0x120000], raw(0xf0000, 0xf0000),
                        "not inside guest RAM"),
                row("RAW entry beyond real mode's reach", new byte[0x200], raw(0x110000, 0x110000),
                        "is beyond 0x10ffef, the highest address 16-bit real mode reaches"),
                row("RAW entry outside the image", new byte[0x200], raw(0x7c00, 0x7000), "not inside the image"),
                row("RAW ramdisk outside RAM", new byte[0x200], raw(0x7c00, 0x7c00)
                        .withRamdisk(new byte[0x100], Optional.of(GuestAddress.of(0x400000))), "not inside guest RAM"),
                row("RAW ramdisk over the image", new byte[0x200], raw(0x7c00, 0x7c00)
                        .withRamdisk(new byte[0x100], Optional.of(GuestAddress.of(0x7d00))), "overlaps"),
                // Multiboot header
                row("bad checksum, explicit Multiboot", Bytes.patch(kernel(), 8, 4, 0), MB, "bad checksum"),
                row("no header, explicit Multiboot", Bytes.pattern(0x100, 1), MB, "no Multiboot header"),
                row("required flag bit 3", Bytes.concat(MultibootImages.aoutHeader(0x8, 0x100000, 0x100000, 0, 0,
                        0x100020), new byte[16]), AUTO, "required bit"),
                row("required flag bit 15", Bytes.concat(MultibootImages.aoutHeader(0x8000, 0x100000, 0x100000, 0, 0,
                        0x100020), new byte[16]), AUTO, "required bit"),
                row("kludge fields past the end", Bytes.concat(new byte[8], Arrays.copyOf(
                        MultibootImages.aoutHeader(0, 0, 0, 0, 0, 0), 20)), AUTO, "end of the image"),
                row("kludge fields past 8 KiB", Bytes.concat(new byte[8180], MultibootImages.aoutHeader(0,
                        0x100000, 0x100000, 0, 0, 0x100000)), AUTO, "first 8192 bytes"),
                row("no kludge and not ELF", Bytes.concat(MultibootImages.header(0), new byte[0x40]), AUTO,
                        "must be ELF"),
                row("no kludge and a broken ELF", Bytes.patch(ElfBuilder.elf32().entry(0x100000)
                        .load(0x100000, MultibootImages.header(0), 12).build(), 44, 2, 0), AUTO, "no program headers"),
                // a.out kludge addresses
                row("load_addr above header_addr", aout(0x100000, 0x100010, 0, 0, 0x100010), AUTO,
                        "is above header_addr"),
                row("text starting before the file", aout(0x100010, 0x100000, 0, 0, 0x100010), AUTO,
                        "before the beginning of the file"),
                row("load_end_addr below load_addr", aout(0x100000, 0x100000, 0xff000, 0, 0x100020), AUTO,
                        "below load_addr"),
                row("load_end_addr past the file", aout(0x100000, 0x100000, 0x200000, 0, 0x100020), AUTO,
                        "past the end"),
                row("bss_end_addr below load_end_addr", aout(0x100000, 0x100000, 0x100040, 0x100010, 0x100020),
                        AUTO, "bss_end_addr"),
                row("kludge loading nothing", aout(0x100000, 0x100000, 0x100000, 0, 0x100000), AUTO,
                        "nothing to load"),
                row("entry_addr outside the kernel", aout(0x100000, 0x100000, 0, 0, 0x180000), AUTO, "entry_addr"),
                row("entry_addr in bss", aout(0x100000, 0x100000, 0, 0x110000, 0x108000), AUTO, "entry_addr"),
                row("bss larger than RAM", aout(0x100000, 0x100000, 0, 0xf000_0000L, 0x100020), AUTO,
                        "more than all of guest RAM"),
                row("kernel in the low page", MultibootImages.aoutKernel(0x100, new byte[0x40], 0), AUTO,
                        "reserved low page"),
                row("kernel leaving no room for the Multiboot information",
                        MultibootImages.aoutKernel(0x1000, new byte[0x40], 0x200000 - 0x1000 - 32 - 0x40), AUTO,
                        "no room for the Multiboot information (0x2000 bytes): its usual place [0x6000, 0x8000) "
                                + "overlaps Multiboot a.out image [0x1000, 0x200000)"),
                // Multiboot info and module
                row("command line too long", kernel(), MB.withCmdline("x".repeat(4096)), "at most 4095"),
                row("command line too long in UTF-8", kernel(), MB.withCmdline("\u00e9".repeat(2048)), "at most 4095"),
                row("command line with a NUL", kernel(), MB.withCmdline("a\0b"), "NUL"),
                row("ramdisk over the kernel", kernel(),
                        MB.withRamdisk(new byte[0x100], Optional.of(GuestAddress.of(0x100000))), "overlaps"),
                row("unaligned ramdisk when asked for alignment", kernel(),
                        MB.withRamdisk(new byte[0x100], Optional.of(GuestAddress.of(0x1c0004))), "page-aligned"),
                row("ramdisk too large", kernel(), MB.withRamdisk(new byte[3 << 20], Optional.empty()),
                        "more than all of guest RAM"),
                row("ramdisk running off RAM", kernel(), MB.withRamdisk(new byte[0x2000],
                        Optional.of(GuestAddress.of(0x1ff000))), "not inside guest RAM"),
                row("ramdisk in the low page", kernel(), MB.withRamdisk(new byte[0x100],
                        Optional.of(GuestAddress.of(0x0))), "reserved low page"),
                row("kernel and ramdisk leaving no room for the Multiboot information",
                        MultibootImages.aoutKernel(0x1000, new byte[0x40], 0x100000 - 0x1000 - 32 - 0x40),
                        MB.withRamdisk(new byte[0x100000], Optional.of(GuestAddress.of(0x100000))),
                        "no room for the Multiboot information (0x2000 bytes)"),
                row("ramdisk above 4 GiB", kernel(), MB.withRamdisk(new byte[0x100],
                        Optional.of(GuestAddress.of(0x1_0000_0000L))), "above 4 GiB"));
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("hostile")
    void isRejectedWithAClearMessage(byte[] image, LoadRequest request, String message) {
        assertThatThrownBy(() -> ImageLoader.load(memory, image, request))
                .isExactlyInstanceOf(ImageException.class)
                .hasMessageContaining(message)
                .hasNoCause();
        assertThat(TestMemory.allZero(memory)).as("guest memory untouched").isTrue();
    }

    @Test
    void rejectsLoadsIntoDeviceRegions() {
        try (GuestMemory withDevice = GuestMemory.of(List.of(
                GuestRegion.allocate(GuestAddress.ZERO, 0x200000, RegionFlags.RWX),
                GuestRegion.allocate(GuestAddress.of(0x200000), 0x1000,
                        new RegionFlags(RegionFlags.READ | RegionFlags.WRITE | RegionFlags.DEVICE))))) {
            byte[] image = elf64(0x200000, 0x100, 0x100, 0x200000);

            assertThatThrownBy(() -> ImageLoader.load(withDevice, image, ELF))
                    .isInstanceOf(ImageException.class).hasMessageContaining("device region");
        }
    }

    @Test
    void rejectsMultibootWhenNoRamIsLeftForTheGdt() {
        try (GuestMemory highOnly = TestMemory.of(0x100000, 0x100000)) {
            byte[] fillsRam = MultibootImages.aoutKernel(0x100000, new byte[0x40], 0x100000 - 32 - 0x40);

            assertThatThrownBy(() -> ImageLoader.load(highOnly, fillsRam, MB))
                    .isExactlyInstanceOf(ImageException.class)
                    .hasMessage("no room for the GDT (0x28 bytes): its usual place [0x500, 0x528) is not all "
                            + "writable RAM; no 4 KiB boundary in conventional memory [0x1000, 0xa0000) leaves it "
                            + "clear of Multiboot a.out image [0x100000, 0x200000) in writable RAM; and at 0x200000, "
                            + "after the highest loaded byte, it is not all writable RAM");
            assertThat(TestMemory.allZero(highOnly)).as("guest memory untouched").isTrue();
        }
    }
}
