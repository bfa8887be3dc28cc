package javisor.api.firecracker;

import java.nio.charset.StandardCharsets;

import javisor.api.firecracker.ApiTypes.BootSource;
import javisor.api.firecracker.ApiTypes.InstanceActionInfo;
import javisor.api.firecracker.ApiTypes.MachineConfiguration;
import javisor.vmm.Vmm;

/**
 * Once the API socket is open, the process waits for its client (in Firecracker's sequence, three curl processes,
 * each longer to start than a request takes to serve). This thread spends that wait on what the first requests and
 * InstanceStart would otherwise do first: Jackson's readers for the usual bodies, and opening /dev/kvm, which links
 * the native calls. It changes no state; a request that arrives meanwhile only shares the work.
 */
final class IdleWarmUp {
    private IdleWarmUp() {
    }

    static void start() {
        Thread.ofPlatform().daemon().name("api-warm-up").start(IdleWarmUp::run);
    }

    private static void run() {
        try {
            Json.read(bytes("{\"kernel_image_path\": \"vmlinux\", \"boot_args\": \"console=ttyS0\"}"),
                    BootSource.class);
            Json.read(bytes("{\"vcpu_count\": 1, \"mem_size_mib\": 128}"), MachineConfiguration.class);
            Json.read(bytes("{\"action_type\": \"InstanceStart\"}"), InstanceActionInfo.class);
            Vmm.checkVirtualization();
        } catch (RuntimeException e) {
            // only a warm-up: InstanceStart reports whatever is wrong
        }
    }

    private static byte[] bytes(String json) {
        return json.getBytes(StandardCharsets.UTF_8);
    }
}
