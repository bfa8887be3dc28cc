package javisor.vm.loader;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.util.Arrays;
import java.util.Map;
import java.util.Optional;

import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

import javisor.memory.GuestAddress;
import javisor.memory.GuestMemory;
import javisor.vcpu.BootTables;
import javisor.vcpu.EntryMode;

class RawLoadingTest {
    private final GuestMemory memory = TestMemory.standard();

    @AfterEach
    void close() {
        memory.close();
    }

    private static LoadRequest raw(long load, long entry) {
        return LoadRequest.of(ImageFormat.RAW, GuestAddress.of(load), GuestAddress.of(entry));
    }

    @Test
    void copiesTheBytesToTheLoadAddress() {
        byte[] image = Bytes.pattern(0x300, 1);

        ImageLoader.load(memory, image, raw(0x7c00, 0x7c00));

        assertThat(TestMemory.read(memory, 0x7c00, image.length)).isEqualTo(image);
        assertThat(TestMemory.read(memory, 0x7c00 + image.length, 16)).containsOnly(0);
    }

    @Test
    void entersInRealModeAtTheRequestedEntry() {
        BootSpec spec = ImageLoader.load(memory, Bytes.pattern(0x300, 1), raw(0x7c00, 0x7c10));

        assertThat(spec).isEqualTo(new BootSpec(ImageFormat.RAW, EntryMode.REAL_MODE_16, GuestAddress.of(0x7c10),
                Map.of(), GuestAddress.of(0x7c00), GuestAddress.of(0x7f00), BootTables.NONE));
    }

    @Test
    void mayLoadOverTheUsualPlacesOfTheBootStructures() {
        BootSpec spec = ImageLoader.load(memory, Bytes.pattern(0x5000, 3), raw(0x8000, 0x9000));

        assertThat(spec.entry()).isEqualTo(GuestAddress.of(0x9000));
        assertThat(TestMemory.read(memory, 0x8000, 0x5000)).isEqualTo(Bytes.pattern(0x5000, 3));
    }

    @Test
    void mayExtendAboveOneMibAsLongAsTheEntryIsBelow() {
        ImageLoader.load(memory, Bytes.pattern(0x2000, 5), raw(0xff000, 0xff000));

        assertThat(TestMemory.read(memory, 0x100000, 0x1000)).isEqualTo(Arrays.copyOfRange(
                Bytes.pattern(0x2000, 5), 0x1000, 0x2000));
    }

    @Test
    void placesARamdiskAtItsAddress() {
        byte[] ramdisk = Bytes.pattern(0x1800, 9);
        LoadRequest request = raw(0x7c00, 0x7c00).withRamdisk(ramdisk, Optional.of(GuestAddress.of(0x20000)));

        ImageLoader.load(memory, Bytes.pattern(0x200, 1), request);

        assertThat(TestMemory.read(memory, 0x20000, ramdisk.length)).isEqualTo(ramdisk);
    }

    @Test
    void rejectsARamdiskWithoutAnAddress() {
        LoadRequest request = raw(0x7c00, 0x7c00).withRamdisk(new byte[16], Optional.empty());

        assertThatThrownBy(() -> ImageLoader.load(memory, Bytes.pattern(0x200, 1), request))
                .isInstanceOf(ImageException.class).hasMessageContaining("no ramdisk address");
        assertThat(TestMemory.allZero(memory)).isTrue();
    }

    @Test
    void ignoresTheCommandLine() {
        LoadRequest request = raw(0x7c00, 0x7c00).withCmdline("console=ttyS0");

        BootSpec spec = ImageLoader.load(memory, Bytes.pattern(0x200, 1), request);

        assertThat(spec.format()).isEqualTo(ImageFormat.RAW);
    }
}
