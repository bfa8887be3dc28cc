package javisor.vmm;

import java.io.IOException;
import java.lang.reflect.Field;
import java.lang.reflect.Modifier;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.HashMap;
import java.util.Map;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

import javisor.vcpu.hypercall.Hypercall;
import javisor.vcpu.hypercall.HypercallAbi;
import javisor.vcpu.hypercall.HypercallError;
import javisor.vm.ivc.IvcRegistry;
import org.junit.jupiter.api.Test;

import static org.assertj.core.api.Assertions.assertThat;

/** The guest SDK's header and the Java side define the same hypercall ABI (docs/hypercalls.md). */
class HypercallHeaderTest {
    private static final Pattern DEFINE = Pattern.compile("#define\\s+(JAVISOR_\\w+)\\s+\\(?(-?(?:0x)?[0-9a-fA-F]+)\\)?");

    private static Map<String, Long> defines() throws IOException {
        Path header = TestGuests.dir().resolve("../../sdk/javisor_hypercall.h").normalize();
        Map<String, Long> m = new HashMap<>();
        Matcher matcher = DEFINE.matcher(Files.readString(header));
        while (matcher.find()) {
            m.put(matcher.group(1), Long.decode(matcher.group(2)));
        }
        return m;
    }

    @Test
    void everyHypercallNumberMatches() throws IOException {
        Map<String, Long> d = defines();
        for (Hypercall h : Hypercall.values()) {
            assertThat(d).as("JAVISOR_HC_%s", h.name()).containsEntry("JAVISOR_HC_" + h.name(), h.nr());
        }
        long headerCodes = d.keySet().stream().filter(k -> k.startsWith("JAVISOR_HC_") && !k.equals("JAVISOR_HC_PORT"))
                .count();
        assertThat(headerCodes).as("hypercalls the header has and Java lacks").isEqualTo(Hypercall.values().length);
    }

    @Test
    void everyErrorCodeMatches() throws IOException, IllegalAccessException {
        Map<String, Long> d = defines();
        int errors = 0;
        for (Field f : HypercallError.class.getFields()) {
            if (Modifier.isStatic(f.getModifiers()) && f.getType() == long.class) {
                assertThat(d).as("JAVISOR_%s", f.getName()).containsEntry("JAVISOR_" + f.getName(), f.getLong(null));
                errors++;
            }
        }
        assertThat(d.keySet().stream().filter(k -> k.matches("JAVISOR_E[A-Z]+")).count()).isEqualTo(errors);
    }

    @Test
    void theTrapPortAndChannelHeaderMatch() throws IOException {
        Map<String, Long> d = defines();
        assertThat(d).containsEntry("JAVISOR_HC_PORT", (long) HypercallAbi.PORT)
                .containsEntry("JAVISOR_IVC_HEADER_SIZE", (long) IvcRegistry.HEADER_SIZE);
    }
}
