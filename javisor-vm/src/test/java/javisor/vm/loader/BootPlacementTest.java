package javisor.vm.loader;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.ArrayList;
import java.util.List;
import java.util.Optional;

import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

import javisor.memory.GuestAddress;
import javisor.memory.GuestMemory;
import javisor.sys.kvm.Regs;
import javisor.vcpu.BootCpuState;
import javisor.vcpu.BootTables;
import javisor.vcpu.EntryMode;

/**
 * The GDT, the Multiboot information and the long-mode page tables go where the image, its bss and its module
 * are not: their usual place, else the lowest free page in conventional memory, else after the image.
 */
class BootPlacementTest {
    private final GuestMemory memory = TestMemory.standard();

    @AfterEach
    void close() {
        memory.close();
    }

    private static final LoadRequest AUTO = LoadRequest.of(ImageFormat.AUTO, GuestAddress.ZERO, GuestAddress.ZERO);
    private static final long INFO_SIZE = BootLayout.BOOT_DATA.size();
    /** The Multiboot header (flags: memory information), then the code. */
    private static final byte[] LOW_TEXT = Bytes.concat(MultibootImages.header(0x2), Bytes.pattern(0x100, 9));

    /**
     * A Multiboot ELF32 linked at 0x8000, as guests/src/low8000.S: the header first, the entry after it, and
     * {@code memSize} bytes in all, so with 0x7000 its bss covers [0x9000, 0xf000), the page tables' usual place.
     */
    private static byte[] linkedAt0x8000(long memSize) {
        return ElfBuilder.elf32().entry(0x800c).load(0x8000, LOW_TEXT, memSize).build();
    }

    private static long rbx(BootSpec spec) {
        return spec.registers().get(Regs.Reg.RBX);
    }

    private static boolean overlap(long start, long size, long otherStart, long otherEnd) {
        return start < otherEnd && otherStart < start + size;
    }

    @Test
    void aMultibootImageLinkedAt0x8000LoadsAndItsBootDataGoElsewhere() {
        byte[] image = linkedAt0x8000(0x7000);

        BootSpec spec = ImageLoader.load(memory, image, AUTO.withCmdline("low"));

        assertThat(spec.format()).isEqualTo(ImageFormat.MULTIBOOT);
        assertThat(spec.mode()).isEqualTo(EntryMode.PROTECTED_32);
        assertThat(spec.entry()).isEqualTo(GuestAddress.of(0x800c));
        assertThat(spec.imageStart()).isEqualTo(GuestAddress.of(0x8000));
        assertThat(spec.imageEnd()).isEqualTo(GuestAddress.of(0xf000));
        assertThat(spec.tables()).as("a 32-bit entry: a GDT, no page tables")
                .isEqualTo(BootTables.gdtOnly(GuestAddress.of(0x500)));
        long gdt = spec.tables().gdt().orElseThrow().value();
        assertThat(overlap(gdt, BootCpuState.GDT_SIZE, 0x8000, 0xf000)).as("GDT on the image").isFalse();
        assertThat(overlap(rbx(spec), INFO_SIZE, 0x8000, 0xf000)).as("Multiboot information on the image").isFalse();
        assertThat(overlap(rbx(spec), INFO_SIZE, gdt, gdt + BootCpuState.GDT_SIZE)).isFalse();
        assertThat(rbx(spec)).as("its usual place, which the image leaves free").isEqualTo(0x6000);
        assertThat(TestMemory.read(memory, 0x8000, LOW_TEXT.length)).isEqualTo(LOW_TEXT);
        MultibootInfoReader info = MultibootInfoReader.read(memory, rbx(spec));
        assertThat(info.cmdline()).isEqualTo("low");
        assertThat(info.bootLoaderName()).isEqualTo("Javisor");
    }

    @Test
    void theMultibootInformationLeavesItsUsualPlaceForAnImageThere() {
        byte[] image = MultibootImages.aoutKernel(0x6000, Bytes.pattern(0x100, 1), 0x1000);

        BootSpec spec = ImageLoader.load(memory, image, AUTO.withCmdline("moved"));

        assertThat(rbx(spec)).as("the lowest free page of conventional memory").isEqualTo(0x1000);
        MultibootInfoReader info = MultibootInfoReader.read(memory, 0x1000);
        assertThat(info.cmdline()).isEqualTo("moved");
        for (int field : List.of(16, 24, 48, 64)) { // cmdline, mods_addr, mmap_addr, boot_loader_name
            long p = Integer.toUnsignedLong(memory.readU32(GuestAddress.of(0x1000 + field)));
            assertThat(p).as("field at +%d points into the moved block", field).isBetween(0x1000L, 0x3000L - 1);
        }
        assertThat(TestMemory.read(memory, 0x6000, image.length)).as("the image intact").isEqualTo(image);
    }

    @Test
    void aModuleAtTheUsualPlaceMovesTheMultibootInformationToo() {
        byte[] ramdisk = Bytes.pattern(0x1800, 4);
        byte[] image = MultibootImages.aoutKernel(0x100000, Bytes.pattern(0x100, 1), 0);

        BootSpec spec = ImageLoader.load(memory, image, AUTO.withRamdisk(ramdisk, Optional.of(GuestAddress.of(0x6000))));

        assertThat(rbx(spec)).isEqualTo(0x1000);
        assertThat(MultibootInfoReader.read(memory, 0x1000).modules())
                .containsExactly(new MultibootInfoReader.Module(0x6000, 0x7800, ""));
        assertThat(TestMemory.read(memory, 0x6000, ramdisk.length)).isEqualTo(ramdisk);
    }

    @Test
    void elf32GetsNoPageTablesSoItMayLoadWhereTheyUsuallyGo() {
        byte[] image = ElfBuilder.elf32().entry(0x9000).load(0x9000, Bytes.pattern(0x100, 1), 0x6000).build();

        BootSpec spec = ImageLoader.load(memory, image, AUTO);

        assertThat(spec.mode()).isEqualTo(EntryMode.PROTECTED_32);
        assertThat(spec.tables()).isEqualTo(BootTables.gdtOnly(GuestAddress.of(0x500)));
        assertThat(TestMemory.read(memory, 0x9000, 0x100)).isEqualTo(Bytes.pattern(0x100, 1));
    }

    @Test
    void elf64PageTablesLeaveTheirUsualPlaceForAnImageThere() {
        byte[] image = ElfBuilder.elf64().entry(0x8000).load(0x8000, Bytes.pattern(0x100, 1), 0x4000).build();

        BootSpec spec = ImageLoader.load(memory, image, AUTO);

        assertThat(spec.mode()).isEqualTo(EntryMode.LONG_64);
        assertThat(spec.tables()).as("page tables in the lowest 0x6000 free bytes, [0x1000, 0x7000)")
                .isEqualTo(BootTables.withPageTables(GuestAddress.of(0x500), GuestAddress.of(0x1000)));
        assertThat(TestMemory.read(memory, 0x8000, 0x100)).isEqualTo(Bytes.pattern(0x100, 1));
    }

    @Test
    void withNoRamBelowOneMibTheBootDataGoAfterTheImage() {
        try (GuestMemory highOnly = TestMemory.of(0x100000, 0x100000)) {
            byte[] image = MultibootImages.aoutKernel(0x100000, Bytes.pattern(0x100, 1), 0x10);

            BootSpec spec = ImageLoader.load(highOnly, image, AUTO.withCmdline("high"));

            assertThat(spec.tables()).isEqualTo(BootTables.gdtOnly(GuestAddress.of(0x101000)));
            assertThat(rbx(spec)).as("after the image and the GDT").isEqualTo(0x102000);
            assertThat(MultibootInfoReader.read(highOnly, 0x102000).cmdline()).isEqualTo("high");
        }
    }

    @Test
    void anImageFillingConventionalMemoryPushesTheBootDataPastItsEnd() {
        byte[] image = MultibootImages.aoutKernel(0x1000, Bytes.pattern(0x100, 1), 0x9f000 - 0x120);

        BootSpec spec = ImageLoader.load(memory, image, AUTO);

        assertThat(spec.imageEnd()).isEqualTo(GuestAddress.of(0xa0000));
        assertThat(rbx(spec)).isEqualTo(0xa0000);
    }

    @Test
    void theBootStructuresNeverOverlapTheImageOrEachOther() {
        for (long link = 0x1000; link < 0x20000; link += 0x800) {
            for (long memSize : new long[] {0x100, 0x1000, 0x2800, 0x6000, 0x9000}) {
                for (boolean is64 : new boolean[] {false, true}) {
                    byte[] image = (is64 ? ElfBuilder.elf64() : ElfBuilder.elf32()).entry(link)
                            .load(link, Bytes.pattern(0x40, 2), memSize).build();
                    BootSpec spec = ImageLoader.load(memory, image, AUTO);
                    List<long[]> ranges = new ArrayList<>(List.of(new long[] {link, link + memSize}));
                    long gdt = spec.tables().gdt().orElseThrow().value();
                    ranges.add(new long[] {gdt, gdt + BootCpuState.GDT_SIZE});
                    spec.tables().pageTables().ifPresent(p -> ranges.add(
                            new long[] {p.value(), p.value() + BootCpuState.PAGE_TABLES_SIZE}));
                    assertThat(spec.tables().pageTables().isPresent()).isEqualTo(is64);
                    for (int i = 0; i < ranges.size(); i++) {
                        for (int k = i + 1; k < ranges.size(); k++) {
                            assertThat(overlap(ranges.get(i)[0], ranges.get(i)[1] - ranges.get(i)[0],
                                    ranges.get(k)[0], ranges.get(k)[1]))
                                    .as("image at 0x%x, 0x%x bytes, %s", link, memSize, spec.tables()).isFalse();
                        }
                    }
                    memory.zero(GuestAddress.ZERO, TestMemory.RAM_SIZE);
                }
            }
        }
    }

    @Test
    void multibootImagesInEveryLowSlotKeepTheirBootDataClear() {
        for (long link = 0x1000; link < 0x20000; link += 0x1000) {
            byte[] image = MultibootImages.aoutKernel(link, Bytes.pattern(0x100, 3), 0x1800);
            long end = link + image.length + 0x1800;

            BootSpec spec = ImageLoader.load(memory, image, AUTO);

            long gdt = spec.tables().gdt().orElseThrow().value();
            assertThat(overlap(rbx(spec), INFO_SIZE, link, end)).as("info, image at 0x%x", link).isFalse();
            assertThat(overlap(gdt, BootCpuState.GDT_SIZE, link, end)).as("GDT, image at 0x%x", link).isFalse();
            assertThat(overlap(rbx(spec), INFO_SIZE, gdt, gdt + BootCpuState.GDT_SIZE)).isFalse();
            assertThat(TestMemory.read(memory, link, image.length)).isEqualTo(image);
            memory.zero(GuestAddress.ZERO, TestMemory.RAM_SIZE);
        }
    }
}
