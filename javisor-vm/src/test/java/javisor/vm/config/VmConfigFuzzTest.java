package javisor.vm.config;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.fail;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Optional;
import java.util.Random;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/** Whatever the input, parsing either succeeds or throws ConfigException naming the source. */
@Timeout(120)
class VmConfigFuzzTest {
    private static final List<String> TOKENS = List.of("[", "]", "[[", "]]", "{", "}", "\"", "'", "\"\"\"", "'''",
            "=", ",", ".", "#", "\n", "\r\n", "\r", "\\", "\\u", "\\U0010ffff", "\\x", "0x", "0o", "0b", "-", "+", "_",
            "0", "1", "9", "e", "E", "inf", "nan", "true", "false", "ffff_ffff_ffff_ffff", "9223372036854775808", " ",
            "\t", "\u0000", "\u0001", "\uFEFF", "\u00e9", "\uD83D", "\uDE00", "1979-05-27", "07:32:00", ":",
            "0x1000", "0x1234", "2", "-1", "1.5", "\"\"", "[]", "{}", "[base]", "[kernel]", "[devices]",
            "[[kernel.memory_regions]]", "memory_regions", "map_type = 2", "backing = \"\"", "gpa", "size", "flags",
            "cpu_num = 255", "phys_cpu_sets", "emu_devices", "passthrough_devices", "interrupt_mode", "a.b.c",
            "\"\\u0000\"", "kernel_path = \"\"", "[0, 0x1000, 7, 2, \"f\"]", "{ gpa = 0 }");

    private static final List<String> EXAMPLES = List.of("nimbos-x86_64-qemu-smp1.toml",
            "linux-aarch64-qemu-smp1.toml", "javisor-extensions.toml");

    @TempDir
    Path dir;

    private static void parseExpectingOnlyConfigException(String text) {
        try {
            VmConfig.parse(text, Optional.of(Path.of("fuzz.toml")));
        } catch (ConfigException e) {
            assertThat(e.getMessage()).startsWith("fuzz.toml");
        } catch (Throwable t) {
            fail("not a ConfigException for input " + escape(text), t);
        }
    }

    @Test
    void randomTextOnlyEverThrowsConfigException() {
        Random r = new Random(1);
        for (int i = 0; i < 5_000; i++) {
            StringBuilder sb = new StringBuilder();
            for (int n = r.nextInt(40); n > 0; n--) {
                sb.append(r.nextInt(4) == 0 ? (char) r.nextInt(0x10000) : TOKENS.get(r.nextInt(TOKENS.size())));
            }
            parseExpectingOnlyConfigException(sb.toString());
        }
    }

    @Test
    void randomBytesOnlyEverThrowConfigException() {
        Random r = new Random(2);
        for (int i = 0; i < 5_000; i++) {
            byte[] bytes = new byte[r.nextInt(300)];
            r.nextBytes(bytes);
            parseExpectingOnlyConfigException(new String(bytes, StandardCharsets.UTF_8));
            parseExpectingOnlyConfigException(new String(bytes, StandardCharsets.ISO_8859_1));
        }
    }

    @Test
    void mutatedExamplesOnlyEverThrowConfigException() throws IOException {
        Random r = new Random(3);
        for (String name : EXAMPLES) {
            String original = Files.readString(VmConfigParserTest.EXAMPLES.resolve(name));
            for (int i = 0; i < 4_000; i++) {
                parseExpectingOnlyConfigException(mutate(original, r));
            }
        }
    }

    @Test
    void mutatedRoundTripOutputOnlyEverThrowsConfigException() {
        Random r = new Random(4);
        String original = VmConfigParserTest.example("javisor-extensions.toml").toToml();
        for (int i = 0; i < 4_000; i++) {
            parseExpectingOnlyConfigException(mutate(original, r));
        }
    }

    @Test
    void randomFilesOnlyEverThrowConfigException() throws IOException {
        Random r = new Random(5);
        Path file = dir.resolve("fuzz.toml");
        for (int i = 0; i < 300; i++) {
            byte[] bytes = new byte[r.nextInt(200)];
            r.nextBytes(bytes);
            Files.write(file, bytes);
            try {
                VmConfig.load(file);
            } catch (ConfigException e) {
                assertThat(e.getMessage()).startsWith(file.toString());
            } catch (Throwable t) {
                fail("not a ConfigException for bytes " + Arrays.toString(bytes), t);
            }
        }
    }

    private static String mutate(String text, Random r) {
        StringBuilder sb = new StringBuilder(text);
        for (int n = 1 + r.nextInt(4); n > 0; n--) {
            int at = sb.isEmpty() ? 0 : r.nextInt(sb.length());
            switch (r.nextInt(6)) {
                case 0 -> sb.delete(at, Math.min(sb.length(), at + 1 + r.nextInt(12)));
                case 1 -> sb.insert(at, TOKENS.get(r.nextInt(TOKENS.size())));
                case 2 -> {
                    if (!sb.isEmpty()) {
                        sb.setCharAt(at, (char) r.nextInt(128));
                    }
                }
                case 3 -> {
                    int end = Math.min(sb.length(), at + r.nextInt(40));
                    sb.insert(at, sb.substring(at, end));
                }
                case 4 -> {
                    List<String> lines = new ArrayList<>(Arrays.asList(sb.toString().split("\n", -1)));
                    int a = r.nextInt(lines.size());
                    int b = r.nextInt(lines.size());
                    String t = lines.get(a);
                    lines.set(a, lines.get(b));
                    lines.set(b, t);
                    sb = new StringBuilder(String.join("\n", lines));
                }
                default -> sb.setLength(at);
            }
        }
        return sb.toString();
    }

    private static String escape(String s) {
        StringBuilder sb = new StringBuilder("\"");
        s.chars().forEach(c -> sb.append(c >= 0x20 && c < 0x7f && c != '"' && c != '\\' ? String.valueOf((char) c)
                : String.format("\\u%04x", c)));
        return sb.append('"').toString();
    }
}
