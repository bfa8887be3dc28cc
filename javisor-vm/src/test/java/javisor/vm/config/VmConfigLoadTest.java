package javisor.vm.config;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class VmConfigLoadTest {
    @TempDir
    Path dir;

    private static final String VALID = VmConfigParserTest.BASE + VmConfigParserTest.KERNEL;

    @Test
    void loadReadsTheFileAndRemembersItsPath() throws IOException {
        Path file = Files.writeString(dir.resolve("vm1.toml"), VALID);
        VmConfig c = VmConfig.load(file);
        assertThat(c.source()).contains(file);
        assertThat(c.sourceName()).isEqualTo(file.toString());
        assertThat(c.resolve(c.kernel().kernelPath())).isEqualTo(dir.resolve("k.bin"));
    }

    @Test
    void errorsInAFileNameTheFile() throws IOException {
        Path file = Files.writeString(dir.resolve("vm1.toml"), VALID.replace("cpu_num = 2", "cpu_num = 0"));
        assertThatThrownBy(() -> VmConfig.load(file)).isInstanceOf(ConfigException.class)
                .hasMessage(file + ":5: base.cpu_num: expected 1 to 1024 vCPUs, got 0");
    }

    @Test
    void missingFileIsAConfigException() {
        Path file = dir.resolve("nope.toml");
        assertThatThrownBy(() -> VmConfig.load(file)).isInstanceOf(ConfigException.class)
                .hasMessage(file + ": no such file");
    }

    @Test
    void directoryIsAConfigException() {
        assertThatThrownBy(() -> VmConfig.load(dir)).isInstanceOf(ConfigException.class)
                .hasMessageStartingWith(dir + ": cannot read the file: ");
    }

    @Test
    void fileOverOneMebibyteIsRefused() throws IOException {
        Path file = dir.resolve("big.toml");
        Files.writeString(file, VALID + "#".repeat(VmConfigParser.MAX_CONFIG_BYTES));
        assertThatThrownBy(() -> VmConfig.load(file)).isInstanceOf(ConfigException.class)
                .hasMessageStartingWith(file + ": file is larger than 1048576 bytes");
    }

    @Test
    void fileOfExactlyOneMebibyteIsRead() throws IOException {
        Path file = dir.resolve("edge.toml");
        byte[] valid = VALID.getBytes(StandardCharsets.UTF_8);
        byte[] bytes = new byte[VmConfigParser.MAX_CONFIG_BYTES];
        System.arraycopy(valid, 0, bytes, 0, valid.length);
        bytes[valid.length] = '#';
        for (int i = valid.length + 1; i < bytes.length; i++) {
            bytes[i] = 'x';
        }
        Files.write(file, bytes);
        assertThat(VmConfig.load(file).base().cpuNum()).isEqualTo(2);
    }

    @Test
    void invalidUtf8IsReportedWithItsLine() throws IOException {
        Path file = dir.resolve("bad.toml");
        byte[] head = "[base]\nid = 1\nname = \"".getBytes(StandardCharsets.UTF_8);
        byte[] bytes = new byte[head.length + 2];
        System.arraycopy(head, 0, bytes, 0, head.length);
        bytes[head.length] = (byte) 0xC3;
        bytes[head.length + 1] = (byte) 0x28;
        Files.write(file, bytes);
        assertThatThrownBy(() -> VmConfig.load(file)).isInstanceOf(ConfigException.class)
                .hasMessage(file + ":3: the file is not valid UTF-8");
    }

    @Test
    void utf8TextIsReadAsUtf8() throws IOException {
        Path file = dir.resolve("utf8.toml");
        Files.writeString(file, VALID.replace("name = \"t\"", "name = \"gäst-\u6d4b\u8bd5\""), StandardCharsets.UTF_8);
        assertThat(VmConfig.load(file).base().name()).isEqualTo("gäst-\u6d4b\u8bd5");
    }
}
