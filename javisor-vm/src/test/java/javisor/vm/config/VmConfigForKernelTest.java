package javisor.vm.config;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.nio.file.Path;
import java.util.List;
import java.util.Optional;
import java.util.OptionalLong;

import javisor.vm.loader.ImageFormat;

import org.junit.jupiter.api.Test;

class VmConfigForKernelTest {

    @Test
    void defaultsForAConfigLessRun() {
        VmConfig c = VmConfig.forKernel(Path.of("/boot/vmlinuz"), Optional.empty(), Optional.empty(), 1, 64);
        assertThat(c.source()).isEmpty();
        assertThat(c.base()).isEqualTo(new BaseConfig(1, "vmlinuz", VmType.RTOS, 1, List.of(), List.of()));
        KernelConfig k = c.kernel();
        assertThat(k.kernelPath()).isEqualTo(Path.of("/boot/vmlinuz"));
        assertThat(k.entryPoint()).isEqualTo(0x10_0000L);
        assertThat(k.kernelLoadAddr()).isEqualTo(0x10_0000L);
        assertThat(k.kernelFormat()).isEqualTo(ImageFormat.AUTO);
        assertThat(k.imageLocation()).isEqualTo(ImageLocation.FS);
        assertThat(k.memoryRegions()).containsExactly(MemoryRegionConfig.ram(0, 64L << 20));
        assertThat(k.biosPath()).isEmpty();
        assertThat(k.dtbPath()).isEmpty();
        assertThat(k.ramdiskPath()).isEmpty();
        assertThat(k.cmdline()).isEmpty();
        assertThat(c.devices()).isEqualTo(new DevicesConfig(List.of(), List.of(), InterruptMode.PASSTHROUGH, List.of(),
                List.of()));
    }

    @Test
    void initrdAndCmdlineAreTaken() {
        VmConfig c = VmConfig.forKernel(Path.of("/k/bzImage"), Optional.of(Path.of("/k/initrd.img")),
                Optional.of("console=ttyS0"), 4, 512);
        assertThat(c.base().cpuNum()).isEqualTo(4);
        assertThat(c.kernel().ramdiskPath()).contains(Path.of("/k/initrd.img"));
        assertThat(c.kernel().ramdiskLoadAddr()).isEqualTo(OptionalLong.empty());
        assertThat(c.kernel().cmdline()).contains("console=ttyS0");
    }

    @Test
    void relativePathsAreMadeAbsolute() {
        VmConfig c = VmConfig.forKernel(Path.of("guests/../k.bin"), Optional.of(Path.of("i.img")), Optional.empty(),
                1, 16);
        assertThat(c.kernel().kernelPath()).isEqualTo(Path.of("k.bin").toAbsolutePath());
        assertThat(c.kernel().ramdiskPath()).contains(Path.of("i.img").toAbsolutePath());
        assertThat(c.base().name()).isEqualTo("k.bin");
    }

    @Test
    void badCpuCountNamesTheOption() {
        assertThatThrownBy(() -> VmConfig.forKernel(Path.of("/k"), Optional.empty(), Optional.empty(), 0, 64))
                .isInstanceOf(ConfigException.class)
                .hasMessage("command line: --cpus: expected 1 to 1024 vCPUs, got 0");
    }

    @Test
    void tooLittleMemoryNamesTheOption() {
        assertThatThrownBy(() -> VmConfig.forKernel(Path.of("/k"), Optional.empty(), Optional.empty(), 1, 1))
                .isInstanceOf(ConfigException.class)
                .hasMessage("command line: --memory: expected 2 to 4294967296 MiB (the kernel loads at 0x100000),"
                        + " got 1");
    }

    @Test
    void tooMuchMemoryNamesTheOption() {
        assertThatThrownBy(() -> VmConfig.forKernel(Path.of("/k"), Optional.empty(), Optional.empty(), 1,
                Long.MAX_VALUE)).isInstanceOf(ConfigException.class).hasMessageContaining("--memory: expected 2 to");
    }

    @Test
    void emptyKernelPathNamesTheOption() {
        assertThatThrownBy(() -> VmConfig.forKernel(Path.of(""), Optional.empty(), Optional.empty(), 1, 64))
                .isInstanceOf(ConfigException.class).hasMessage("command line: --kernel: expected a kernel image"
                        + " file, got \"\"");
    }

    @Test
    void cmdlineWithNulNamesTheOption() {
        assertThatThrownBy(() -> VmConfig.forKernel(Path.of("/k"), Optional.empty(), Optional.of("a\0b"), 1, 64))
                .isInstanceOf(ConfigException.class)
                .hasMessage("command line: --cmdline: expected a command line without NUL characters");
    }

    @Test
    void kernelNameWithControlCharactersIsAConfigException() {
        assertThatThrownBy(() -> VmConfig.forKernel(Path.of("/k/a\nb"), Optional.empty(), Optional.empty(), 1, 64))
                .isInstanceOf(ConfigException.class).hasMessageStartingWith("command line: --kernel: name:");
    }
}
