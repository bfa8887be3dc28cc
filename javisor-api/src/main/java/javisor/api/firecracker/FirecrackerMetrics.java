package javisor.api.firecracker;

import java.io.IOException;
import java.io.OutputStream;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;
import java.util.TreeMap;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.LongAdder;

import javisor.api.metrics.VmSample;
import javisor.vcpu.ExitCounters;

/**
 * Firecracker's metrics: one JSON object a line, written to the metrics file or pipe on a period and on
 * FlushMetrics. As in Firecracker, a counter's value in a line is what it counted since the line before (so a
 * reader sums lines), and the groups keep Firecracker's names where Javisor counts the same thing
 * ({@code api_server}, {@code get_api_requests}, {@code put_api_requests}, {@code patch_api_requests},
 * {@code vcpu}, {@code block}, {@code net}, {@code vsock}, {@code entropy}, per device {@code block_ID} and
 * {@code net_ID}); {@code javisor} holds what Firecracker has no name for: uptime, memory, and exits by reason
 * per vCPU. Thread-safe: counters are adders, and a line is made under the object's lock.
 */
final class FirecrackerMetrics {
    private final Map<String, LongAdder> api = new ConcurrentHashMap<>();
    /** Each counter's total at the last line, by its path in the line ("vcpu.exit_io_in"). */
    private final Map<String, Long> lastTotals = new TreeMap<>();
    private final long startupMicros;

    /** @param startupMicros the process's start to the API being ready, Firecracker's process_startup_time_us */
    FirecrackerMetrics(long startupMicros) {
        this.startupMicros = startupMicros;
    }

    /** Counts one request to {@code group.name}, e.g. {@code put_api_requests.drive_count}. */
    void count(String group, String name) {
        api.computeIfAbsent(group + "." + name, k -> new LongAdder()).increment();
    }

    /**
     * One line (without its line feed).
     *
     * @param id   the instance id, written when {@code emitId}
     * @param vm   the VM, once it has started
     */
    synchronized byte[] line(long utcMillis, String id, boolean emitId, Map<String, String> properties,
                             Optional<VmSample> vm) {
        Map<String, Object> out = new LinkedHashMap<>();
        out.put("utc_timestamp_ms", utcMillis);
        if (emitId) {
            out.put("id", id);
        }
        if (properties != null && !properties.isEmpty()) {
            out.put("properties", properties);
        }
        Map<String, Object> apiServer = new LinkedHashMap<>();
        apiServer.put("process_startup_time_us", startupMicros);
        out.put("api_server", apiServer);
        for (String group : List.of("get_api_requests", "put_api_requests", "patch_api_requests")) {
            Map<String, Object> g = new TreeMap<>();
            api.forEach((key, adder) -> {
                if (key.startsWith(group + ".")) {
                    String name = key.substring(group.length() + 1);
                    g.put(name, delta(key, adder.sum()));
                }
            });
            out.put(group, g);
        }
        vm.ifPresent(s -> addVm(out, s));
        return Json.write(out);
    }

    private void addVm(Map<String, Object> out, VmSample s) {
        Map<String, Object> vcpu = new LinkedHashMap<>();
        vcpu.put("exit_io_in", delta("vcpu.exit_io_in", s.exits(ExitCounters.Kind.IO_IN)));
        vcpu.put("exit_io_out", delta("vcpu.exit_io_out", s.exits(ExitCounters.Kind.IO_OUT)));
        vcpu.put("exit_mmio_read", delta("vcpu.exit_mmio_read", s.exits(ExitCounters.Kind.MMIO_READ)));
        vcpu.put("exit_mmio_write", delta("vcpu.exit_mmio_write", s.exits(ExitCounters.Kind.MMIO_WRITE)));
        long failures = s.exits(ExitCounters.Kind.EMULATION_FAILURE) + s.exits(ExitCounters.Kind.INTERNAL_ERROR)
                + s.exits(ExitCounters.Kind.FAIL_ENTRY) + s.exits(ExitCounters.Kind.UNKNOWN);
        vcpu.put("failures", delta("vcpu.failures", failures));
        out.put("vcpu", vcpu);
        Map<String, Map<String, Long>> totals = new LinkedHashMap<>();
        for (VmSample.DeviceSample d : s.devices()) {
            Map<String, Object> own = new TreeMap<>();
            Map<String, Long> sum = totals.computeIfAbsent(d.type(), t -> new TreeMap<>());
            d.counters().forEach((name, total) -> {
                own.put(name, delta(d.type() + "_" + d.name() + "." + name, total));
                sum.merge(name, total, Long::sum);
            });
            if (d.type().equals("block") || d.type().equals("net")) {
                out.put(d.type() + "_" + d.name(), own);
            }
        }
        totals.forEach((type, sum) -> {
            Map<String, Object> deltas = new TreeMap<>();
            sum.forEach((name, total) -> deltas.put(name, delta(type + "." + name, total)));
            out.put(type, deltas);
        });
        Map<String, Object> javisor = new LinkedHashMap<>();
        javisor.put("vm_state", s.state());
        javisor.put("uptime_ms", s.uptimeNanos() / 1_000_000);
        javisor.put("memory_bytes", s.memoryBytes());
        Map<String, Object> perVcpu = new LinkedHashMap<>();
        for (int cpu = 0; cpu < s.vcpuExits().size(); cpu++) {
            Map<String, Object> exits = new TreeMap<>();
            int id = cpu;
            s.vcpuExits().get(cpu).forEach((kind, total) -> {
                String name = kind.name().toLowerCase(Locale.ROOT);
                exits.put(name, delta("javisor.vcpu" + id + "." + name, total));
            });
            perVcpu.put(Integer.toString(cpu), exits);
        }
        javisor.put("vcpu_exits", perVcpu);
        out.put("javisor", javisor);
    }

    private long delta(String key, long total) {
        Long last = lastTotals.put(key, total);
        return last == null ? total : total - last;
    }

    /** Writes one line and a line feed to {@code out} and flushes it. */
    void writeLine(OutputStream out, byte[] line) throws IOException {
        synchronized (out) {
            out.write(line);
            out.write('\n');
            out.flush();
        }
    }
}
