package javisor.vm.config;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.OptionalLong;

import javisor.memory.MappingKind;
import javisor.memory.RegionFlags;
import javisor.vm.loader.ImageFormat;

import org.junit.jupiter.api.Test;

/** The model's records check their own invariants, so a config built in code cannot be invalid either. */
class ConfigModelTest {

    private static KernelConfig kernel(List<MemoryRegionConfig> regions) {
        return new KernelConfig(0, Path.of("k"), 0, Optional.empty(), OptionalLong.empty(), Optional.empty(),
                OptionalLong.empty(), Optional.empty(), OptionalLong.empty(), ImageLocation.FS, Optional.empty(),
                Optional.empty(), regions, ImageFormat.AUTO);
    }

    @Test
    void regionRejectsMisalignedGpa() {
        assertThatThrownBy(() -> MemoryRegionConfig.ram(0x10, 0x1000)).isInstanceOf(IllegalArgumentException.class)
                .hasMessage("gpa: expected a multiple of 0x1000, got 0x10");
    }

    @Test
    void regionRejectsEmptySize() {
        assertThatThrownBy(() -> MemoryRegionConfig.ram(0, 0)).isInstanceOf(IllegalArgumentException.class)
                .hasMessage("size: expected a positive multiple of 0x1000, got 0x0");
    }

    @Test
    void regionRejectsEndPastTwoToThe52() {
        assertThatThrownBy(() -> MemoryRegionConfig.ram(1L << 52, 0x1000))
                .isInstanceOf(IllegalArgumentException.class).hasMessageStartingWith("size: expected the region to"
                        + " end at or below 2^52");
    }

    @Test
    void reservedRegionNeedsBackingAndOthersMustNotHaveIt() {
        assertThatThrownBy(() -> new MemoryRegionConfig(0, 0x1000, RegionFlags.RWX, MappingKind.MAP_RESERVED,
                Optional.empty())).isInstanceOf(IllegalArgumentException.class).hasMessageStartingWith("backing:");
        assertThatThrownBy(() -> new MemoryRegionConfig(0, 0x1000, RegionFlags.RWX, MappingKind.MAP_ALLOC,
                Optional.of(Path.of("f")))).isInstanceOf(IllegalArgumentException.class)
                .hasMessageStartingWith("backing:");
    }

    @Test
    void regionGeometry() {
        MemoryRegionConfig r = MemoryRegionConfig.ram(0x1000, 0x2000);
        assertThat(r.end()).isEqualTo(0x3000);
        assertThat(r.contains(0x1000)).isTrue();
        assertThat(r.contains(0x2fff)).isTrue();
        assertThat(r.contains(0x3000)).isFalse();
        assertThat(r.overlaps(MemoryRegionConfig.ram(0x2000, 0x1000))).isTrue();
        assertThat(r.overlaps(MemoryRegionConfig.ram(0x3000, 0x1000))).isFalse();
        assertThat(r.describeRange()).isEqualTo("[0x1000, 0x3000)");
    }

    @Test
    void baseRejectsBadCpuCountsAndListLengths() {
        assertThatThrownBy(() -> new BaseConfig(1, "n", VmType.RTOS, 0, List.of(), List.of()))
                .isInstanceOf(IllegalArgumentException.class).hasMessageStartingWith("cpu_num:");
        assertThatThrownBy(() -> new BaseConfig(1, "n", VmType.RTOS, 2, List.of(0L), List.of()))
                .isInstanceOf(IllegalArgumentException.class).hasMessageStartingWith("phys_cpu_ids:");
        assertThatThrownBy(() -> new BaseConfig(1, "n", VmType.RTOS, 1, List.of(), List.of(0L)))
                .isInstanceOf(IllegalArgumentException.class).hasMessageStartingWith("phys_cpu_sets:");
        assertThatThrownBy(() -> new BaseConfig(-1, "n", VmType.RTOS, 1, List.of(), List.of()))
                .isInstanceOf(IllegalArgumentException.class).hasMessageStartingWith("id:");
    }

    @Test
    void kernelRejectsNoRegionsOverlapsAndUnpairedImages() {
        assertThatThrownBy(() -> kernel(List.of())).isInstanceOf(IllegalArgumentException.class)
                .hasMessageStartingWith("memory_regions: expected at least one memory region");
        assertThatThrownBy(() -> kernel(List.of(MemoryRegionConfig.ram(0, 0x2000), MemoryRegionConfig.ram(0x1000,
                0x1000)))).isInstanceOf(IllegalArgumentException.class)
                .hasMessage("memory_regions: regions 0 and 1 overlap");
        assertThatThrownBy(() -> new KernelConfig(0, Path.of("k"), 0, Optional.of(Path.of("b")), OptionalLong.empty(),
                Optional.empty(), OptionalLong.empty(), Optional.empty(), OptionalLong.empty(), ImageLocation.FS,
                Optional.empty(), Optional.empty(), List.of(MemoryRegionConfig.ram(0, 0x1000)), ImageFormat.AUTO))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessage("bios: bios_path is set, so bios_load_addr is required too");
    }

    @Test
    void listsAreCopiedAndImmutable() {
        List<Long> ids = new ArrayList<>(List.of(0L));
        BaseConfig b = new BaseConfig(1, "n", VmType.RTOS, 1, ids, List.of());
        ids.add(1L);
        assertThat(b.physCpuIds()).containsExactly(0L);
        assertThatThrownBy(() -> b.physCpuIds().add(2L)).isInstanceOf(UnsupportedOperationException.class);
        List<String> excluded = new ArrayList<>(List.of("/a"));
        DevicesConfig d = new DevicesConfig(List.of(), List.of(), InterruptMode.NO_IRQ, List.of(excluded), List.of());
        excluded.add("/b");
        assertThat(d.excludedDevices()).containsExactly(List.of("/a"));
    }

    @Test
    void enumsKeepAxVisorNumbersAndNames() {
        assertThat(VmType.ofCode(2)).contains(VmType.LINUX);
        assertThat(VmType.ofCode(3)).isEmpty();
        assertThat(EmulatedDeviceType.ofCode(0xE3)).contains(EmulatedDeviceType.VIRTIO_CONSOLE);
        assertThat(EmulatedDeviceType.ofCode(0xE4)).as("Javisor's virtio-rng").contains(EmulatedDeviceType.VIRTIO_RNG);
        assertThat(EmulatedDeviceType.ofCode(0xE5)).as("Javisor's virtio-vsock")
                .contains(EmulatedDeviceType.VIRTIO_VSOCK);
        assertThat(EmulatedDeviceType.ofCode(0xE6)).isEmpty();
        assertThat(EmulatedDeviceType.VIRTIO_NET.removable()).isTrue();
        assertThat(EmulatedDeviceType.CONSOLE.removable()).isFalse();
        assertThat(InterruptMode.ofName("pt")).contains(InterruptMode.PASSTHROUGH);
        assertThat(InterruptMode.ofName("PT")).isEmpty();
        assertThat(ImageLocation.ofName("fs")).contains(ImageLocation.FS);
        assertThat(ImageFormat.ofConfigName("multiboot")).contains(ImageFormat.MULTIBOOT);
    }
}
