package javisor.vm.config;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.OptionalLong;
import java.util.Random;
import java.util.stream.Stream;

import javisor.memory.MappingKind;
import javisor.memory.RegionFlags;
import javisor.vm.loader.ImageFormat;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

class VmConfigRoundTripTest {

    private static void assertRoundTrips(VmConfig c) {
        String toml = c.toToml();
        VmConfig back = VmConfig.parse(toml, c.source());
        assertThat(back).as(toml).isEqualTo(c);
        assertThat(back.toToml()).isEqualTo(toml);
    }

    @ParameterizedTest
    @ValueSource(strings = {"nimbos-x86_64-qemu-smp1.toml", "linux-aarch64-qemu-smp1.toml",
            "javisor-extensions.toml"})
    void examplesRoundTrip(String name) {
        assertRoundTrips(VmConfigParserTest.example(name));
    }

    @Test
    void forKernelRoundTrips() {
        assertRoundTrips(VmConfig.forKernel(Path.of("/k/bzImage"), Optional.of(Path.of("/k/initrd")),
                Optional.of("console=ttyS0 root=/dev/vda \"quoted\" back\\slash"), 3, 256));
    }

    @Test
    void extremeValuesAndAwkwardStringsRoundTrip() {
        long max = -1L;
        VmConfig c = new VmConfig(Optional.of(Path.of("x.toml")),
                new BaseConfig(Long.MAX_VALUE, "na\"me \\ é \uD83D\uDE00 '''", VmType.HOST_VM, 2,
                        List.of(max, Long.MIN_VALUE), List.of(max, 1L)),
                new KernelConfig(max, Path.of("dir with space/k\"q.bin"), Long.MIN_VALUE,
                        Optional.of(Path.of("b")), OptionalLong.of(max), Optional.of(Path.of("d.dtb")),
                        OptionalLong.of(0), Optional.of(Path.of("r")), OptionalLong.of(0x1234),
                        ImageLocation.MEMORY, Optional.of("tab\tnl\nctl\u0001del\u007f"), Optional.of(Path.of("disk")),
                        List.of(new MemoryRegionConfig(0xf_ffff_ffff_f000L, 0x1000, new RegionFlags(RegionFlags.ALL),
                                MappingKind.MAP_RESERVED, Optional.of(Path.of("/dev/shm/a b"))),
                                new MemoryRegionConfig(0, 0x1000, new RegionFlags(0), MappingKind.MAP_IDENTICAL,
                                        Optional.empty())),
                        ImageFormat.MULTIBOOT),
                new DevicesConfig(
                        List.of(new EmulatedDeviceConfig("", 0, max, max, EmulatedDeviceType.GPPT_ITS,
                                List.of(max, 0L, 5L))),
                        List.of(new PassthroughDeviceConfig("p", 1, 2, 3, max)),
                        InterruptMode.EMULATED, List.of(List.of(), List.of("/a", "\"")),
                        List.of(new PassthroughAddressConfig(max, 0))));
        assertRoundTrips(c);
    }

    @Test
    void randomConfigsRoundTrip() {
        Random random = new Random(42);
        for (int i = 0; i < 500; i++) {
            assertRoundTrips(randomConfig(random));
        }
    }

    private static VmConfig randomConfig(Random r) {
        int cpus = 1 + r.nextInt(BaseConfig.MAX_CPUS);
        List<Long> ids = r.nextBoolean() ? List.of() : Stream.generate(r::nextLong).limit(cpus).toList();
        List<Long> sets = r.nextBoolean() ? List.of()
                : Stream.generate(() -> r.nextLong() | 1).limit(cpus).toList();
        BaseConfig base = new BaseConfig(r.nextLong() & Long.MAX_VALUE, randomText(r, false) + "n",
                VmType.values()[r.nextInt(3)], cpus, ids, sets);
        List<MemoryRegionConfig> regions = new ArrayList<>();
        long next = (r.nextLong() & 0xffff) << 12;
        for (int n = 1 + r.nextInt(5); n > 0; n--) {
            long size = (1 + (r.nextLong() & 0xffff)) << 12;
            MappingKind kind = MappingKind.values()[r.nextInt(3)];
            regions.add(new MemoryRegionConfig(next, size, new RegionFlags(r.nextInt(RegionFlags.ALL + 1)), kind,
                    kind == MappingKind.MAP_RESERVED ? Optional.of(Path.of("/dev/shm/" + randomText(r, false) + "x"))
                            : Optional.empty()));
            next += size + ((r.nextLong() & 0xff) << 12);
        }
        boolean bios = r.nextBoolean();
        boolean ramdisk = r.nextBoolean();
        KernelConfig kernel = new KernelConfig(r.nextLong(), Path.of("k" + randomText(r, false)), r.nextLong(),
                bios ? Optional.of(Path.of("bios")) : Optional.empty(),
                bios ? OptionalLong.of(r.nextLong()) : OptionalLong.empty(),
                Optional.empty(), r.nextBoolean() ? OptionalLong.of(r.nextLong()) : OptionalLong.empty(),
                ramdisk ? Optional.of(Path.of("rd")) : Optional.empty(),
                ramdisk && r.nextBoolean() ? OptionalLong.of(r.nextLong()) : OptionalLong.empty(),
                ImageLocation.values()[r.nextInt(2)],
                r.nextBoolean() ? Optional.of(randomText(r, true)) : Optional.empty(),
                Optional.empty(), regions, ImageFormat.values()[r.nextInt(4)]);
        List<EmulatedDeviceConfig> emu = new ArrayList<>();
        for (int n = r.nextInt(3); n > 0; n--) {
            EmulatedDeviceType type = EmulatedDeviceType.values()[r.nextInt(EmulatedDeviceType.values().length)];
            boolean net = type == EmulatedDeviceType.VIRTIO_NET;
            byte[] mac = new byte[6];
            r.nextBytes(mac);
            mac[0] &= (byte) 0xfe;
            emu.add(new EmulatedDeviceConfig(randomText(r, true), r.nextLong() & 0xffff_ffffL, r.nextInt(0x10000),
                    r.nextLong(), type, Stream.generate(r::nextLong).limit(r.nextInt(4)).toList(),
                    r.nextBoolean() ? Optional.of(Path.of("dev" + r.nextInt(9) + ".img")) : Optional.empty(),
                    r.nextBoolean(), net && r.nextBoolean() ? Optional.of("tap" + r.nextInt(99)) : Optional.empty(),
                    net && r.nextBoolean() ? Optional.of(new MacAddress(mac)) : Optional.empty(),
                    type == EmulatedDeviceType.VIRTIO_VSOCK ? OptionalLong.of(3 + (r.nextLong() & 0xffff))
                            : OptionalLong.empty()));
        }
        DevicesConfig devices = new DevicesConfig(emu,
                r.nextBoolean() ? List.of(PassthroughDeviceConfig.named(randomText(r, true))) : List.of(),
                InterruptMode.values()[r.nextInt(3)], List.of(), List.of());
        return new VmConfig(Optional.of(Path.of("r.toml")), base, kernel, devices);
    }

    private static String randomText(Random r, boolean controls) {
        String pool = "abcXYZ019 _-.,:;\"'\\/#[]{}=é\u00ff\u6d4b" + (controls ? "\t\n\r\u0001\u007f" : "");
        StringBuilder sb = new StringBuilder();
        for (int n = r.nextInt(12); n > 0; n--) {
            sb.append(pool.charAt(r.nextInt(pool.length())));
        }
        if (r.nextInt(10) == 0) {
            sb.append("\uD83D\uDE00");
        }
        return sb.toString();
    }
}
