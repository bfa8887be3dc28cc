package javisor.vmm.control;

import java.util.List;
import java.util.Locale;
import java.util.Map;

import javisor.vcpu.ExitCounters;
import javisor.vm.VmState;
import javisor.vm.ivc.IvcChannelInfo;
import javisor.vmm.VmInfo;

/**
 * The JSON the shell's {@code --format json} prints and the multi-VM API answers with: one writer for both, so a
 * script that reads {@code vm list --format json} reads {@code GET /vms} too.
 */
public final class JsonViews {
    private JsonViews() {
    }

    /** A state as the views name it: the enum's name in lower case, "deleted" for a VM that is gone. */
    public static String state(VmInfo v) {
        return v.deleted() ? "deleted" : v.state().name().toLowerCase(Locale.ROOT);
    }

    /** Uptime only means something while the VM runs; a LOADED or STOPPED VM's is 0. */
    public static long uptimeMillis(VmInfo v) {
        if (v.deleted()) {
            return 0;
        }
        return switch (v.state()) {
            case RUNNING, SUSPENDED, STOPPING -> v.uptimeNanos() / 1_000_000;
            case LOADING, LOADED, STOPPED -> 0;
        };
    }

    /**
     * {@code {"vms":[{"id":1,"name":"hello","state":"running","vcpus":1,"memory":67108864,"uptime_ms":1234,
     * "exits":5678}]}}: memory in bytes, uptime 0 unless the VM runs, exits summed over kinds and vCPUs.
     */
    public static String vms(List<VmInfo> vms) {
        Json j = new Json().beginObject().name("vms").beginArray();
        for (VmInfo v : vms) {
            summary(j, v);
        }
        return j.endArray().endObject() + "\n";
    }

    /** One VM, as {@link #vms} lists each (why it stopped included, once it has). */
    public static String vm(VmInfo v) {
        return summary(new Json(), v) + "\n";
    }

    /** What an operation did: {@code {"message":"stopped VM 1 (hello)","vm":{...}}}. */
    public static String done(String message, VmInfo v) {
        Json j = new Json().beginObject().member("message", message).name("vm");
        return summary(j, v).endObject() + "\n";
    }

    /** {@code {"message":"deleted VM 1 (hello)"}}: what an operation did to a VM that is gone since. */
    public static String message(String message) {
        return new Json().beginObject().member("message", message).endObject() + "\n";
    }

    /** {@code {"error":"..."}}, as every refusal of the API reads. */
    public static String error(String message) {
        return new Json().beginObject().member("error", message).endObject() + "\n";
    }

    /** {@code vm stats}: {@code {"id":1,"state":..,"uptime_ms":..,"exits":{"io_out":3},"vcpus":[{"io_out":3}]}}. */
    public static String stats(VmInfo v) {
        Json j = new Json().beginObject().member("id", v.id()).member("state", state(v))
                .member("uptime_ms", uptimeMillis(v)).member("memory", v.memoryBytes());
        j.name("exits");
        counts(j, v.exits());
        j.name("vcpus").beginArray();
        for (Map<ExitCounters.Kind, Long> m : v.vcpuExits()) {
            counts(j, m);
        }
        return j.endArray().endObject() + "\n";
    }

    /** {@code ivc list --format json}. */
    public static String ivc(List<IvcChannelInfo> channels) {
        Json j = new Json().beginObject().name("channels").beginArray();
        for (IvcChannelInfo c : channels) {
            j.beginObject().member("publisher", c.publisherId()).member("key", c.key()).member("size", c.size());
            if (c.publisherAddress().isPresent()) {
                j.member("publisher_address", c.publisherAddress().getAsLong());
            }
            j.name("subscribers").beginArray();
            for (Map.Entry<Long, Long> s : c.subscriberAddresses().entrySet()) {
                j.beginObject().member("vm", s.getKey()).member("address", s.getValue()).endObject();
            }
            j.endArray().member("notifications", c.notifications()).endObject();
        }
        return j.endArray().endObject() + "\n";
    }

    /** The sum of a VM's exits over kinds and vCPUs. */
    public static long totalExits(VmInfo v) {
        return v.exits().values().stream().mapToLong(Long::longValue).sum();
    }

    private static Json summary(Json j, VmInfo v) {
        j.beginObject().member("id", v.id()).member("name", v.name()).member("state", state(v))
                .member("vcpus", v.vcpus()).member("memory", v.memoryBytes()).member("uptime_ms", uptimeMillis(v))
                .member("exits", totalExits(v));
        if (!v.stopReason().isEmpty() && v.state() == VmState.STOPPED) {
            j.member("stop_reason", v.stopReason());
        }
        return j.endObject();
    }

    private static void counts(Json j, Map<ExitCounters.Kind, Long> m) {
        j.beginObject();
        for (Map.Entry<ExitCounters.Kind, Long> e : m.entrySet()) {
            j.member(e.getKey().name().toLowerCase(Locale.ROOT), e.getValue());
        }
        j.endObject();
    }
}
