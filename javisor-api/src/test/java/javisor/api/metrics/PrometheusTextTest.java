package javisor.api.metrics;

import java.util.EnumMap;
import java.util.List;
import java.util.Map;

import javisor.vcpu.ExitCounters;
import org.junit.jupiter.api.Test;

import static org.assertj.core.api.Assertions.assertThat;

/** The text exposition format: families once, every series labelled, label values escaped. */
class PrometheusTextTest {
    static VmSample sample(long id, String name, long ioOut) {
        Map<ExitCounters.Kind, Long> cpu0 = new EnumMap<>(ExitCounters.Kind.class);
        cpu0.put(ExitCounters.Kind.IO_OUT, ioOut);
        cpu0.put(ExitCounters.Kind.HALT, 3L);
        Map<ExitCounters.Kind, Long> cpu1 = new EnumMap<>(ExitCounters.Kind.class);
        cpu1.put(ExitCounters.Kind.MMIO_WRITE, 7L);
        return new VmSample(id, name, "running", 2_500_000_000L, 64L << 20, List.of(cpu0, cpu1),
                List.of(new VmSample.DeviceSample("rootfs", "block", Map.of("reads", 11L))));
    }

    @Test
    void everyVmsSeriesAreLabelledAndEachFamilyIsDeclaredOnce() {
        String text = PrometheusText.render(List.of(sample(1, "web", 5), sample(2, "db \"primary\"\n", 9)));
        assertThat(text).contains("# TYPE javisor_vcpu_exits_total counter\n")
                .contains("javisor_vcpu_exits_total{vm=\"1\",name=\"web\",vcpu=\"0\",reason=\"io_out\"} 5\n")
                .contains("javisor_vcpu_exits_total{vm=\"1\",name=\"web\",vcpu=\"1\",reason=\"mmio_write\"} 7\n")
                .contains("javisor_vcpu_exits_total{vm=\"2\",name=\"db \\\"primary\\\"\\n\",vcpu=\"0\",reason=\"io_out\"} 9\n")
                .contains("javisor_vm_uptime_seconds{vm=\"1\",name=\"web\"} 2.500\n")
                .contains("javisor_vm_memory_bytes{vm=\"1\",name=\"web\"} 67108864\n")
                .contains("javisor_vm_up{vm=\"2\",name=\"db \\\"primary\\\"\\n\"} 1\n")
                .contains("javisor_device_events_total{vm=\"1\",name=\"web\",device=\"rootfs\",type=\"block\","
                        + "counter=\"reads\"} 11\n");
        assertThat(text.split("# TYPE javisor_vcpu_exits_total ", -1)).hasSize(2);
        for (String line : text.split("\n")) {
            assertThat(line).as("a comment or name{labels} value").matches("# (HELP|TYPE) .*|[a-z_]+\\{.*\\} [0-9.]+");
        }
    }
}
