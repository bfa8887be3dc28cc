import java.io.ByteArrayOutputStream;
import java.io.OutputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;

import javisor.vmm.ConfigSources;
import javisor.vmm.Vmm;

/**
 * In-process measurements through Javisor's own API, in a JVM that is already running (the AxVisor way):
 * - create+start: `vm create` plus `vm start` of a tiny guest to its first console byte;
 * - suspend and stop latency of a guest spinning in a tight loop that never exits on its own;
 * - create/boot/stop/delete rate.
 * bench/run-all runs it (source-file mode on the module path) as a cross-check of the shell figures; it prints
 * one "name value" line per figure, medians of ROUNDS after WARMUP rounds.
 *
 * Usage: java -p javisor-vmm/target/lib --add-modules javisor.vmm --enable-native-access=javisor.sys \
 *            bench/InProcess.java GUESTS_DIR [ROUNDS]
 */
public class InProcess {
    static final int WARMUP = 20;

    /** A console that remembers when its first byte came. */
    static final class TimedConsole extends OutputStream {
        final CountDownLatch first = new CountDownLatch(1);
        volatile long firstNanos;
        final ByteArrayOutputStream bytes = new ByteArrayOutputStream();

        @Override
        public synchronized void write(int b) {
            if (firstNanos == 0) {
                firstNanos = System.nanoTime();
                first.countDown();
            }
            bytes.write(b);
        }
    }

    static Path config(Path dir, long id, Path image, int cpus) throws Exception {
        Path p = dir.resolve("vm" + id + ".toml");
        Files.writeString(p, """
                [base]
                id = %d
                name = "bench%d"
                vm_type = 1
                cpu_num = %d
                [kernel]
                entry_point = 0x100000
                kernel_path = "%s"
                kernel_load_addr = 0x100000
                memory_regions = [[0x0, 0x100_0000, 0x7, 0]]
                [devices]
                """.formatted(id, id, cpus, image.toAbsolutePath()));
        return p;
    }

    static double median(List<Double> xs) {
        double[] a = xs.stream().mapToDouble(Double::doubleValue).sorted().toArray();
        return a.length % 2 == 1 ? a[a.length / 2] : (a[a.length / 2 - 1] + a[a.length / 2]) / 2;
    }

    static double percentile(List<Double> xs, double p) {
        double[] a = xs.stream().mapToDouble(Double::doubleValue).sorted().toArray();
        return a[Math.min(a.length - 1, (int) Math.ceil(p * a.length) - 1)];
    }

    public static void main(String[] args) throws Exception {
        Path guests = Path.of(args[0]);
        int rounds = args.length > 1 ? Integer.parseInt(args[1]) : 50;
        Path dir = Files.createTempDirectory("javisor-bench");
        List<TimedConsole> consoles = new ArrayList<>();
        TimedConsole[] current = new TimedConsole[1];
        try (Vmm vmm = Vmm.init(List.of(), c -> current[0])) {
            Vmm.VmDefinition exit42 = ConfigSources.fromFile(config(dir, 1, guests.resolve("exit42.elf"), 1));
            Vmm.VmDefinition spin = ConfigSources.fromFile(config(dir, 2, guests.resolve("spin.elf"), 2));

            // create + start to the first console byte, then the rest of the cycle for the rate
            List<Double> toFirstByte = new ArrayList<>();
            List<Double> cycle = new ArrayList<>();
            for (int i = 0; i < WARMUP + rounds; i++) {
                current[0] = new TimedConsole();
                long t0 = System.nanoTime();
                vmm.create(exit42);
                vmm.start(1);
                if (!current[0].first.await(30, TimeUnit.SECONDS)) {
                    throw new IllegalStateException("no console output from the guest");
                }
                long t1 = current[0].firstNanos;
                vmm.await(1, Duration.ofSeconds(30));
                vmm.delete(1, false, false);
                long t2 = System.nanoTime();
                if (i >= WARMUP) {
                    toFirstByte.add((t1 - t0) / 1e6);
                    cycle.add((t2 - t0) / 1e6);
                }
            }
            System.out.printf("create_start_to_first_byte_ms %.3f%n", median(toFirstByte));
            System.out.printf("create_start_to_first_byte_p95_ms %.3f%n", percentile(toFirstByte, 0.95));
            System.out.printf("create_boot_stop_delete_cycle_ms %.3f%n", median(cycle));
            System.out.printf("vms_per_second %.1f%n", 1000 / median(cycle));

            // suspend and stop latency of a VM whose 2 vCPUs... the boot vCPU spins with interrupts off
            List<Double> suspend = new ArrayList<>();
            List<Double> stop = new ArrayList<>();
            for (int i = 0; i < WARMUP / 4 + rounds / 2; i++) {
                current[0] = new TimedConsole();
                vmm.create(spin);
                vmm.start(2);
                current[0].first.await(30, TimeUnit.SECONDS);
                Thread.sleep(5); // let it spin
                long t0 = System.nanoTime();
                vmm.suspend(2);
                long t1 = System.nanoTime();
                vmm.resume(2);
                Thread.sleep(5);
                long t2 = System.nanoTime();
                vmm.stop(2, false);
                long t3 = System.nanoTime();
                vmm.delete(2, false, false);
                if (i >= WARMUP / 4) {
                    suspend.add((t1 - t0) / 1e6);
                    stop.add((t3 - t2) / 1e6);
                }
            }
            System.out.printf("suspend_spinning_ms %.3f%n", median(suspend));
            System.out.printf("suspend_spinning_max_ms %.3f%n", percentile(suspend, 1.0));
            System.out.printf("stop_spinning_ms %.3f%n", median(stop));
            System.out.printf("stop_spinning_max_ms %.3f%n", percentile(stop, 1.0));
        }
        consoles.clear();
        try (var files = Files.list(dir)) {
            for (Path f : files.toList()) {
                Files.delete(f);
            }
        }
        Files.delete(dir);
        Arrays.fill(current, null);
    }
}
