package javisor.vmm.embed;

import java.nio.file.Path;

import javisor.vm.ImageResolver;
import javisor.vm.config.ConfigException;
import javisor.vm.config.VmConfig;

import org.junit.jupiter.api.Test;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/** What a spec turns into, and what it refuses, before any KVM. */
class VmSpecTest {
    private static final String TOML = """
            [base]
            id = 5
            name = "five"
            vm_type = 1
            cpu_num = 2

            [kernel]
            entry_point = 0x10_0000
            image_location = "memory"
            kernel_path = "hello.elf"
            kernel_load_addr = 0x10_0000
            memory_regions = [[0x0, 0x40_0000, 0x7, 0]]

            [devices]
            """;

    @Test
    void aKernelSpecIsJavisorRunsKernelConfigWithTheIdItIsGiven() {
        VmSpec s = VmSpec.kernel(Path.of("/guests/hello.elf")).withCmdline("exit=3").withCpus(2).withMemoryMiB(64);
        assertThat(s.fixedId()).isEmpty();
        VmConfig c = s.configWith(3);
        assertThat(c.base().id()).isEqualTo(3);
        assertThat(c.base().name()).isEqualTo("hello.elf");
        assertThat(c.base().cpuNum()).isEqualTo(2);
        assertThat(c.kernel().cmdline()).contains("exit=3");
        assertThat(c.kernel().memoryRegions().getFirst().size()).isEqualTo(64L << 20);
        assertThat(s.withName("greeter").configWith(3).base().name()).isEqualTo("greeter");
    }

    @Test
    void aConfigSpecKeepsItsIdAndTakesBundledImagesFromTheJar() {
        VmSpec s = VmSpec.config(TOML);
        assertThat(s.fixedId()).contains(5L);
        assertThat(s.configWith(99).base().id()).as("a config's id is its own").isEqualTo(5);
        assertThat(s.images()).isEqualTo(ImageResolver.classpath("javisor-vms"));
    }

    @Test
    void kernelSettingsOnAConfigSpecAreRefused() {
        assertThatThrownBy(() -> VmSpec.config(TOML).withCmdline("x")).isInstanceOf(IllegalStateException.class)
                .hasMessage("withCmdline is for a kernel spec; a config says it in [base] or [kernel]");
    }

    @Test
    void badValuesFailNamingWhatIsWrong() {
        assertThatThrownBy(() -> VmSpec.config("[base]\nid = \"x\"\n")).isInstanceOf(ConfigException.class);
        assertThatThrownBy(() -> VmSpec.kernel(Path.of("k.elf")).withMemoryMiB(1).configWith(1))
                .isInstanceOf(ConfigException.class).hasMessageContaining("--memory");
    }
}
