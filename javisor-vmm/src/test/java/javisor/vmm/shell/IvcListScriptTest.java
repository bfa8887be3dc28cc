package javisor.vmm.shell;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;

import javisor.vmm.ConfigSources;
import javisor.vmm.Vmm;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

import static org.assertj.core.api.Assertions.assertThat;

/** {@code ivc list} shows each channel with its publisher, subscribers, addresses and size. */
@Timeout(120)
@Tag("kvm")
class IvcListScriptTest {
    @TempDir
    Path tmp;

    private Path config(String name, String cmdline) throws IOException {
        Path configs = Guests.dir().resolve("../../configs").normalize();
        String text = Files.readString(configs.resolve(name))
                .replaceAll("cmdline = \".*\"", "cmdline = \"" + cmdline + "\"")
                .replace("\"../target/guests/", "\"" + Guests.dir().toAbsolutePath() + "/");
        Path p = tmp.resolve(name);
        Files.writeString(p, text);
        return p;
    }

    @Test
    void listsAChannelAndItsSubscriber() throws Exception {
        Guests.requireKvm();
        try (Vmm vmm = Vmm.init(List.of(), c -> new ByteArrayOutputStream())) {
            vmm.create(ConfigSources.fromFile(config("hc_ivc_pub.toml", "key=0x4a56 gsi=5 stall")));
            vmm.create(ConfigSources.fromFile(config("hc_ivc_sub.toml", "pub=1 key=0x4a56 gsi=5 timeout=60000")));
            vmm.start();
            long deadline = System.nanoTime() + Duration.ofSeconds(60).toNanos();
            while (vmm.ivcChannels().isEmpty() || vmm.ivcChannels().getFirst().subscriberAddresses().isEmpty()) {
                assertThat(System.nanoTime()).as("the subscriber never subscribed").isLessThan(deadline);
                Thread.sleep(5);
            }
            ScriptRun r = ScriptRun.of(vmm, "ivc list\nivc list --format json\n");
            assertThat(r.err()).isEmpty();
            assertThat(r.out()).contains("CHANNEL", "PUBLISHER", "SUBSCRIBERS")
                    .contains("1:0x4a56  1@0x80000000  2@0x80000000  1.0 MiB")
                    .contains("{\"channels\":[{\"publisher\":1,\"key\":19030,\"size\":1052672,"
                            + "\"publisher_address\":2147483648,\"subscribers\":[{\"vm\":2,\"address\":2147483648}],");
            assertThat(r.status()).isZero();
        }
    }
}
