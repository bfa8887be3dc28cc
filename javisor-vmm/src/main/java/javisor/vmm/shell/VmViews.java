package javisor.vmm.shell;

import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.stream.Collectors;
import java.util.Map;

import javisor.vcpu.ExitCounters;
import javisor.vm.VmState;
import javisor.vm.config.EmulatedDeviceConfig;
import javisor.vm.config.KernelConfig;
import javisor.vm.config.MemoryRegionConfig;
import javisor.vm.config.PassthroughDeviceConfig;
import javisor.vm.config.VmConfig;
import javisor.virtio.DeviceStatus;
import javisor.virtio.mmio.VirtioMmioTransport;
import javisor.vmm.VmInfo;
import javisor.vmm.control.JsonViews;

/** The text of {@code vm list}, {@code vm show} and {@code vm stats}, from snapshots of the VMs. */
final class VmViews {
    private VmViews() {
    }

    static String state(VmState s) {
        return s.name().toLowerCase(Locale.ROOT);
    }

    /** The VM's state as the views name it: "deleted" for a VM that is gone. */
    static String state(VmInfo v) {
        return JsonViews.state(v);
    }

    /** Uptime only means something while the VM runs; a LOADED or STOPPED VM shows "-". */
    static String uptime(VmInfo v) {
        if (v.deleted()) {
            return "-";
        }
        return switch (v.state()) {
            case RUNNING, SUSPENDED, STOPPING -> Units.duration(v.uptimeNanos());
            default -> "-";
        };
    }

    /** {@code vm list}: one row per VM, columns padded to their widest cell. */
    static String table(List<VmInfo> vms) {
        List<String[]> rows = new ArrayList<>();
        rows.add(new String[] {"ID", "NAME", "STATE", "VCPUS", "MEMORY", "UPTIME"});
        for (VmInfo v : vms) {
            rows.add(new String[] {Long.toString(v.id()), v.name(), state(v), Integer.toString(v.vcpus()),
                    Units.bytes(v.memoryBytes()), uptime(v)});
        }
        return columns(rows);
    }

    /** Rows as left-aligned columns two spaces apart; the first row is the header. */
    static String columns(List<String[]> rows) {
        int[] width = new int[rows.getFirst().length];
        for (String[] r : rows) {
            for (int c = 0; c < r.length; c++) {
                width[c] = Math.max(width[c], r[c].length());
            }
        }
        StringBuilder sb = new StringBuilder();
        for (String[] r : rows) {
            StringBuilder line = new StringBuilder();
            for (int c = 0; c < r.length; c++) {
                line.append(r[c]).append(" ".repeat(width[c] - r[c].length() + 2));
            }
            sb.append(line.toString().stripTrailing()).append('\n');
        }
        return sb.toString();
    }

    /**
     * {@code vm show -f}: each virtio device, what the driver made of it (its status) and its counters:
     * {@code vda  virtio-blk disk.img (read-write, 1048576 bytes, id "vda"), driver_ok features_ok ...}.
     */
    static String devices(List<VirtioMmioTransport> devices) {
        if (devices.isEmpty()) {
            return "devices:     (no virtio devices)\n";
        }
        StringBuilder sb = new StringBuilder("devices:\n");
        for (VirtioMmioTransport t : devices) {
            sb.append("  ").append(t.device().describe()).append("\n    status: ")
                    .append(DeviceStatus.describe(t.status())).append("\n    ")
                    .append(t.device().counters().entrySet().stream().map(e -> e.getKey() + " " + e.getValue())
                            .collect(Collectors.joining(", "))).append('\n');
        }
        return sb.toString();
    }

    /** {@code vm show ID}: what the VM is and how it is doing. */
    static String basic(VmInfo v, VmConfig c) {
        List<String[]> rows = new ArrayList<>();
        rows.add(new String[] {"state", state(v.state())});
        rows.add(new String[] {"vCPUs", Integer.toString(v.vcpus())});
        int regions = c.kernel().memoryRegions().size();
        rows.add(new String[] {"memory", Units.bytes(v.memoryBytes()) + " in " + regions
                + (regions == 1 ? " region" : " regions")});
        rows.add(new String[] {"uptime", uptime(v)});
        if (!v.stopReason().isEmpty()) {
            rows.add(new String[] {"stopped", v.stopReason()});
        }
        rows.add(new String[] {"kernel", c.kernel().kernelPath() + " (" + c.kernel().kernelFormat().configName()
                + ")"});
        rows.add(new String[] {"console log", v.consoleLog().isEmpty() ? "(not logged to a file)" : v.consoleLog()});
        rows.add(new String[] {"config", c.source().map(Object::toString).orElse("(none: made from options)")});
        return "VM " + v.id() + " (" + v.name() + ")\n" + fields(rows);
    }

    /** {@code vm show -f}: the details of the config: regions, kernel images, devices, vCPU pinning. */
    static String details(VmConfig c) {
        StringBuilder sb = new StringBuilder();
        sb.append("memory regions:\n");
        List<MemoryRegionConfig> regions = c.kernel().memoryRegions();
        for (int i = 0; i < regions.size(); i++) {
            MemoryRegionConfig r = regions.get(i);
            sb.append("  ").append(i).append(": ").append(r.describeRange()).append(' ').append(Units.bytes(r.size()))
                    .append(' ').append(r.flags()).append(' ').append(r.mapType().name().toLowerCase(Locale.ROOT));
            r.backing().ifPresent(b -> sb.append(" backed by ").append(b));
            sb.append('\n');
        }
        KernelConfig k = c.kernel();
        List<String[]> rows = new ArrayList<>();
        rows.add(new String[] {"entry point", Units.hex(k.entryPoint())});
        rows.add(new String[] {"load address", Units.hex(k.kernelLoadAddr())});
        rows.add(new String[] {"image location", k.imageLocation().name().toLowerCase(Locale.ROOT)});
        k.cmdline().ifPresent(s -> rows.add(new String[] {"command line", s}));
        k.ramdiskPath().ifPresent(p -> rows.add(new String[] {"ramdisk", p + k.ramdiskLoadAddr().stream()
                .mapToObj(a -> " at " + Units.hex(a)).findFirst().orElse("")}));
        k.biosPath().ifPresent(p -> rows.add(new String[] {"bios", p.toString()}));
        k.dtbPath().ifPresent(p -> rows.add(new String[] {"dtb", p.toString()}));
        k.diskPath().ifPresent(p -> rows.add(new String[] {"disk", p.toString()}));
        sb.append("kernel:\n").append(fields(rows));
        sb.append("vCPU pinning: ");
        if (!c.base().physCpuSets().isEmpty()) {
            sb.append("masks ").append(String.join(", ", c.base().physCpuSets().stream().map(Units::hex).toList()));
        } else if (!c.base().physCpuIds().isEmpty()) {
            sb.append("host CPUs ").append(c.base().physCpuIds());
        } else {
            sb.append("none");
        }
        sb.append('\n');
        sb.append("interrupt mode: ").append(c.devices().interruptMode().tomlName()).append('\n');
        sb.append("emulated devices:").append(c.devices().emuDevices().isEmpty() ? " none\n" : "\n");
        for (EmulatedDeviceConfig d : c.devices().emuDevices()) {
            sb.append("  ").append(d.name()).append(' ').append(d.emuType().name().toLowerCase(Locale.ROOT))
                    .append(" at ").append(Units.hex(d.baseGpa())).append(" length ").append(Units.hex(d.length()))
                    .append(" irq ").append(d.irqId()).append('\n');
        }
        sb.append("passthrough devices:").append(c.devices().passthroughDevices().isEmpty() ? " none\n" : "\n");
        for (PassthroughDeviceConfig d : c.devices().passthroughDevices()) {
            sb.append("  ").append(d.name()).append(" gpa ").append(Units.hex(d.baseGpa())).append(" hpa ")
                    .append(Units.hex(d.baseHpa())).append(" length ").append(Units.hex(d.length())).append('\n');
        }
        return sb.toString();
    }

    /** {@code vm stats ID}: exits by reason, in total and per vCPU, plus uptime and memory. */
    static String stats(VmInfo v) {
        StringBuilder sb = new StringBuilder();
        sb.append("VM ").append(v.id()).append(" (").append(v.name()).append("): ").append(state(v.state()))
                .append(", uptime ").append(uptime(v)).append(", memory ").append(Units.bytes(v.memoryBytes()))
                .append(", ").append(v.vcpus()).append(v.vcpus() == 1 ? " vCPU\n" : " vCPUs\n");
        long total = v.exits().values().stream().mapToLong(Long::longValue).sum();
        sb.append("exits: ").append(total).append('\n');
        List<String[]> rows = new ArrayList<>();
        for (Map.Entry<ExitCounters.Kind, Long> e : v.exits().entrySet()) {
            rows.add(new String[] {kind(e.getKey()), Long.toString(e.getValue())});
        }
        sb.append(fields(rows));
        for (int i = 0; i < v.vcpuExits().size(); i++) {
            Map<ExitCounters.Kind, Long> m = v.vcpuExits().get(i);
            long n = m.values().stream().mapToLong(Long::longValue).sum();
            sb.append("vCPU ").append(i).append(": ").append(n).append(" exits");
            if (!m.isEmpty()) {
                sb.append(" (").append(String.join(", ", m.entrySet().stream()
                        .map(e -> kind(e.getKey()) + " " + e.getValue()).toList())).append(')');
            }
            sb.append('\n');
        }
        return sb.toString();
    }

    private static String kind(ExitCounters.Kind k) {
        return k.name().toLowerCase(Locale.ROOT);
    }

    /** Indented {@code name: value} lines, values aligned. */
    private static String fields(List<String[]> rows) {
        int width = rows.stream().mapToInt(r -> r[0].length()).max().orElse(0);
        StringBuilder sb = new StringBuilder();
        for (String[] r : rows) {
            sb.append("  ").append(r[0]).append(':').append(" ".repeat(width - r[0].length() + 1)).append(r[1])
                    .append('\n');
        }
        return sb.toString();
    }
}
