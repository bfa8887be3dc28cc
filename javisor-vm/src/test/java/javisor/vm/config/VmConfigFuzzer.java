package javisor.vm.config;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.Optional;

import com.code_intelligence.jazzer.junit.FuzzTest;

/** Coverage-guided: any bytes as a VM config either parse or give a ConfigException naming the file. */
class VmConfigFuzzer {
    @FuzzTest
    void anyTextParsesOrIsRefusedNamingTheFile(byte[] input) {
        String text = new String(input, StandardCharsets.UTF_8);
        try {
            VmConfig config = VmConfig.parse(text, Optional.of(Path.of("fuzz.toml")));
            assertThat(config.base().cpuNum()).isPositive();
        } catch (ConfigException e) {
            assertThat(e.getMessage()).startsWith("fuzz.toml");
        }
    }
}
