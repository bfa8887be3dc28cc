package javisor.api.metrics;

import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Map;

import javisor.vcpu.ExitCounters;
import javisor.virtio.mmio.VirtioMmioTransport;
import javisor.vm.Vm;
import javisor.vm.config.EmulatedDeviceConfig;
import javisor.vm.config.VmConfig;
import javisor.vmm.VmInfo;
import javisor.vmm.Vmm;

/**
 * One VM's numbers at one moment, for every metrics format Javisor writes (Firecracker's JSON lines, Prometheus
 * text): exits by reason per vCPU, each virtio device's counters, memory and uptime.
 *
 * @param vcpuExits exits by reason, one map per vCPU (index = vCPU id)
 * @param devices   the virtio devices, in config order
 */
public record VmSample(long id, String name, String state, long uptimeNanos, long memoryBytes,
                       List<Map<ExitCounters.Kind, Long>> vcpuExits, List<DeviceSample> devices) {
    /**
     * One virtio device's counters.
     *
     * @param name the device's name in the config (Firecracker's drive or interface id)
     * @param type "block", "net", "vsock", "entropy" or "console"
     */
    public record DeviceSample(String name, String type, Map<String, Long> counters) {
    }

    /** VM {@code id} of {@code vmm} as it is now. */
    public static VmSample of(Vmm vmm, long id) {
        VmInfo info = vmm.info(id);
        VmConfig config = vmm.config(id);
        List<DeviceSample> devices = new ArrayList<>();
        Vm vm = vmm.vm(id);
        List<VirtioMmioTransport> transports = vm == null ? List.of() : vm.virtioDevices();
        // The VM builds one transport per virtio entry of its config, in config order.
        List<EmulatedDeviceConfig> entries = config.devices().emuDevices().stream().filter(d -> d.emuType().isVirtio())
                .toList();
        for (int i = 0; i < transports.size() && i < entries.size(); i++) {
            EmulatedDeviceConfig e = entries.get(i);
            devices.add(new DeviceSample(e.name(), typeName(e), transports.get(i).device().counters()));
        }
        return new VmSample(info.id(), info.name(), info.state().name().toLowerCase(Locale.ROOT), info.uptimeNanos(),
                info.memoryBytes(), info.vcpuExits(), devices);
    }

    private static String typeName(EmulatedDeviceConfig e) {
        return switch (e.emuType()) {
            case VIRTIO_BLK -> "block";
            case VIRTIO_NET -> "net";
            case VIRTIO_VSOCK -> "vsock";
            case VIRTIO_RNG -> "entropy";
            case VIRTIO_CONSOLE -> "console";
            default -> e.emuType().name().toLowerCase(Locale.ROOT);
        };
    }

    /** Exits of {@code kind}, summed over the vCPUs. */
    public long exits(ExitCounters.Kind kind) {
        return vcpuExits.stream().mapToLong(m -> m.getOrDefault(kind, 0L)).sum();
    }
}
