package javisor.vm.config;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.nio.file.Path;
import java.util.List;
import java.util.Optional;
import java.util.OptionalLong;
import java.util.stream.Stream;

import javisor.memory.MappingKind;
import javisor.memory.RegionFlags;
import javisor.vm.loader.ImageFormat;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.CsvSource;
import org.junit.jupiter.params.provider.MethodSource;

class VmConfigParserTest {
    static final Path EXAMPLES = Path.of("src/test/resources/config");

    static final String BASE = """
            [base]
            id = 1
            name = "t"
            vm_type = 1
            cpu_num = 2
            """;
    static final String KERNEL = """
            [kernel]
            entry_point = 0x10_0000
            kernel_path = "k.bin"
            kernel_load_addr = 0x10_0000
            memory_regions = [[0, 0x1000_0000, 0x7, 0]]
            """;

    /** A minimal valid config with {@code extra} lines added to the table named by {@code section}. */
    static String with(String section, String extra) {
        String base = BASE + (section.equals("base") ? extra + "\n" : "");
        String kernel = KERNEL + (section.equals("kernel") ? extra + "\n" : "");
        String devices = "[devices]\n" + (section.equals("devices") ? extra + "\n" : "");
        return base + kernel + devices;
    }

    /** A minimal valid config with one line of the kernel table replaced. */
    static String replacing(String line, String replacement) {
        String text = BASE + KERNEL;
        assertThat(text).contains(line);
        return text.replace(line, replacement);
    }

    static VmConfig parse(String text) {
        return VmConfig.parse(text, Optional.of(Path.of("t.toml")));
    }

    static VmConfig example(String name) {
        return VmConfig.load(EXAMPLES.resolve(name));
    }

    // ---- the examples ----

    @Test
    void nimbosX86ExampleParsesToTheExpectedModel() {
        VmConfig c = example("nimbos-x86_64-qemu-smp1.toml");
        assertThat(c.source()).contains(EXAMPLES.resolve("nimbos-x86_64-qemu-smp1.toml"));
        assertThat(c.base()).isEqualTo(new BaseConfig(1, "nimbos", VmType.RTOS, 1, List.of(), List.of(1L)));
        assertThat(c.kernel()).isEqualTo(new KernelConfig(0x8000,
                Path.of("/tmp/.axvisor-images/qemu_x86_64_nimbos/qemu-x86_64"), 0x20_0000,
                Optional.of(Path.of("/tmp/.axvisor-images/qemu_x86_64_nimbos/axvm-bios.bin")), OptionalLong.of(0x8000),
                Optional.empty(), OptionalLong.empty(), Optional.empty(), OptionalLong.empty(),
                ImageLocation.MEMORY, Optional.empty(), Optional.empty(),
                List.of(new MemoryRegionConfig(0, 0x100_0000, new RegionFlags(7), MappingKind.MAP_ALLOC,
                        Optional.empty())),
                ImageFormat.AUTO));
        assertThat(c.devices()).isEqualTo(new DevicesConfig(List.of(), List.of(
                new PassthroughDeviceConfig("IO APIC", 0xfec0_0000L, 0xfec0_0000L, 0x1000, 1),
                new PassthroughDeviceConfig("Local APIC", 0xfee0_0000L, 0xfee0_0000L, 0x1000, 1),
                new PassthroughDeviceConfig("HPET", 0xfed0_0000L, 0xfed0_0000L, 0x1000, 1)),
                InterruptMode.PASSTHROUGH, List.of(), List.of()));
    }

    @Test
    void linuxAarch64ExampleWithIdenticalMappingParses() {
        VmConfig c = example("linux-aarch64-qemu-smp1.toml");
        assertThat(c.base()).isEqualTo(new BaseConfig(1, "linux-qemu", VmType.RTOS, 1, List.of(0L), List.of()));
        KernelConfig k = c.kernel();
        assertThat(k.entryPoint()).isEqualTo(0x8020_0000L);
        assertThat(k.kernelLoadAddr()).isEqualTo(0x8020_0000L);
        assertThat(k.dtbPath()).contains(Path.of("linux-aarch64-qemu-smp1.dtb"));
        assertThat(k.dtbLoadAddr()).hasValue(0x8000_0000L);
        assertThat(k.memoryRegions()).containsExactly(new MemoryRegionConfig(0x8000_0000L, 0x1000_0000L,
                new RegionFlags(7), MappingKind.MAP_IDENTICAL, Optional.empty()));
        assertThat(c.devices()).isEqualTo(new DevicesConfig(List.of(), List.of(PassthroughDeviceConfig.named("/")),
                InterruptMode.PASSTHROUGH, List.of(List.of("/pcie@10000000")), List.of()));
    }

    @Test
    void javisorExtensionsExampleUsesTableFormsStringNumbersAndBacking() {
        VmConfig c = example("javisor-extensions.toml");
        assertThat(c.base()).isEqualTo(new BaseConfig(7, "linux-x86", VmType.LINUX, 2, List.of(2L, 3L),
                List.of(4L, 8L)));
        KernelConfig k = c.kernel();
        assertThat(k.entryPoint()).isEqualTo(0x10_0000L);
        assertThat(k.ramdiskPath()).contains(Path.of("images/initrd.cpio"));
        assertThat(k.ramdiskLoadAddr()).isEmpty();
        assertThat(k.cmdline()).contains("console=ttyS0 earlyprintk=serial");
        assertThat(k.diskPath()).contains(Path.of("images/disk.img"));
        assertThat(k.imageLocation()).isEqualTo(ImageLocation.FS);
        assertThat(k.memoryRegions()).containsExactly(
                MemoryRegionConfig.ram(0, 0x8000_0000L),
                new MemoryRegionConfig(0x1_0000_0000L, 0x20_0000, new RegionFlags(3), MappingKind.MAP_RESERVED,
                        Optional.of(Path.of("/dev/shm/javisor-ivc"))));
        assertThat(c.devices().interruptMode()).isEqualTo(InterruptMode.EMULATED);
        assertThat(c.devices().emuDevices()).containsExactly(
                new EmulatedDeviceConfig("virtio-blk", 0xd000_0000L, 0x1000, 5, EmulatedDeviceType.VIRTIO_BLK,
                        List.of()),
                new EmulatedDeviceConfig("ivc", 0xd000_1000L, 0x1000, 6, EmulatedDeviceType.IVC_CHANNEL,
                        List.of(1L, 2L)));
        assertThat(c.devices().passthroughAddresses()).containsExactly(
                new PassthroughAddressConfig(0xfec0_0000L, 0x1000), new PassthroughAddressConfig(0xfee0_0000L, 0x1000));
        assertThat(c.resolve(k.kernelPath())).isEqualTo(EXAMPLES.resolve("images/bzImage").toAbsolutePath());
    }

    // ---- defaults and accepted forms ----

    @Test
    void defaultsWhenOptionalKeysAreLeftOut() {
        VmConfig c = parse(BASE + KERNEL);
        assertThat(c.devices()).isEqualTo(DevicesConfig.NONE);
        assertThat(c.kernel().imageLocation()).isEqualTo(ImageLocation.FS);
        assertThat(c.kernel().kernelFormat()).isEqualTo(ImageFormat.AUTO);
        assertThat(c.kernel().cmdline()).isEmpty();
        assertThat(c.base().physCpuIds()).isEmpty();
        assertThat(c.base().physCpuSets()).isEmpty();
        assertThat(c.kernel().memoryRegions().getFirst().mapType()).isEqualTo(MappingKind.MAP_ALLOC);
    }

    @Test
    void emptyDevicesTableMeansNoDevices() {
        assertThat(parse(with("devices", "")).devices()).isEqualTo(DevicesConfig.NONE);
    }

    @Test
    void vmIdZeroIsAllowed() {
        assertThat(parse(BASE.replace("id = 1", "id = 0") + KERNEL).base().id()).isZero();
    }

    @ParameterizedTest
    @CsvSource({"no_irq,NO_IRQ", "no,NO_IRQ", "none,NO_IRQ", "emu,EMULATED", "emulated,EMULATED",
            "passthrough,PASSTHROUGH", "pt,PASSTHROUGH"})
    void interruptModeNamesAndAliases(String name, InterruptMode mode) {
        assertThat(parse(with("devices", "interrupt_mode = \"" + name + "\"")).devices().interruptMode())
                .isEqualTo(mode);
    }

    @ParameterizedTest
    @CsvSource({"auto,AUTO", "raw,RAW", "elf,ELF", "multiboot,MULTIBOOT"})
    void kernelFormats(String name, ImageFormat format) {
        assertThat(parse(with("kernel", "kernel_format = \"" + name + "\"")).kernel().kernelFormat())
                .isEqualTo(format);
    }

    @ParameterizedTest
    @CsvSource(delimiter = '|', value = {
            "0x8000_0000|2147483648",
            "\"0x8000_0000\"|2147483648",
            "\"0X8000_0000\"|2147483648",
            "\"1_048_576\"|1048576",
            "0o4000_0000|8388608",
            "0b1_0000_0000_0000|4096",
            "0xffff_ffff_ffff_ffff|-1",
            "\"18446744073709551615\"|-1"})
    void numbersInHexDecimalOrStrings(String literal, long expected) {
        assertThat(parse(replacing("entry_point = 0x10_0000", "entry_point = " + literal)).kernel().entryPoint())
                .isEqualTo(expected);
    }

    @Test
    void memoryRegionsAsTablesInlineTablesAndWithBacking() {
        VmConfig c = parse(replacing("memory_regions = [[0, 0x1000_0000, 0x7, 0]]", """
                memory_regions = [
                    { gpa = 0, size = 0x1000, flags = 0x3 },
                    [0x1000, 0x1000, 0x1, 2, "/dev/shm/rom"],
                    { gpa = 0x2000, size = 0x1000, flags = 0x10, map_type = 1 },
                ]"""));
        assertThat(c.kernel().memoryRegions()).containsExactly(
                new MemoryRegionConfig(0, 0x1000, new RegionFlags(3), MappingKind.MAP_ALLOC, Optional.empty()),
                new MemoryRegionConfig(0x1000, 0x1000, new RegionFlags(1), MappingKind.MAP_RESERVED,
                        Optional.of(Path.of("/dev/shm/rom"))),
                new MemoryRegionConfig(0x2000, 0x1000, new RegionFlags(0x10), MappingKind.MAP_IDENTICAL,
                        Optional.empty()));
    }

    @Test
    void adjacentRegionsDoNotOverlap() {
        VmConfig c = parse(replacing("memory_regions = [[0, 0x1000_0000, 0x7, 0]]",
                "memory_regions = [[0x2000, 0x1000, 7], [0x1000, 0x1000, 7], [0x3000, 0x1000, 7]]"));
        assertThat(c.kernel().memoryRegions()).hasSize(3);
    }

    @Test
    void regionMayEndExactlyAtTwoToThe52() {
        VmConfig c = parse(replacing("memory_regions = [[0, 0x1000_0000, 0x7, 0]]",
                "memory_regions = [[0xf_ffff_ffff_f000, 0x1000, 7]]"));
        assertThat(c.kernel().memoryRegions().getFirst().end()).isEqualTo(1L << 52);
    }

    @Test
    void ramdiskWithoutLoadAddressAndDtbLoadAddressAlone() {
        VmConfig c = parse(with("kernel", "ramdisk_path = \"initrd\"\ndtb_load_addr = 0x9000_0000"));
        assertThat(c.kernel().ramdiskPath()).contains(Path.of("initrd"));
        assertThat(c.kernel().ramdiskLoadAddr()).isEmpty();
        assertThat(c.kernel().dtbPath()).isEmpty();
        assertThat(c.kernel().dtbLoadAddr()).hasValue(0x9000_0000L);
    }

    @Test
    void devicesGivenAsTablesOrPositionalArrays() {
        VmConfig c = parse(with("devices", """
                passthrough_devices = [{ name = "hpet", base_gpa = 0xfed0_0000, length = 0x1000 }, ["/"]]
                passthrough_addresses = [[0xfec0_0000, 0x1000]]
                emu_devices = [{ name = "c", base_gpa = 0x1000, length = 8, irq_id = 4, emu_type = 2,
                                 cfg_list = ["0x10"] }]
                excluded_devices = [["/a", "/b"], []]"""));
        assertThat(c.devices().passthroughDevices()).containsExactly(
                new PassthroughDeviceConfig("hpet", 0xfed0_0000L, 0, 0x1000, 0), PassthroughDeviceConfig.named("/"));
        assertThat(c.devices().passthroughAddresses()).containsExactly(new PassthroughAddressConfig(0xfec0_0000L,
                0x1000));
        assertThat(c.devices().emuDevices()).containsExactly(new EmulatedDeviceConfig("c", 0x1000, 8, 4,
                EmulatedDeviceType.CONSOLE, List.of(0x10L)));
        assertThat(c.devices().excludedDevices()).containsExactly(List.of("/a", "/b"), List.of());
    }

    @Test
    void everyEmulatedDeviceTypeCodeIsAccepted() {
        for (EmulatedDeviceType t : EmulatedDeviceType.values()) {
            VmConfig c = parse(with("devices", "emu_devices = [[\"d\", 0, 0, 0, " + t.code() + ", []]]"));
            assertThat(c.devices().emuDevices().getFirst().emuType()).isEqualTo(t);
        }
    }

    @Test
    void structsMayBePositionalEvenAtTheTop() {
        VmConfig c = parse("base = [3, \"p\", 2, 1]\n" + KERNEL);
        assertThat(c.base()).isEqualTo(new BaseConfig(3, "p", VmType.LINUX, 1, List.of(), List.of()));
    }

    @Test
    void stringSourceIsNamedInMessages() {
        assertThatThrownBy(() -> VmConfig.parse("x", Optional.empty()))
                .isInstanceOf(ConfigException.class).hasMessageStartingWith("<string>:1:2: ");
    }

    @Test
    void resolveUsesTheConfigDirectoryOrLeavesPathsAlone() {
        VmConfig fromFile = VmConfig.parse(BASE + KERNEL, Optional.of(Path.of("/etc/javisor/vm1.toml")));
        assertThat(fromFile.resolve(Path.of("img/k.bin"))).isEqualTo(Path.of("/etc/javisor/img/k.bin"));
        assertThat(fromFile.resolve(Path.of("/abs/k.bin"))).isEqualTo(Path.of("/abs/k.bin"));
        VmConfig fromString = VmConfig.parse(BASE + KERNEL, Optional.empty());
        assertThat(fromString.resolve(Path.of("k.bin"))).isEqualTo(Path.of("k.bin"));
        assertThat(fromString.sourceName()).isEqualTo("<string>");
    }

    // ---- errors ----

    @Test
    void errorMessageHasFileLineKeyPathAndExpectation() {
        String text = replacing("memory_regions = [[0, 0x1000_0000, 0x7, 0]]",
                "memory_regions = [\n    [0, 0x1000, 0x7, 0],\n    [0x1000, 0x1234, 0x7, 0],\n]");
        assertThatThrownBy(() -> VmConfig.parse(text, Optional.of(Path.of("vm1.toml"))))
                .isInstanceOf(ConfigException.class)
                .hasMessage("vm1.toml:12: kernel.memory_regions[1].size: expected a positive multiple of 0x1000,"
                        + " got 0x1234");
    }

    @Test
    void exceptionExposesItsParts() {
        ConfigException e = catchConfig(replacing("kernel_load_addr = 0x10_0000", "kernel_load_addr = -1"));
        assertThat(e.source()).isEqualTo("t.toml");
        assertThat(e.line()).isEqualTo(9);
        assertThat(e.keyPath()).isEqualTo("kernel.kernel_load_addr");
        assertThat(e.detail()).isEqualTo("expected a non-negative integer, got -1");
    }

    @Test
    void overlapNamesBothRegions() {
        String text = replacing("memory_regions = [[0, 0x1000_0000, 0x7, 0]]",
                "memory_regions = [\n  [0x0, 0x2000, 7],\n  [0x8000, 0x1000, 7],\n  [0x1000, 0x2000, 7],\n]");
        assertThatThrownBy(() -> parse(text)).isInstanceOf(ConfigException.class)
                .hasMessage("t.toml:13: kernel.memory_regions[2]: region [0x1000, 0x3000) overlaps"
                        + " kernel.memory_regions[0] [0x0, 0x2000) (line 11)");
    }

    @Test
    void overlapWithARegionThatStartedEarlierIsFound() {
        // the middle region is inside the first, which is not the one just before the third in sorted order
        String text = replacing("memory_regions = [[0, 0x1000_0000, 0x7, 0]]",
                "memory_regions = [[0x0, 0x10000, 7], [0x1000, 0x1000, 7], [0x8000, 0x1000, 7]]");
        assertThatThrownBy(() -> parse(text)).isInstanceOf(ConfigException.class)
                .hasMessageContaining("kernel.memory_regions[1]: region [0x1000, 0x2000) overlaps"
                        + " kernel.memory_regions[0] [0x0, 0x10000)");
    }

    static Stream<Arguments> badConfigs() {
        return Stream.of(
                // structure
                Arguments.of(KERNEL, "t.toml: missing required table [base]"),
                Arguments.of(BASE, "t.toml: missing required table [kernel]"),
                Arguments.of(BASE + KERNEL + "[vm]\n", "t.toml:11: vm: unknown key; known keys at the top level:"
                        + " base, kernel, devices"),
                Arguments.of("base = 5\n" + KERNEL, "t.toml:1: base: expected a table or an array [id, name, vm_type,"
                        + " cpu_num, phys_cpu_ids, phys_cpu_sets, cpu_template], got 5"),
                Arguments.of(with("kernel", "entry_pont = 1"), "t.toml:11: kernel.entry_pont: unknown key (did you"
                        + " mean entry_point?); known keys here: entry_point, kernel_path, kernel_load_addr,"),
                Arguments.of(with("devices", "emu_device = []"), "devices.emu_device: unknown key (did you mean"
                        + " emu_devices?)"),
                Arguments.of(with("base", "x = 1"), "t.toml:6: base.x: unknown key; known keys here: id,"),
                Arguments.of(with("base", "colour = 1"), "base.colour: unknown key; known keys here: id, name,"
                        + " vm_type, cpu_num, phys_cpu_ids, phys_cpu_sets"),
                Arguments.of("devices = 1\n" + BASE + KERNEL, "t.toml:1: devices: expected a table or an array"),
                // [base]
                Arguments.of(BASE.replace("id = 1\n", "") + KERNEL, "t.toml:1: base.id: missing required key"),
                Arguments.of(BASE.replace("id = 1", "id = -1") + KERNEL,
                        "t.toml:2: base.id: expected a non-negative integer, got -1"),
                Arguments.of(BASE.replace("id = 1", "id = 0xffff_ffff_ffff_ffff") + KERNEL,
                        "base.id: expected a VM id from 0 to 9223372036854775807, got 18446744073709551615"),
                Arguments.of(BASE.replace("id = 1", "id = 1.0") + KERNEL,
                        "base.id: expected a non-negative integer, got the float 1.0"),
                Arguments.of(BASE.replace("id = 1", "id = true") + KERNEL,
                        "base.id: expected a non-negative integer, got the boolean true"),
                Arguments.of(BASE.replace("\"t\"", "5") + KERNEL, "t.toml:3: base.name: expected a string, got 5"),
                Arguments.of(BASE.replace("\"t\"", "\"\"") + KERNEL, "base.name: expected a non-empty name"),
                Arguments.of(BASE.replace("\"t\"", "\"a\\nb\"") + KERNEL,
                        "base.name: expected a name without control characters, got \"a\\nb\""),
                Arguments.of(BASE.replace("vm_type = 1", "vm_type = 3") + KERNEL,
                        "t.toml:4: base.vm_type: expected 0 (host VM), 1 (RTOS) or 2 (Linux), got 3"),
                Arguments.of(BASE.replace("cpu_num = 2", "cpu_num = 0") + KERNEL,
                        "t.toml:5: base.cpu_num: expected 1 to 1024 vCPUs, got 0"),
                Arguments.of(BASE.replace("cpu_num = 2", "cpu_num = 1025") + KERNEL,
                        "base.cpu_num: expected 1 to 1024 vCPUs, got 1025"),
                Arguments.of(BASE.replace("cpu_num = 2", "cpu_num = 0xffff_ffff_ffff_ffff") + KERNEL,
                        "base.cpu_num: expected 1 to 1024 vCPUs, got 18446744073709551615"),
                Arguments.of(with("base", "phys_cpu_ids = [0]"),
                        "t.toml:6: base.phys_cpu_ids: expected one entry per vCPU (cpu_num = 2), got 1"),
                Arguments.of(with("base", "phys_cpu_sets = [1, 2, 4]"),
                        "base.phys_cpu_sets: expected one entry per vCPU (cpu_num = 2), got 3"),
                Arguments.of(with("base", "phys_cpu_sets = [1, 0]"),
                        "t.toml:6: base.phys_cpu_sets[1]: expected a non-zero CPU bitmask, got 0"),
                Arguments.of(with("base", "phys_cpu_ids = \"0,1\""),
                        "base.phys_cpu_ids: expected an array, got the string \"0,1\""),
                Arguments.of(with("base", "phys_cpu_ids = [0, -1]"),
                        "base.phys_cpu_ids[1]: expected a non-negative integer, got -1"),
                // [kernel] keys
                Arguments.of(replacing("kernel_path = \"k.bin\"\n", ""), "t.toml:6: kernel.kernel_path: missing"
                        + " required key"),
                Arguments.of(replacing("entry_point = 0x10_0000\n", ""), "kernel.entry_point: missing required key"),
                Arguments.of(replacing("kernel_load_addr = 0x10_0000\n", ""),
                        "kernel.kernel_load_addr: missing required key"),
                Arguments.of(replacing("\"k.bin\"", "\"\""), "t.toml:8: kernel.kernel_path: expected a non-empty path"),
                Arguments.of(replacing("\"k.bin\"", "\"a\\u0000b\""), "kernel.kernel_path: expected a file path, got"
                        + " the string \"a\\u0000b\""),
                Arguments.of(replacing("\"k.bin\"", "7"), "kernel.kernel_path: expected a string, got 7"),
                Arguments.of(replacing("entry_point = 0x10_0000", "entry_point = \"abc\""),
                        "t.toml:7: kernel.entry_point: expected an integer such as 0x8000_0000, got the string"
                                + " \"abc\""),
                Arguments.of(replacing("entry_point = 0x10_0000", "entry_point = \"-5\""),
                        "kernel.entry_point: expected a non-negative integer, got the string \"-5\""),
                Arguments.of(replacing("entry_point = 0x10_0000", "entry_point = \"0x1_0000_0000_0000_0000\""),
                        "kernel.entry_point: expected an integer such as 0x8000_0000, got the string"
                                + " \"0x1_0000_0000_0000_0000\" (number does not fit in 64 bits)"),
                Arguments.of(with("kernel", "bios_path = \"bios.bin\""), "t.toml:11: kernel.bios_path: bios_path is"
                        + " set, so bios_load_addr is required too"),
                Arguments.of(with("kernel", "bios_load_addr = 0x8000"), "kernel.bios_load_addr: bios_load_addr is"
                        + " set without bios_path; add bios_path or remove bios_load_addr"),
                Arguments.of(with("kernel", "dtb_path = \"a.dtb\""), "kernel.dtb_path: dtb_path is set, so"
                        + " dtb_load_addr is required too"),
                Arguments.of(with("kernel", "ramdisk_load_addr = 0x800_0000"), "kernel.ramdisk_load_addr:"
                        + " ramdisk_load_addr is set without ramdisk_path"),
                Arguments.of(with("kernel", "image_location = \"disk\""), "t.toml:11: kernel.image_location: expected"
                        + " \"memory\" or \"fs\", got the string \"disk\""),
                Arguments.of(with("kernel", "image_location = 1"), "kernel.image_location: expected a string, got 1"),
                Arguments.of(with("kernel", "kernel_format = \"bzimage\""), "kernel.kernel_format: expected \"auto\","
                        + " \"raw\", \"elf\", \"multiboot\", \"linux\", \"pvh\" or \"linux64\", got the string"
                        + " \"bzimage\""),
                Arguments.of(with("kernel", "cmdline = \"a\\u0000\""), "kernel.cmdline: expected a command line"
                        + " without NUL characters"),
                Arguments.of(with("kernel", "disk_path = \"\""), "kernel.disk_path: expected a non-empty path"),
                // memory regions
                Arguments.of(replacing("memory_regions = [[0, 0x1000_0000, 0x7, 0]]\n", ""),
                        "kernel.memory_regions: missing required key"),
                Arguments.of(replacing("[[0, 0x1000_0000, 0x7, 0]]", "[]"), "t.toml:10: kernel.memory_regions:"
                        + " expected at least one memory region"),
                Arguments.of(replacing("[[0, 0x1000_0000, 0x7, 0]]", "[0, 0x1000, 7]"),
                        "kernel.memory_regions[0]: expected a table or an array [gpa, size, flags, map_type, backing],"
                                + " got 0"),
                Arguments.of(replacing("[[0, 0x1000_0000, 0x7, 0]]", "[[0x1234, 0x1000, 7, 0]]"),
                        "t.toml:10: kernel.memory_regions[0].gpa: expected a multiple of 0x1000, got 0x1234"),
                Arguments.of(replacing("[[0, 0x1000_0000, 0x7, 0]]", "[[0, 0, 7, 0]]"),
                        "kernel.memory_regions[0].size: expected a positive multiple of 0x1000, got 0x0"),
                Arguments.of(replacing("[[0, 0x1000_0000, 0x7, 0]]", "[[0, -4096, 7, 0]]"),
                        "kernel.memory_regions[0].size: expected a non-negative integer, got -4096"),
                Arguments.of(replacing("[[0, 0x1000_0000, 0x7, 0]]", "[[0xf_ffff_ffff_f000, 0x2000, 7]]"),
                        "kernel.memory_regions[0].size: expected the region to end at or below 2^52"
                                + " (0x10000000000000), got 0xffffffffff000 + 0x2000"),
                Arguments.of(replacing("[[0, 0x1000_0000, 0x7, 0]]", "[[0xffff_ffff_ffff_f000, 0x2000, 7]]"),
                        "kernel.memory_regions[0].size: expected the region to end at or below 2^52"),
                Arguments.of(replacing("[[0, 0x1000_0000, 0x7, 0]]", "[[0, 0x1000, 0x27]]"),
                        "kernel.memory_regions[0].flags: expected flags made of R=0x1 W=0x2 X=0x4 U=0x8 DEVICE=0x10"
                                + " (unknown bits 0x20), got 0x27"),
                Arguments.of(replacing("[[0, 0x1000_0000, 0x7, 0]]", "[[0, 0x1000, 7, 3]]"),
                        "kernel.memory_regions[0].map_type: expected 0 (allocate), 1 (identical) or 2 (reserved),"
                                + " got 3"),
                Arguments.of(replacing("[[0, 0x1000_0000, 0x7, 0]]", "[[0, 0x1000, 7, 2]]"),
                        "kernel.memory_regions[0].map_type: map_type 2 (reserved) needs a backing file"),
                Arguments.of(replacing("[[0, 0x1000_0000, 0x7, 0]]", "[[0, 0x1000, 7, 0, \"/dev/shm/x\"]]"),
                        "kernel.memory_regions[0].backing: backing is only allowed with map_type 2 (reserved), got"
                                + " map_type 0"),
                Arguments.of(replacing("[[0, 0x1000_0000, 0x7, 0]]", "[{gpa = 0, size = 0x1000, flags = 7,"
                        + " backing = \"f\"}]"), "kernel.memory_regions[0].backing: backing is only allowed with"
                        + " map_type 2"),
                Arguments.of(replacing("[[0, 0x1000_0000, 0x7, 0]]", "[[0, 0x1000, 7, 2, \"f\", 9]]"),
                        "kernel.memory_regions[0]: expected at most 5 elements [gpa, size, flags, map_type, backing],"
                                + " got 6"),
                Arguments.of(replacing("[[0, 0x1000_0000, 0x7, 0]]", "[[0, 0x1000]]"),
                        "t.toml:10: kernel.memory_regions[0].flags: missing: the array form is [gpa, size, flags,"
                                + " map_type, backing] and has only 2 elements here"),
                Arguments.of(replacing("[[0, 0x1000_0000, 0x7, 0]]", "[{gpa = 0, size = 0x1000, flags = 7,"
                        + " typ = 0}]"), "kernel.memory_regions[0].typ: unknown key; known keys here: gpa, size,"
                        + " flags, map_type, backing"),
                Arguments.of(replacing("[[0, 0x1000_0000, 0x7, 0]]", "[{gpa = 0, size = 0x1000}]"),
                        "kernel.memory_regions[0].flags: missing required key"),
                // [devices]
                Arguments.of(with("devices", "interrupt_mode = \"msi\""), "t.toml:12: devices.interrupt_mode:"
                        + " expected \"no_irq\" (or \"no\" or \"none\"), \"emu\" (or \"emulated\"), \"passthrough\""
                        + " (or \"pt\"), got the string \"msi\""),
                Arguments.of(with("devices", "emu_devices = [[\"uart\", 0x1000, 0x100, 4, 0x2]]"),
                        "devices.emu_devices[0].cfg_list: missing: the array form is [name, base_gpa, length, irq_id,"
                                + " emu_type, cfg_list, path, read_only, tap, mac, guest_cid] and has only 5 elements here"),
                Arguments.of(with("devices", "emu_devices = [[\"x\", 0, 0x1000, 0, 0x5, []]]"),
                        "devices.emu_devices[0].emu_type: expected an emulated device type (0x0 DUMMY, 0x1"
                                + " INTERRUPT_CONTROLLER, 0x2 CONSOLE, 0xa IVC_CHANNEL,"),
                Arguments.of(with("devices", "emu_devices = [[\"x\", 0xffff_ffff_ffff_f000, 0x2000, 0, 0, []]]"),
                        "devices.emu_devices[0].length: expected a range below 2^64, got 0xfffffffffffff000 +"
                                + " 0x2000, which overflows"),
                Arguments.of(with("devices", "emu_devices = [[\"x\", 0, 0, 0, 0, [-1]]]"),
                        "devices.emu_devices[0].cfg_list[0]: expected a non-negative integer, got -1"),
                Arguments.of(with("devices", "emu_devices = [{name = \"n\", base_gpa = 0xd0000000, length = 0x1000,"
                        + " irq_id = 16, emu_type = 0xe2, cfg_list = [], tap = \"a b\"}]"),
                        "devices.emu_devices[0].tap: expected a network interface name (1 to 15 printable characters,"
                                + " no '/', ':' or spaces), got \"a b\""),
                Arguments.of(with("devices", "emu_devices = [{name = \"n\", base_gpa = 0xd0000000, length = 0x1000,"
                        + " irq_id = 16, emu_type = 0xe2, cfg_list = [], tap = \"t0\", mac = \"03:00:00:00:00:01\"}]"),
                        "devices.emu_devices[0].mac: expected a unicast MAC address, got 03:00:00:00:00:01, a"
                                + " multicast one (the first byte is odd)"),
                Arguments.of(with("devices", "emu_devices = [{name = \"d\", base_gpa = 0xd0000000, length = 0x1000,"
                        + " irq_id = 16, emu_type = 0xe1, cfg_list = [], path = \"d.img\", tap = \"t0\"}]"),
                        "devices.emu_devices[0]: tap: only a VirtioNet device (emu_type 0xe2) has one"),
                Arguments.of(with("devices", "emu_devices = [{name = \"v\", base_gpa = 0xd0000000, length = 0x1000,"
                        + " irq_id = 16, emu_type = 0xe5, cfg_list = [], path = \"v.sock\", guest_cid = 1}]"),
                        "devices.emu_devices[0]: guest_cid: expected 3 to 4294967294 (0-2 are the hypervisor's and"
                                + " the host's), got 1"),
                Arguments.of(with("devices", "emu_devices = {}"), "devices.emu_devices: expected an array, got a"
                        + " table"),
                Arguments.of(with("devices", "passthrough_devices = [[]]"), "devices.passthrough_devices[0].name:"
                        + " missing: the array form is [name, base_gpa, base_hpa, length, irq_id]"),
                Arguments.of(with("devices", "passthrough_devices = [[\"x\", 0, 0xffff_ffff_ffff_f000, 0x2000]]"),
                        "devices.passthrough_devices[0].length: expected a range below 2^64"),
                Arguments.of(with("devices", "passthrough_addresses = [{ base_gpa = 0x1000 }]"),
                        "devices.passthrough_addresses[0].length: missing required key"),
                Arguments.of(with("devices", "excluded_devices = [[1]]"),
                        "devices.excluded_devices[0][0]: expected a string, got 1"),
                Arguments.of(with("devices", "excluded_devices = [\"/a\"]"),
                        "devices.excluded_devices[0]: expected an array, got the string \"/a\""));
    }

    @ParameterizedTest
    @MethodSource("badConfigs")
    void badConfigsAreReportedPrecisely(String toml, String message) {
        assertThatThrownBy(() -> parse(toml)).isInstanceOf(ConfigException.class).hasMessageContaining(message);
    }

    @Test
    void textLargerThanTheLimitIsRefused() {
        String text = BASE + KERNEL + "#".repeat(VmConfigParser.MAX_CONFIG_BYTES);
        assertThatThrownBy(() -> parse(text)).isInstanceOf(ConfigException.class)
                .hasMessage("t.toml: config is larger than 1048576 bytes");
    }

    private static ConfigException catchConfig(String toml) {
        try {
            parse(toml);
        } catch (ConfigException e) {
            return e;
        }
        throw new AssertionError("no ConfigException for " + toml);
    }
}
