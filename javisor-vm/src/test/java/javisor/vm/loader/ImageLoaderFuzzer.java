package javisor.vm.loader;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.Optional;

import com.code_intelligence.jazzer.junit.FuzzTest;

import javisor.memory.GuestAddress;
import javisor.memory.GuestMemory;

/**
 * Coverage-guided: any bytes as a kernel image, through each loader: it loads, or an {@link ImageException} of the
 * loader's own making says why (no wrapped memory exception, which would mean a missed bounds check). The guest
 * memory is the loader tests' (RAM below 2 MiB, a ROM below 4 GiB), made once: loaders only write it.
 */
class ImageLoaderFuzzer {
    private static final GuestMemory MEMORY = TestMemory.standard();
    private static final byte[] RAMDISK = new byte[0x1800];

    private static void loadOrRefuse(byte[] image, ImageFormat format, boolean ramdisk) {
        LoadRequest request = LoadRequest.of(format, GuestAddress.of(0x7c00), GuestAddress.of(0x7c00))
                .withCmdline("console=ttyS0");
        if (ramdisk) {
            request = request.withRamdisk(RAMDISK, Optional.empty());
        }
        try {
            BootSpec spec = ImageLoader.load(MEMORY, image, request);
            assertThat(spec.format()).isNotEqualTo(ImageFormat.AUTO);
        } catch (ImageException e) {
            assertThat(e.getCause()).as(e.getMessage()).isNull();
            assertThat(e.getMessage()).isNotBlank();
        }
    }

    @FuzzTest
    void raw(byte[] image) {
        loadOrRefuse(image, ImageFormat.RAW, false);
    }

    @FuzzTest
    void elf(byte[] image) {
        loadOrRefuse(image, ImageFormat.ELF, false);
    }

    @FuzzTest
    void multiboot(byte[] image) {
        loadOrRefuse(image, ImageFormat.MULTIBOOT, true);
    }

    @FuzzTest
    void detected(byte[] image) {
        loadOrRefuse(image, ImageFormat.AUTO, image.length % 2 == 0);
    }
}
