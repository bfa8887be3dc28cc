package javisor.vm.loader;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.List;

import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

import javisor.memory.GuestAddress;
import javisor.memory.GuestMemory;
import javisor.sys.kvm.Regs;

/** The information structure as a kernel reads it back. */
class MultibootInfoTest {
    private GuestMemory memory = TestMemory.standard();

    @AfterEach
    void close() {
        memory.close();
    }

    private MultibootInfoReader boot(String cmdline) {
        byte[] image = MultibootImages.aoutKernel(0x100000, Bytes.pattern(0x100, 1), 0);
        LoadRequest request = LoadRequest.of(ImageFormat.MULTIBOOT, GuestAddress.ZERO, GuestAddress.ZERO)
                .withCmdline(cmdline);
        BootSpec spec = ImageLoader.load(memory, image, request);
        assertThat(spec.registers().get(Regs.Reg.RBX)).as("the usual place").isEqualTo(BootLayout.BOOT_DATA.start());
        return MultibootInfoReader.read(memory, BootLayout.BOOT_DATA.start());
    }

    @Test
    void flagsAnnounceMemoryCmdlineModulesMmapAndLoaderName() {
        assertThat(boot("").flags()).isEqualTo(1 | 1 << 2 | 1 << 3 | 1 << 6 | 1 << 9);
    }

    @Test
    void memLowerAndUpperCountKibFromZeroAndFromOneMib() {
        MultibootInfoReader info = boot("");

        assertThat(info.memLower()).isEqualTo(640);
        assertThat(info.memUpper()).isEqualTo(1024);
    }

    @Test
    void memUpperFollowsAdjacentRegionsAndStopsAtTheFirstHole() {
        memory.close();
        memory = TestMemory.of(0, 0x80000, 0x100000, 0x100000, 0x200000, 0x200000, 0x500000, 0x100000);

        MultibootInfoReader info = boot("");

        assertThat(info.memLower()).isEqualTo(512);
        assertThat(info.memUpper()).isEqualTo(3 * 1024);
    }

    @Test
    void memoryMapHasOneEntryPerRegionWithReadOnlyOnesReserved() {
        assertThat(boot("").mmap()).containsExactly(
                new MultibootInfoReader.MmapEntry(0, TestMemory.RAM_SIZE, 1),
                new MultibootInfoReader.MmapEntry(TestMemory.ROM_START, TestMemory.ROM_SIZE, 2));
    }

    @Test
    void memoryMapEntriesAreTwentyFourBytesWithASizeFieldOfTwenty() {
        boot("");
        long mmapAddr = Integer.toUnsignedLong(memory.readU32(GuestAddress.of(0x6000 + 48)));

        assertThat(memory.readU32(GuestAddress.of(0x6000 + 44))).isEqualTo(2 * 24);
        assertThat(memory.readU32(GuestAddress.of(mmapAddr))).isEqualTo(20);
        assertThat(memory.readU32(GuestAddress.of(mmapAddr + 24))).isEqualTo(20);
    }

    @Test
    void passesTheCommandLine() {
        assertThat(boot("console=ttyS0 root=/dev/vda quiet").cmdline()).isEqualTo("console=ttyS0 root=/dev/vda quiet");
    }

    @Test
    void passesTheLongestAllowedCommandLine() {
        String longest = "x".repeat(BootLayout.MAX_CMDLINE_BYTES);

        assertThat(boot(longest).cmdline()).isEqualTo(longest);
    }

    @Test
    void passesAnEmptyCommandLineAsAnEmptyString() {
        assertThat(boot("").cmdline()).isEmpty();
    }

    @Test
    void namesTheBootLoader() {
        assertThat(boot("").bootLoaderName()).isEqualTo("Javisor");
    }

    @Test
    void listsNoModulesWithoutARamdisk() {
        assertThat(boot("").modules()).isEmpty();
    }

    @Test
    void everyPieceLiesInsideTheBootDataArea() {
        boot("abc");
        List<Integer> pointerFields = List.of(16, 24, 48, 64);

        for (int field : pointerFields) {
            long p = Integer.toUnsignedLong(memory.readU32(GuestAddress.of(0x6000 + field)));
            assertThat(BootLayout.BOOT_DATA.overlaps(p, p + 1)).as("field at +%d", field).isTrue();
        }
    }
}
