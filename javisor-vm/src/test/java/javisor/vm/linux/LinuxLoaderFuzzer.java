package javisor.vm.linux;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.List;
import java.util.Optional;

import com.code_intelligence.jazzer.junit.FuzzTest;

import javisor.memory.GuestAddress;
import javisor.memory.GuestMemory;
import javisor.memory.GuestRegion;
import javisor.memory.RegionFlags;
import javisor.vm.loader.ImageException;

/**
 * Coverage-guided: any bytes as a Linux kernel (bzImage, or an ELF vmlinux with or without the PVH note), through
 * each entry: it loads within guest RAM, or an {@link ImageException} of the loader's own making says why.
 */
class LinuxLoaderFuzzer {
    private static final long RAM = 64L << 20;
    private static final GuestMemory MEMORY = GuestMemory.of(List.of(
            GuestRegion.allocate(GuestAddress.ZERO, RAM, RegionFlags.RWX)));
    private static final byte[] INITRD = new byte[0x2345];

    private static void loadOrRefuse(byte[] image, LinuxEntry entry) {
        LinuxBootRequest request = LinuxBootRequest.of("console=ttyS0 panic=-1", MEMORY)
                .withRsdp(GuestAddress.of(0xe0000)).withEntry(entry);
        if (image.length % 2 == 1) {
            request = request.withInitrd(INITRD, Optional.empty());
        }
        try {
            LinuxBoot boot = LinuxLoader.load(MEMORY, image, request);
            for (LoadedRange r : boot.ranges()) {
                assertThat(r.end()).as("%s lies in RAM", r).isLessThanOrEqualTo(RAM);
            }
        } catch (ImageException e) {
            assertThat(e.getCause()).as(e.getMessage()).isNull();
            assertThat(e.getMessage()).isNotBlank();
        }
    }

    @FuzzTest
    void anyEntry(byte[] image) {
        loadOrRefuse(image, LinuxEntry.AUTO);
    }

    @FuzzTest
    void pvh(byte[] image) {
        loadOrRefuse(image, LinuxEntry.PVH);
    }

    @FuzzTest
    void bootProtocol64(byte[] image) {
        loadOrRefuse(image, LinuxEntry.BOOT_PROTOCOL_64);
    }
}
