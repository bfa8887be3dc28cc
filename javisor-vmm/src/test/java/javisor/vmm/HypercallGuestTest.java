package javisor.vmm;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

import javisor.vm.StopReason;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * The guest SDK's hypercall guests (guests/configs/hc_*.toml) under `javisor run`: each checks the ABI from
 * inside a guest (every hypercall, its errors, IVC between VMs, CpuUp/CpuDown, INIT/SIPI, the LAPIC timer).
 */
@Timeout(180)
@Tag("kvm")
class HypercallGuestTest {
    @TempDir
    Path tmp;

    @BeforeEach
    void kvm() {
        TestGuests.requireKvm();
    }

    static Path configs() {
        return TestGuests.dir().resolve("../../configs").normalize();
    }

    @ParameterizedTest(name = "{0}")
    @CsvSource({
            "hc_basic.toml,       0x61, hc_basic: passed",
            "hc_basic64.toml,     0x63, hc_basic64: passed",
            "hc_ivc_errors.toml,  0x65, hc_ivc_errors: passed",
            "hc_lapic_timer.toml, 0x6d, hc_lapic_timer: passed",
            "hc_sipi.toml,        0x6b, hc_sipi: passed",
    })
    void singleVmGuestsPass(String config, String code, String passed) {
        CliRun r = CliRun.of("run", configs().resolve(config).toString());
        assertThat(r.out()).as(r.err()).contains(passed).doesNotContain("FAIL");
        assertThat(r.status()).as(r.out()).isEqualTo(((Integer.decode(code) << 1) | 1) & 0xff);
    }

    @Test
    void sixteenVcpusComeUpThroughInitSipi() throws IOException {
        Path cfg = tmp.resolve("sipi16.toml");
        Files.writeString(cfg, Files.readString(configs().resolve("hc_sipi.toml"))
                .replaceAll("cpu_num = \\d+", "cpu_num = 16")
                .replaceAll("cmdline = \".*\"", "cmdline = \"cpus=16\"")
                .replace("\"../target/guests/", "\"" + TestGuests.dir().toAbsolutePath() + "/"));
        CliRun r = CliRun.of("run", cfg.toString());
        assertThat(r.out()).as(r.err()).contains("hc_sipi: passed").contains("cpu 15 up (sipi)");
        assertThat(r.status()).isEqualTo((0x6b << 1) | 1);
    }

    @Test
    void cpuUpStartsEachVcpuAndCpuDownStopsOne() {
        CliRun r = CliRun.of("run", configs().resolve("hc_cpu.toml").toString());
        assertThat(r.out()).as(r.err()).contains("hc_cpu: passed").doesNotContain("FAIL");
        for (int cpu = 1; cpu <= 3; cpu++) {
            assertThat(r.out()).contains("cpu " + cpu + " up");
        }
        assertThat(r.status()).as("SystemDown(0x33)").isEqualTo((0x33 << 1) | 1);
    }

    @Test
    void twoVmsMoveOneMebibyteThroughAChannelWithNotifications() {
        CliRun r = CliRun.of("run", configs().resolve("hc_ivc_pub.toml").toString(),
                configs().resolve("hc_ivc_sub.toml").toString());
        assertThat(r.out()).as(r.err()).contains("hc_ivc_pub: passed").contains("hc_ivc_sub: passed")
                .contains("match").doesNotContain("FAIL");
        assertThat(r.status()).as("the publisher's status comes first").isEqualTo((0x67 << 1) | 1);
    }

    @Test
    void theBundledDemoSetsRun() {
        CliRun ivc = CliRun.of("run", "--bundled", "ivc-demo");
        assertThat(ivc.out()).as(ivc.err()).contains("hc_ivc_pub: passed").contains("hc_ivc_sub: passed");
        assertThat(ivc.status()).isEqualTo((0x67 << 1) | 1);
        CliRun smp = CliRun.of("run", "--bundled", "smp-demo");
        assertThat(smp.out()).as(smp.err()).contains("hc_cpu: passed").contains("hc_sipi: passed");
        assertThat(smp.status()).as("VM 1, hc_cpu, ends with SystemDown(0x33)").isEqualTo((0x33 << 1) | 1);
        CliRun none = CliRun.of("run", "--bundled", "no-such-set");
        assertThat(none.status()).isEqualTo(ExitStatus.USAGE);
        assertThat(none.err()).contains("no bundled javisor-vms/sets/no-such-set/index");
    }

    @Test
    void theAccessPolicyKeepsAStrangerOut() {
        CliRun r = CliRun.of("run", configs().resolve("hc_ivc_pub.toml").toString(),
                configs().resolve("hc_ivc_sub.toml").toString(),
                configs().resolve("hc_ivc_stranger.toml").toString());
        assertThat(r.out()).as(r.err()).doesNotContain("FAIL");
        assertThat(r.err()).contains("VM 3").contains("debug exit with code " + 0x69);
    }

    @Test
    void aSubscriberWhosePublisherIsDeletedMidTransferLeavesCleanly() throws Exception {
        Map<Long, ByteArrayOutputStream> consoles = new HashMap<>();
        try (Vmm vmm = Vmm.init(List.of(), c -> consoles.computeIfAbsent(c.base().id(),
                id -> new ByteArrayOutputStream()))) {
            vmm.create(ConfigSources.fromFile(withCmdline("hc_ivc_pub.toml", "key=0x4a56 gsi=5 stall")));
            vmm.create(ConfigSources.fromFile(withCmdline("hc_ivc_sub.toml", "pub=1 key=0x4a56 gsi=5 timeout=3000")));
            vmm.start();
            awaitText(consoles, 1, "stalled mid-transfer");
            awaitText(consoles, 2, "subscribed");
            vmm.delete(1, true, false);
            assertThat(vmm.await(2, Duration.ofSeconds(60))).isTrue();
            assertThat(consoles.get(2L).toString()).contains("publisher gone, channel left");
            assertThat(vmm.vm(2).stopReason()).isEqualTo(new StopReason.DebugExit(0x71));
            assertThat(vmm.ivcChannels()).isEmpty();
        }
    }

    private Path withCmdline(String config, String cmdline) throws IOException {
        String text = Files.readString(configs().resolve(config))
                .replaceAll("cmdline = \".*\"", "cmdline = \"" + cmdline + "\"")
                .replace("\"../target/guests/", "\"" + TestGuests.dir().toAbsolutePath() + "/");
        Path p = tmp.resolve(config);
        Files.writeString(p, text);
        return p;
    }

    private static void awaitText(Map<Long, ByteArrayOutputStream> consoles, long id, String text)
            throws InterruptedException {
        long deadline = System.nanoTime() + Duration.ofSeconds(60).toNanos();
        while (consoles.get(id) == null || !consoles.get(id).toString().contains(text)) {
            assertThat(System.nanoTime()).as("VM %d never printed '%s'", id, text).isLessThan(deadline);
            Thread.sleep(5);
        }
    }
}
