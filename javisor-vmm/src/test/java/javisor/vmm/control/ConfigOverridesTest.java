package javisor.vmm.control;

import java.nio.file.Path;
import java.util.Optional;
import java.util.OptionalInt;
import java.util.OptionalLong;

import javisor.vm.config.VmConfig;
import javisor.vmm.VmmException;
import javisor.vmm.GuestToml;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/** vm create's -n/-c/-m on a parsed config. */
@Timeout(10)
class ConfigOverridesTest {
    private static VmConfig config(String base, String regions) {
        return VmConfig.parse(new GuestToml(4, "orig", Path.of("k.elf"), 1, regions, base, "", "", "").text(),
                Optional.of(Path.of("cfg.toml")));
    }

    private static final String ONE_REGION = "[0x0, 0x1000000, 0x7, 0]";

    @Test
    void nothingGivenChangesNothing() {
        VmConfig c = config("", ONE_REGION);
        assertThat(ConfigOverrides.NONE.applyTo(c)).isEqualTo(c);
    }

    @Test
    void nameCpuAndMemoryReplaceTheConfigsValues() {
        VmConfig c = new ConfigOverrides(Optional.of("new name"), OptionalInt.of(3), OptionalLong.of(64))
                .applyTo(config("", ONE_REGION + ", [0x10000000, 0x1000, 0x3, 0]"));
        assertThat(c.base().name()).isEqualTo("new name");
        assertThat(c.base().cpuNum()).isEqualTo(3);
        assertThat(c.base().id()).isEqualTo(4);
        assertThat(c.kernel().memoryRegions().getFirst().size()).isEqualTo(64L << 20);
        assertThat(c.kernel().memoryRegions().get(1).size()).isEqualTo(0x1000);
    }

    @Test
    void aBadCpuCountIsReportedAsTheOption() {
        assertThatThrownBy(() -> new ConfigOverrides(Optional.empty(), OptionalInt.of(0), OptionalLong.empty())
                .applyTo(config("", ONE_REGION))).isInstanceOf(VmmException.class)
                .hasMessage("cfg.toml: --cpu 0: expected 1 to 1024 vCPUs, got 0");
    }

    @Test
    void aCpuCountThatContradictsPinningIsRefused() {
        assertThatThrownBy(() -> new ConfigOverrides(Optional.empty(), OptionalInt.of(2), OptionalLong.empty())
                .applyTo(config("phys_cpu_ids = [0]", ONE_REGION)))
                .hasMessage("cfg.toml: --cpu 2 does not match base.phys_cpu_ids, which pins 1 vCPU;"
                        + " change the config instead");
    }

    @Test
    void memoryThatWouldOverlapTheNextRegionIsRefused() {
        assertThatThrownBy(() -> new ConfigOverrides(Optional.empty(), OptionalInt.empty(), OptionalLong.of(512))
                .applyTo(config("", ONE_REGION + ", [0x10000000, 0x1000, 0x3, 0]")))
                .hasMessage("cfg.toml: --memory 512: regions 0 and 1 overlap");
    }

    @Test
    void aNameWithControlCharactersIsRefused() {
        assertThatThrownBy(() -> new ConfigOverrides(Optional.of("a\tb"), OptionalInt.empty(), OptionalLong.empty())
                .applyTo(config("", ONE_REGION))).hasMessageStartingWith("cfg.toml: --name: expected a name");
    }
}
