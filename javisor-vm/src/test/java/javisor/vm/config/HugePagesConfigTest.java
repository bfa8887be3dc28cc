package javisor.vm.config;

import java.nio.file.Path;
import java.util.Optional;

import org.junit.jupiter.api.Test;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/** {@code kernel.huge_pages}: read, checked against the regions, written back only when not the default. */
class HugePagesConfigTest {
    private static VmConfig parse(String kernelLine, String regions) {
        String kernel = VmConfigParserTest.KERNEL.replace("memory_regions = [[0, 0x1000_0000, 0x7, 0]]", regions)
                + kernelLine + "\n";
        return VmConfig.parse(VmConfigParserTest.BASE + kernel + "[devices]\n", Optional.of(Path.of("t.toml")));
    }

    private static final String REGIONS = "memory_regions = [[0, 0x1000_0000, 0x7, 0]]";

    @Test
    void theDefaultIsSmallPages() {
        VmConfig c = parse("", REGIONS);
        assertThat(c.kernel().hugePages()).isEqualTo(HugePages.NONE);
        assertThat(c.toToml()).doesNotContain("huge_pages");
    }

    @Test
    void eachPolicyIsReadAndSurvivesTheRoundTrip() {
        for (HugePages h : HugePages.values()) {
            VmConfig c = parse("huge_pages = \"" + h.tomlName() + "\"", REGIONS);
            assertThat(c.kernel().hugePages()).isEqualTo(h);
            assertThat(VmConfig.parse(c.toToml(), c.source()).kernel().hugePages()).isEqualTo(h);
        }
    }

    @Test
    void anUnknownPolicyIsRefusedNamingTheChoices() {
        assertThatThrownBy(() -> parse("huge_pages = \"1G\"", REGIONS)).isInstanceOf(ConfigException.class)
                .hasMessageContaining("kernel.huge_pages: expected \"none\", \"transparent\" or \"2M\"");
    }

    @Test
    void twoMebibytePagesNeedRamInWholePages() {
        assertThatThrownBy(() -> parse("huge_pages = \"2M\"", "memory_regions = [[0, 0x30_0000, 0x7, 0]]"))
                .isInstanceOf(ConfigException.class).hasMessageContaining(
                        "huge_pages: \"2M\" needs RAM in whole 2 MiB pages, but region 0 is 0x300000 bytes at 0x0");
        assertThat(parse("huge_pages = \"transparent\"", "memory_regions = [[0, 0x30_0000, 0x7, 0]]").kernel()
                .hugePages()).isEqualTo(HugePages.TRANSPARENT);
    }
}
