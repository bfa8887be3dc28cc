package javisor.vm.loader;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.Map;
import java.util.Optional;

import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

import javisor.memory.GuestAddress;
import javisor.memory.GuestMemory;
import javisor.vcpu.BootTables;
import javisor.vcpu.EntryMode;

class ElfLoadingTest {
    private final GuestMemory memory = TestMemory.standard();

    @AfterEach
    void close() {
        memory.close();
    }

    private static final LoadRequest ELF = LoadRequest.of(ImageFormat.ELF, GuestAddress.ZERO, GuestAddress.ZERO);

    @Test
    void elf32CopiesEachSegmentToItsPhysicalAddress() {
        byte[] text = Bytes.pattern(0x1234, 1);
        byte[] data = Bytes.pattern(0x100, 2);
        byte[] image = ElfBuilder.elf32().entry(0x100000).load(0x100000, text, text.length)
                .load(0x180000, data, data.length).build();

        ImageLoader.load(memory, image, ELF);

        assertThat(TestMemory.read(memory, 0x100000, text.length)).isEqualTo(text);
        assertThat(TestMemory.read(memory, 0x180000, data.length)).isEqualTo(data);
    }

    @Test
    void zeroesTheRestOfEachSegmentUpToItsMemorySize() {
        memory.write(GuestAddress.of(0x100000), Bytes.filled(0x3000, 0xff));
        byte[] text = Bytes.pattern(0x100, 1);
        byte[] image = ElfBuilder.elf32().entry(0x100000).load(0x100000, text, 0x2000).build();

        ImageLoader.load(memory, image, ELF);

        assertThat(TestMemory.read(memory, 0x100100, 0x1f00)).containsOnly(0);
        assertThat(TestMemory.read(memory, 0x102000, 0x1000)).containsOnly(0xff);
    }

    @Test
    void elf32EntersInProtectedMode() {
        byte[] image = ElfBuilder.elf32().entry(0x100010).load(0x100000, Bytes.pattern(0x100, 1), 0x800).build();

        BootSpec spec = ImageLoader.load(memory, image, ELF);

        assertThat(spec).isEqualTo(new BootSpec(ImageFormat.ELF, EntryMode.PROTECTED_32, GuestAddress.of(0x100010),
                Map.of(), GuestAddress.of(0x100000), GuestAddress.of(0x100800),
                BootTables.gdtOnly(GuestAddress.of(0x500))));
    }

    @Test
    void elf64EntersInLongMode() {
        byte[] image = ElfBuilder.elf64().entry(0x100000).load(0x100000, Bytes.pattern(0x100, 1), 0x100).build();

        BootSpec spec = ImageLoader.load(memory, image, ELF);

        assertThat(spec.mode()).isEqualTo(EntryMode.LONG_64);
        assertThat(spec.entry()).isEqualTo(GuestAddress.of(0x100000));
        assertThat(spec.registers()).isEmpty();
        assertThat(spec.tables()).as("the usual places, which an image at 1 MiB leaves free")
                .isEqualTo(BootTables.withPageTables(GuestAddress.of(0x500), GuestAddress.of(0x9000)));
    }

    @Test
    void imageSpanCoversAllSegmentsIncludingBss() {
        byte[] image = ElfBuilder.elf64().entry(0x100000)
                .load(0x180000, Bytes.pattern(0x10, 1), 0x4000)
                .load(0x100000, Bytes.pattern(0x10, 2), 0x10).build();

        BootSpec spec = ImageLoader.load(memory, image, ELF);

        assertThat(spec.imageStart()).isEqualTo(GuestAddress.of(0x100000));
        assertThat(spec.imageEnd()).isEqualTo(GuestAddress.of(0x184000));
    }

    @Test
    void higherHalfEntryIsMovedToItsPhysicalAddress() {
        byte[] text = Bytes.pattern(0x200, 1);
        byte[] image = ElfBuilder.elf64().entry(0xffff_ffff_8000_0040L)
                .segment(new ElfBuilder.Segment(ElfBuilder.PT_LOAD, 0xffff_ffff_8000_0000L, 0x100000,
                        text, text.length))
                .build();

        BootSpec spec = ImageLoader.load(memory, image, ELF);

        assertThat(spec.entry()).isEqualTo(GuestAddress.of(0x100040));
        assertThat(TestMemory.read(memory, 0x100000, text.length)).isEqualTo(text);
    }

    @Test
    void physicalEntryIsAcceptedWhenNoVirtualRangeHoldsIt() {
        byte[] image = ElfBuilder.elf64().entry(0x100020)
                .segment(new ElfBuilder.Segment(ElfBuilder.PT_LOAD, 0xffff_ffff_8100_0000L, 0x100000,
                        Bytes.pattern(0x100, 1), 0x100))
                .build();

        assertThat(ImageLoader.load(memory, image, ELF).entry()).isEqualTo(GuestAddress.of(0x100020));
    }

    @Test
    void ignoresProgramHeadersOtherThanPtLoad() {
        byte[] image = ElfBuilder.elf32().entry(0x100000)
                .segment(new ElfBuilder.Segment(ElfBuilder.PT_NOTE, 0x5000_0000, 0x5000_0000, new byte[8], 0x8000_0000L))
                .load(0x100000, Bytes.pattern(0x40, 1), 0x40)
                .segment(new ElfBuilder.Segment(ElfBuilder.PT_GNU_STACK, 0, 0, new byte[0], 0)).build();
        byte[] noteWithWildOffset = Bytes.patch(image, ElfBuilder.elf32().phdrField(0, 4), 4, 0xffff_ff00L);

        BootSpec spec = ImageLoader.load(memory, noteWithWildOffset, ELF);

        assertThat(spec.imageEnd()).isEqualTo(GuestAddress.of(0x100040));
    }

    @Test
    void loadsIntoReadOnlyRegions() {
        byte[] rom = Bytes.pattern(0x1000, 4);
        byte[] image = ElfBuilder.elf32().entry(0xffff_f000L).load(0xffff_f000L, rom, 0x1000).build();

        BootSpec spec = ImageLoader.load(memory, image, ELF);

        assertThat(TestMemory.read(memory, 0xffff_f000L, rom.length)).isEqualTo(rom);
        assertThat(spec.imageEnd()).isEqualTo(GuestAddress.of(0x1_0000_0000L));
    }

    @Test
    void segmentsMaySpanAdjacentRegions() {
        try (GuestMemory split = TestMemory.of(0, 0x100000, 0x100000, 0x100000)) {
            byte[] text = Bytes.pattern(0x2000, 6);
            byte[] image = ElfBuilder.elf32().entry(0xff000).load(0xff000, text, text.length).build();

            ImageLoader.load(split, image, ELF);

            assertThat(TestMemory.read(split, 0xff000, text.length)).isEqualTo(text);
        }
    }

    @Test
    void aFailedLoadWritesNothing() {
        byte[] image = ElfBuilder.elf32().entry(0x100000)
                .load(0x100000, Bytes.pattern(0x100, 1), 0x100)
                .load(0x300000, Bytes.pattern(0x100, 2), 0x100).build();

        org.assertj.core.api.Assertions.assertThatThrownBy(() -> ImageLoader.load(memory, image, ELF))
                .isInstanceOf(ImageException.class).hasMessageContaining("not inside guest RAM");
        assertThat(TestMemory.allZero(memory)).isTrue();
    }

    @Test
    void placesARamdiskAtItsAddress() {
        byte[] ramdisk = Bytes.pattern(0x3000, 8);
        byte[] image = ElfBuilder.elf64().entry(0x100000).load(0x100000, Bytes.pattern(0x100, 1), 0x100).build();

        ImageLoader.load(memory, image, ELF.withRamdisk(ramdisk, Optional.of(GuestAddress.of(0x150000))));

        assertThat(TestMemory.read(memory, 0x150000, ramdisk.length)).isEqualTo(ramdisk);
    }

    @Test
    void entryAndLoadAddressesOfTheRequestAreIgnored() {
        byte[] image = ElfBuilder.elf32().entry(0x100000).load(0x100000, Bytes.pattern(0x100, 1), 0x100).build();
        LoadRequest request = LoadRequest.of(ImageFormat.ELF, GuestAddress.of(0x7c00), GuestAddress.of(0x7c00));

        assertThat(ImageLoader.load(memory, image, request).entry()).isEqualTo(GuestAddress.of(0x100000));
    }
}
