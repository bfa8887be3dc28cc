package javisor.vm.config;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Optional;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/** {@code [limits]}: read, checked with the key named, written back, combined with the process's. */
class LimitsConfigTest {
    private static VmConfig parse(String limits) {
        return VmConfig.parse(VmConfigParserTest.BASE + VmConfigParserTest.KERNEL + limits, Optional.of(Path.of("t.toml")));
    }

    @Test
    void aConfigWithoutLimitsHasTheDefaults() {
        assertThat(parse("").limits()).isEqualTo(LimitsConfig.DEFAULT);
    }

    @Test
    void everyKeyIsRead() {
        LimitsConfig l = parse("""
                [limits]
                memory_mib = 512
                vcpus = 2
                ivc_bytes = 0x10_0000
                console_log_bytes = 65536
                unclaimed_log_lines = 0
                exits_per_second = 1000
                on_storm = "stop"
                """).limits();
        assertThat(l).isEqualTo(new LimitsConfig(512, 2, 0x10_0000, 65536, 0, 1000, LimitsConfig.StormAction.STOP));
    }

    @Test
    void keysLeftOutKeepTheirDefaults() {
        LimitsConfig l = parse("[limits]\nvcpus = 4\n").limits();
        assertThat(l.vcpus()).isEqualTo(4);
        assertThat(l.consoleLogBytes()).isEqualTo(LimitsConfig.DEFAULT.consoleLogBytes());
    }

    @ParameterizedTest
    @CsvSource(delimiter = '|', value = {
        "memory_mib = 0        | t.toml:12: limits.memory_mib: expected at least 1, got 0",
        "vcpus = 0             | t.toml:12: limits.vcpus: expected at least 1, got 0",
        "console_log_bytes = 100 | t.toml:12: limits.console_log_bytes: expected at least 4096, got 100",
        "on_storm = \"kill\"   | t.toml:12: limits.on_storm: expected \"report\" or \"stop\"",
        "exits_per_second = -1 | t.toml:12: limits.exits_per_second:",
        "max_rss = 5           | t.toml:12: limits.max_rss:",
    })
    void aBadLimitIsRefusedNamingItsKeyAndLine(String line, String message) {
        assertThatThrownBy(() -> parse("[limits]\n" + line + "\n")).isInstanceOf(ConfigException.class)
                .hasMessageStartingWith(message);
    }

    @Test
    void limitsSurviveTheRoundTripThroughToml() {
        VmConfig c = parse("[limits]\nvcpus = 3\non_storm = \"stop\"\n");
        assertThat(VmConfig.parse(c.toToml(), c.source()).limits()).isEqualTo(c.limits());
        assertThat(parse("").toToml()).doesNotContain("[limits]");
    }

    @Test
    void theTightestOfTwoIsTakenLimitByLimit() {
        LimitsConfig host = new LimitsConfig(1024, 8, 1 << 20, 1 << 20, 10, 0, LimitsConfig.StormAction.REPORT);
        LimitsConfig vm = new LimitsConfig(4096, 2, 1 << 30, 8192, 50, 5000, LimitsConfig.StormAction.STOP);
        assertThat(vm.tightest(host)).isEqualTo(
                new LimitsConfig(1024, 2, 1 << 20, 8192, 10, 5000, LimitsConfig.StormAction.STOP));
        assertThat(host.tightest(vm)).isEqualTo(vm.tightest(host));
    }

    @Test
    void theSizeCheckNamesTheLimit() {
        VmConfig c = parse(""); // 2 vCPUs, 256 MiB
        assertThat(new LimitsConfig(128, 8, 0, 4096, 0, 0, LimitsConfig.StormAction.REPORT).checkSize(c))
                .hasValue("256 MiB of memory is over the limit memory_mib = 128");
        assertThat(new LimitsConfig(1024, 1, 0, 4096, 0, 0, LimitsConfig.StormAction.REPORT).checkSize(c))
                .hasValue("2 vCPUs is over the limit vcpus = 1");
        assertThat(new LimitsConfig(256, 2, 0, 4096, 0, 0, LimitsConfig.StormAction.REPORT).checkSize(c)).isEmpty();
    }

    @Test
    void aLimitsFileHoldsOneLimitsTable(@TempDir Path dir) throws Exception {
        Path file = Files.writeString(dir.resolve("limits.toml"), "[limits]\nmemory_mib = 64\n");
        assertThat(LimitsConfig.load(file).memoryMib()).isEqualTo(64);
        Path bad = Files.writeString(dir.resolve("bad.toml"), "[base]\nid = 1\n");
        assertThatThrownBy(() -> LimitsConfig.load(bad)).isInstanceOf(ConfigException.class)
                .hasMessageContaining("bad.toml").hasMessageContaining("base");
        Path empty = Files.writeString(dir.resolve("empty.toml"), "");
        assertThatThrownBy(() -> LimitsConfig.load(empty)).isInstanceOf(ConfigException.class)
                .hasMessageContaining("missing required table [limits]");
        assertThatThrownBy(() -> LimitsConfig.load(dir.resolve("none.toml"))).isInstanceOf(ConfigException.class)
                .hasMessageContaining("none.toml: no such file");
    }
}
