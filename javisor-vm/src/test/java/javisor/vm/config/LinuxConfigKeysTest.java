package javisor.vm.config;


import javisor.vm.loader.ImageFormat;
import org.junit.jupiter.api.Test;

import static javisor.vm.config.VmConfigParserTest.parse;
import static javisor.vm.config.VmConfigParserTest.with;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/** Javisor's keys for Linux guests: the Linux kernel formats, cpu_template and i8042_reset. */
class LinuxConfigKeysTest {
    @Test
    void defaultsAreTheHostCpuAndStopOnReset() {
        VmConfig c = parse(with("devices", ""));
        assertThat(c.base().cpuTemplate()).isEqualTo("host");
        assertThat(c.devices().i8042Reset()).isEqualTo(I8042Reset.STOP);
        assertThat(c.toToml()).doesNotContain("cpu_template").doesNotContain("i8042_reset");
    }

    @Test
    void theKeysAreReadAndWrittenBack() {
        VmConfig c = parse(with("base", "cpu_template = \"minimal\"").replace("[devices]\n",
                "[devices]\ni8042_reset = \"reset\"\n").replace("memory_regions", "kernel_format = \"pvh\"\nmemory_regions"));
        assertThat(c.base().cpuTemplate()).isEqualTo("minimal");
        assertThat(c.devices().i8042Reset()).isEqualTo(I8042Reset.RESET);
        assertThat(c.kernel().kernelFormat()).isEqualTo(ImageFormat.PVH);
        assertThat(VmConfig.parse(c.toToml(), c.source())).isEqualTo(c);
    }

    @Test
    void linuxFormatsHaveTheirTomlNames() {
        assertThat(ImageFormat.ofConfigName("linux")).contains(ImageFormat.LINUX);
        assertThat(ImageFormat.ofConfigName("linux64")).contains(ImageFormat.LINUX64);
        assertThat(ImageFormat.ofConfigName("pvh")).contains(ImageFormat.PVH);
    }

    @Test
    void badValuesNameTheKeyAndTheChoices() {
        assertThatThrownBy(() -> parse(with("base", "cpu_template = \"t2\"")))
                .hasMessageContaining("t.toml:6: base.cpu_template: expected one of [host, x86-64-v2, minimal], got \"t2\"");
        assertThatThrownBy(() -> parse(with("devices", "i8042_reset = \"reboot\"")))
                .hasMessageContaining("devices.i8042_reset: expected \"stop\" or \"reset\", got the string \"reboot\"");
    }
}
