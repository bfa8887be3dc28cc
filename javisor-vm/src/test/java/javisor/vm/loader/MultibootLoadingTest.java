package javisor.vm.loader;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.Arrays;
import java.util.Map;
import java.util.Optional;

import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

import javisor.memory.GuestAddress;
import javisor.memory.GuestMemory;
import javisor.sys.kvm.Regs;
import javisor.vcpu.BootTables;
import javisor.vcpu.EntryMode;

class MultibootLoadingTest {
    private final GuestMemory memory = TestMemory.standard();

    @AfterEach
    void close() {
        memory.close();
    }

    private static final LoadRequest MULTIBOOT =
            LoadRequest.of(ImageFormat.MULTIBOOT, GuestAddress.ZERO, GuestAddress.ZERO);

    @Test
    void aoutKludgeLoadsTheFileFromTheHeaderOnwardAtLoadAddr() {
        byte[] image = MultibootImages.aoutKernel(0x100000, Bytes.pattern(0x500, 1), 0);

        ImageLoader.load(memory, image, MULTIBOOT);

        assertThat(TestMemory.read(memory, 0x100000, image.length)).isEqualTo(image);
    }

    @Test
    void aoutKludgeSkipsFileBytesBeforeLoadAddr() {
        // 0x40 bytes of something (say, a boot sector stub) precede the text; the header is at file offset 0x40
        // and header_addr = load_addr, so loading starts at file offset 0x40.
        byte[] header = MultibootImages.aoutHeader(0, 0x100000, 0x100000, 0, 0, 0x100020);
        byte[] image = Bytes.concat(Bytes.filled(0x40, 0xee), header, Bytes.pattern(0x100, 3));

        BootSpec spec = ImageLoader.load(memory, image, MULTIBOOT);

        assertThat(TestMemory.read(memory, 0x100000, 0x120)).isEqualTo(Arrays.copyOfRange(image, 0x40, 0x160));
        assertThat(spec.imageEnd()).isEqualTo(GuestAddress.of(0x100120));
    }

    @Test
    void aoutKludgeHeaderMayLieInsideTheText() {
        byte[] header = MultibootImages.aoutHeader(0, 0x100010, 0x100000, 0, 0, 0x100000);
        byte[] image = Bytes.concat(Bytes.pattern(0x10, 7), header, Bytes.pattern(0x20, 8));

        BootSpec spec = ImageLoader.load(memory, image, MULTIBOOT);

        assertThat(TestMemory.read(memory, 0x100000, image.length)).isEqualTo(image);
        assertThat(spec.entry()).isEqualTo(GuestAddress.of(0x100000));
    }

    @Test
    void aoutKludgeZeroesBss() {
        memory.write(GuestAddress.of(0x100000), Bytes.filled(0x4000, 0xff));
        byte[] image = MultibootImages.aoutKernel(0x100000, Bytes.pattern(0x100, 1), 0x2000);

        BootSpec spec = ImageLoader.load(memory, image, MULTIBOOT);

        assertThat(TestMemory.read(memory, 0x100000 + image.length, 0x2000)).containsOnly(0);
        assertThat(spec.imageEnd()).isEqualTo(GuestAddress.of(0x100000 + image.length + 0x2000));
    }

    @Test
    void aoutKludgeLoadEndStopsTheCopy() {
        byte[] header = MultibootImages.aoutHeader(0, 0x100000, 0x100000, 0x100040, 0, 0x100020);
        byte[] image = Bytes.concat(header, Bytes.pattern(0x100, 3));

        BootSpec spec = ImageLoader.load(memory, image, MULTIBOOT);

        assertThat(TestMemory.read(memory, 0x100040, 0x100)).containsOnly(0);
        assertThat(spec.imageEnd()).isEqualTo(GuestAddress.of(0x100040));
    }

    @Test
    void entersInProtectedModeWithTheMultibootRegisters() {
        byte[] image = MultibootImages.aoutKernel(0x100000, Bytes.pattern(0x100, 1), 0x1000);

        BootSpec spec = ImageLoader.load(memory, image, MULTIBOOT);

        assertThat(spec).isEqualTo(new BootSpec(ImageFormat.MULTIBOOT, EntryMode.PROTECTED_32,
                GuestAddress.of(0x100020),
                Map.of(Regs.Reg.RAX, 0x2BADB002L, Regs.Reg.RBX, 0x6000L),
                GuestAddress.of(0x100000), GuestAddress.of(0x100000 + image.length + 0x1000),
                BootTables.gdtOnly(GuestAddress.of(0x500))));
    }

    @Test
    void withoutTheKludgeLoadsTheElfSegments() {
        byte[] text = Bytes.concat(MultibootImages.header(0x3), Bytes.pattern(0x200, 1));
        byte[] image = ElfBuilder.elf32().entry(0x10000c).load(0x100000, text, 0x1000).build();

        BootSpec spec = ImageLoader.load(memory, image, MULTIBOOT);

        assertThat(TestMemory.read(memory, 0x100000, text.length)).isEqualTo(text);
        assertThat(spec.entry()).isEqualTo(GuestAddress.of(0x10000c));
        assertThat(spec.imageEnd()).isEqualTo(GuestAddress.of(0x101000));
    }

    @Test
    void elf64MultibootKernelStillEntersInProtectedMode() {
        byte[] text = Bytes.concat(MultibootImages.header(0), Bytes.pattern(0x40, 1));
        byte[] image = ElfBuilder.elf64().entry(0x100000).load(0x100000, text, text.length).build();

        BootSpec spec = ImageLoader.load(memory, image, MULTIBOOT);

        assertThat(spec.mode()).isEqualTo(EntryMode.PROTECTED_32);
        assertThat(spec.format()).isEqualTo(ImageFormat.MULTIBOOT);
    }

    @Test
    void theKludgeWinsOverElfHeaders() {
        // An ELF whose first segment carries a kludge header that puts the file at 0x140000 instead.
        ElfBuilder b = ElfBuilder.elf32().entry(0x100000);
        byte[] probe = b.load(0x100000, new byte[0x60], 0x60).build();
        int headerOffset = b.dataOffset(0);
        byte[] kludge = MultibootImages.aoutHeader(0, 0x140000 + headerOffset, 0x140000, 0, 0, 0x140000 + headerOffset + 32);
        byte[] image = probe.clone();
        System.arraycopy(kludge, 0, image, headerOffset, kludge.length);

        BootSpec spec = ImageLoader.load(memory, image, MULTIBOOT);

        assertThat(spec.imageStart()).isEqualTo(GuestAddress.of(0x140000));
        assertThat(TestMemory.read(memory, 0x140000, image.length)).isEqualTo(image);
    }

    @Test
    void acceptsAVideoModeRequestWithoutProvidingOne() {
        byte[] header = MultibootImages.aoutHeader(0x4, 0x100000, 0x100000, 0, 0, 0x100020);
        byte[] image = Bytes.concat(header, new byte[16], Bytes.pattern(0x40, 1)); // the 16 bytes: video fields

        BootSpec spec = ImageLoader.load(memory, image, MULTIBOOT);

        int flags = MultibootInfoReader.read(memory, spec.registers().get(Regs.Reg.RBX)).flags();
        assertThat(flags & (3 << 11)).isZero();
    }

    @Test
    void ramdiskBecomesAModulePageAlignedAfterTheKernel() {
        byte[] ramdisk = Bytes.pattern(0x1234, 5);
        byte[] image = MultibootImages.aoutKernel(0x100000, Bytes.pattern(0x100, 1), 0x1010);

        BootSpec spec = ImageLoader.load(memory, image, MULTIBOOT.withRamdisk(ramdisk, Optional.empty()));

        MultibootInfoReader info = MultibootInfoReader.read(memory, 0x6000);
        assertThat(info.modules()).containsExactly(new MultibootInfoReader.Module(0x102000, 0x102000 + 0x1234, ""));
        assertThat(TestMemory.read(memory, 0x102000, ramdisk.length)).isEqualTo(ramdisk);
        assertThat(spec.imageEnd()).isEqualTo(GuestAddress.of(0x100000 + image.length + 0x1010));
    }

    @Test
    void ramdiskGoesToTheRequestedAddress() {
        byte[] ramdisk = Bytes.pattern(0x800, 5);
        byte[] image = MultibootImages.aoutKernel(0x100000, Bytes.pattern(0x100, 1), 0);

        ImageLoader.load(memory, image, MULTIBOOT.withRamdisk(ramdisk, Optional.of(GuestAddress.of(0x1c0000))));

        assertThat(MultibootInfoReader.read(memory, 0x6000).modules())
                .containsExactly(new MultibootInfoReader.Module(0x1c0000, 0x1c0800, ""));
        assertThat(TestMemory.read(memory, 0x1c0000, ramdisk.length)).isEqualTo(ramdisk);
    }

    @Test
    void unalignedRamdiskAddressIsFineWhenTheKernelDoesNotAskForAlignment() {
        byte[] header = MultibootImages.aoutHeader(0, 0x100000, 0x100000, 0, 0, 0x100020);
        byte[] image = Bytes.concat(header, Bytes.pattern(0x40, 1));

        ImageLoader.load(memory, image, MULTIBOOT.withRamdisk(new byte[4], Optional.of(GuestAddress.of(0x1c0004))));

        assertThat(MultibootInfoReader.read(memory, 0x6000).modules().getFirst().start()).isEqualTo(0x1c0004);
    }
}
