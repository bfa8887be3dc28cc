package javisor.api.firecracker;

import java.util.EnumMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;

import com.fasterxml.jackson.databind.JsonNode;
import javisor.api.metrics.VmSample;
import javisor.vcpu.ExitCounters;
import org.junit.jupiter.api.Test;

import static org.assertj.core.api.Assertions.assertThat;

/** Firecracker's metrics lines: its group names, and counters as deltas between lines. */
class FirecrackerMetricsTest {
    private static VmSample sample(long ioOut, long reads) {
        Map<ExitCounters.Kind, Long> cpu0 = new EnumMap<>(ExitCounters.Kind.class);
        cpu0.put(ExitCounters.Kind.IO_OUT, ioOut);
        cpu0.put(ExitCounters.Kind.INTERNAL_ERROR, 0L);
        return new VmSample(1, "fc", "running", 1_000_000_000L, 128L << 20, List.of(cpu0),
                List.of(new VmSample.DeviceSample("rootfs", "block", Map.of("reads", reads)),
                        new VmSample.DeviceSample("scratch", "block", Map.of("reads", 1L))));
    }

    @Test
    void countersAreDeltasPerLineAndDevicesAppearAloneAndSummed() throws Exception {
        FirecrackerMetrics m = new FirecrackerMetrics(1234);
        m.count("put_api_requests", "actions_count");
        JsonNode first = Json.MAPPER.readTree(m.line(1000, "fc", false, null, Optional.of(sample(10, 4))));
        m.count("put_api_requests", "actions_count");
        m.count("put_api_requests", "actions_count");
        JsonNode second = Json.MAPPER.readTree(m.line(2000, "fc", false, null, Optional.of(sample(25, 6))));

        assertThat(first.get("utc_timestamp_ms").asLong()).isEqualTo(1000);
        assertThat(first.has("id")).isFalse();
        assertThat(first.at("/api_server/process_startup_time_us").asLong()).isEqualTo(1234);
        assertThat(first.at("/put_api_requests/actions_count").asLong()).isEqualTo(1);
        assertThat(second.at("/put_api_requests/actions_count").asLong()).isEqualTo(2);
        assertThat(first.at("/vcpu/exit_io_out").asLong()).isEqualTo(10);
        assertThat(second.at("/vcpu/exit_io_out").asLong()).isEqualTo(15);
        assertThat(first.at("/block_rootfs/reads").asLong()).isEqualTo(4);
        assertThat(first.at("/block/reads").asLong()).as("both drives").isEqualTo(5);
        assertThat(second.at("/block_rootfs/reads").asLong()).isEqualTo(2);
        assertThat(second.at("/block/reads").asLong()).isEqualTo(2);
        assertThat(second.at("/javisor/vcpu_exits/0/io_out").asLong()).isEqualTo(15);
        assertThat(second.at("/javisor/memory_bytes").asLong()).isEqualTo(128L << 20);
        assertThat(second.at("/javisor/uptime_ms").asLong()).isEqualTo(1000);
    }
}
