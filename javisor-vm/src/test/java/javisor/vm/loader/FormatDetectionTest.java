package javisor.vm.loader;

import static org.assertj.core.api.Assertions.assertThat;

import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

import javisor.memory.GuestAddress;
import javisor.memory.GuestMemory;
import javisor.vcpu.EntryMode;

class FormatDetectionTest {
    private final GuestMemory memory = TestMemory.standard();

    @AfterEach
    void close() {
        memory.close();
    }

    private static LoadRequest request(ImageFormat format) {
        return LoadRequest.of(format, GuestAddress.of(0x7c00), GuestAddress.of(0x7c00));
    }

    private ImageFormat detect(byte[] image) {
        return ImageLoader.load(memory, image, request(ImageFormat.AUTO)).format();
    }

    private static byte[] multibootElf() {
        byte[] text = Bytes.concat(MultibootImages.header(0x3), Bytes.pattern(0x100, 1));
        return ElfBuilder.elf64().entry(0x100000).load(0x100000, text, text.length).build();
    }

    @Test
    void aValidMultibootHeaderMeansMultiboot() {
        assertThat(detect(MultibootImages.aoutKernel(0x100000, Bytes.pattern(0x40, 1), 0)))
                .isEqualTo(ImageFormat.MULTIBOOT);
    }

    @Test
    void multibootWinsOverElf() {
        assertThat(detect(multibootElf())).isEqualTo(ImageFormat.MULTIBOOT);
    }

    @Test
    void explicitElfLoadsAMultibootElfAsPlainElf() {
        BootSpec spec = ImageLoader.load(memory, multibootElf(), request(ImageFormat.ELF));

        assertThat(spec.format()).isEqualTo(ImageFormat.ELF);
        assertThat(spec.mode()).isEqualTo(EntryMode.LONG_64);
    }

    @Test
    void elfMagicWithoutMultibootMeansElf() {
        byte[] image = ElfBuilder.elf32().entry(0x100000).load(0x100000, Bytes.pattern(0x40, 1), 0x40).build();

        assertThat(detect(image)).isEqualTo(ImageFormat.ELF);
    }

    @Test
    void anythingElseIsRaw() {
        assertThat(detect(Bytes.pattern(0x200, 1))).isEqualTo(ImageFormat.RAW);
    }

    @Test
    void aBadChecksumIsNotMultiboot() {
        byte[] header = Bytes.patch(MultibootImages.header(0), 8, 4, 0x1234);

        assertThat(detect(Bytes.concat(header, Bytes.pattern(0x100, 1)))).isEqualTo(ImageFormat.RAW);
    }

    @Test
    void aBadChecksumFirstDoesNotHideAGoodHeaderLater() {
        byte[] bad = Bytes.patch(MultibootImages.header(0), 8, 4, 0x1234);
        byte[] good = MultibootImages.aoutHeader(0, 0x100010, 0x100000, 0, 0, 0x100030);
        byte[] image = Bytes.concat(new byte[4], bad, good, Bytes.pattern(0x40, 1));

        assertThat(detect(image)).isEqualTo(ImageFormat.MULTIBOOT);
    }

    @Test
    void aHeaderPastTheFirst8KibIsNotFound() {
        byte[] header = MultibootImages.aoutHeader(0, 0x100000, 0x100000, 0, 0, 0x100020);
        byte[] image = Bytes.concat(Bytes.filled(8192, 0x90), header);

        assertThat(detect(image)).isEqualTo(ImageFormat.RAW);
    }

    @Test
    void aHeaderEndingExactlyAt8KibIsFound() {
        byte[] header = MultibootImages.aoutHeader(0, 0x100000 + 8192 - 32, 0x100000, 0, 0, 0x100000);
        byte[] image = Bytes.concat(Bytes.filled(8192 - 32, 0x90), header);

        assertThat(detect(image)).isEqualTo(ImageFormat.MULTIBOOT);
    }

    @Test
    void aMisalignedHeaderIsNotFound() {
        byte[] image = Bytes.concat(new byte[2], MultibootImages.aoutHeader(0, 0x100002, 0x100000, 0, 0, 0x100000),
                new byte[2]);

        assertThat(detect(image)).isEqualTo(ImageFormat.RAW);
    }
}
