package javisor.api.metrics;

import java.util.List;
import java.util.Locale;
import java.util.Map;

import javisor.vcpu.ExitCounters;

/**
 * VMs' samples in Prometheus' text exposition format (version 0.0.4): one family per measure, every series
 * labelled with its VM's id and name, so that one scrape covers every VM of a Javisor process.
 */
public final class PrometheusText {
    /** The Content-Type of the text this class writes. */
    public static final String CONTENT_TYPE = "text/plain; version=0.0.4; charset=utf-8";

    private PrometheusText() {
    }

    public static String render(List<VmSample> vms) {
        StringBuilder sb = new StringBuilder();
        family(sb, "javisor_vm_up", "gauge", "1 when the VM is running or suspended, else 0");
        for (VmSample vm : vms) {
            series(sb, "javisor_vm_up", vm, "", vm.state().equals("running") || vm.state().equals("suspended") ? 1 : 0);
        }
        family(sb, "javisor_vm_uptime_seconds", "gauge", "time since the VM last started");
        for (VmSample vm : vms) {
            sb.append("javisor_vm_uptime_seconds").append(labels(vm, "")).append(' ')
                    .append(String.format(Locale.ROOT, "%.3f", vm.uptimeNanos() / 1e9)).append('\n');
        }
        family(sb, "javisor_vm_memory_bytes", "gauge", "guest RAM configured");
        for (VmSample vm : vms) {
            series(sb, "javisor_vm_memory_bytes", vm, "", vm.memoryBytes());
        }
        family(sb, "javisor_vcpu_exits_total", "counter", "VM exits handled, by vCPU and reason");
        for (VmSample vm : vms) {
            for (int cpu = 0; cpu < vm.vcpuExits().size(); cpu++) {
                for (Map.Entry<ExitCounters.Kind, Long> e : vm.vcpuExits().get(cpu).entrySet()) {
                    series(sb, "javisor_vcpu_exits_total", vm, ",vcpu=\"" + cpu + "\",reason=\""
                            + e.getKey().name().toLowerCase(Locale.ROOT) + "\"", e.getValue());
                }
            }
        }
        family(sb, "javisor_device_events_total", "counter", "virtio device counters, by device and counter");
        for (VmSample vm : vms) {
            for (VmSample.DeviceSample d : vm.devices()) {
                for (Map.Entry<String, Long> c : d.counters().entrySet()) {
                    series(sb, "javisor_device_events_total", vm, ",device=\"" + escape(d.name()) + "\",type=\""
                            + d.type() + "\",counter=\"" + escape(c.getKey()) + "\"", c.getValue());
                }
            }
        }
        return sb.toString();
    }

    private static void family(StringBuilder sb, String name, String type, String help) {
        sb.append("# HELP ").append(name).append(' ').append(help).append('\n');
        sb.append("# TYPE ").append(name).append(' ').append(type).append('\n');
    }

    private static void series(StringBuilder sb, String name, VmSample vm, String extraLabels, long value) {
        sb.append(name).append(labels(vm, extraLabels)).append(' ').append(value).append('\n');
    }

    private static String labels(VmSample vm, String extra) {
        return "{vm=\"" + vm.id() + "\",name=\"" + escape(vm.name()) + "\"" + extra + "}";
    }

    /** Label values escape backslash, double quote and line feed. */
    static String escape(String s) {
        return s.replace("\\", "\\\\").replace("\"", "\\\"").replace("\n", "\\n");
    }
}
