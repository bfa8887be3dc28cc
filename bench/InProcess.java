import java.io.ByteArrayOutputStream;
import java.io.OutputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;

import javisor.vmm.ConfigSources;
import javisor.vmm.Vmm;

/**
 * In-process measurements through Javisor's own API, in a JVM that is already running (the AxVisor way):
 * - create+start: `vm create` plus `vm start` of a tiny guest to its first console byte;
 * - suspend and stop latency of a guest spinning in a tight loop that never exits on its own;
 * - create/boot/stop/delete rate, one VM after another, and with PARALLEL threads making VMs at once.
 * bench/run-all runs it (source-file mode on the module path) as a cross-check of the shell figures; it prints
 * one "name value" line per figure, medians of ROUNDS after WARMUP rounds.
 *
 * Usage: java -p javisor-vmm/target/lib --add-modules javisor.vmm --enable-native-access=javisor.sys \
 *            bench/InProcess.java GUESTS_DIR [ROUNDS [PARALLEL]]
 */
public class InProcess {
    static final int WARMUP = Integer.getInteger("warmup", 20); // rounds before the measured ones

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

    /** This process's CPU time so far (user + system, from /proc/self/stat), in ms. */
    static double cpuMillis() throws Exception {
        String stat = Files.readString(Path.of("/proc/self/stat"));
        String[] f = stat.substring(stat.lastIndexOf(')') + 2).split(" ");
        return (Long.parseLong(f[11]) + Long.parseLong(f[12])) * 10.0; // utime, stime in 100 Hz ticks
    }

    public static void main(String[] args) throws Exception {
        Path guests = Path.of(args[0]);
        int rounds = args.length > 1 ? Integer.parseInt(args[1]) : 50;
        int parallel = args.length > 2 ? Integer.parseInt(args[2]) : 4;
        Path dir = Files.createTempDirectory("javisor-bench");
        List<TimedConsole> consoles = new ArrayList<>();
        TimedConsole[] current = new TimedConsole[1];
        Map<Long, TimedConsole> byId = new ConcurrentHashMap<>(); // the parallel cycles' consoles
        try (Vmm vmm = Vmm.init(List.of(), c -> byId.getOrDefault(c.base().id(), current[0]))) {
            Vmm.VmDefinition exit42 = ConfigSources.fromFile(config(dir, 1, guests.resolve("exit42.elf"), 1));
            Vmm.VmDefinition spin = ConfigSources.fromFile(config(dir, 2, guests.resolve("spin.elf"), 2));

            // create + start to the first console byte, then the rest of the cycle for the rate
            List<Double> toFirstByte = new ArrayList<>();
            List<Double> cycle = new ArrayList<>();
            List<Double> create = new ArrayList<>(), start = new ArrayList<>(), exit = new ArrayList<>();
            List<Double> delete = new ArrayList<>();
            double cpu0 = 0;
            for (int i = 0; i < WARMUP + rounds; i++) {
                if (i == WARMUP) {
                    cpu0 = cpuMillis();
                }
                current[0] = new TimedConsole();
                long t0 = System.nanoTime();
                vmm.create(exit42);
                long tCreated = System.nanoTime();
                vmm.start(1);
                long tStarted = System.nanoTime();
                if (!current[0].first.await(30, TimeUnit.SECONDS)) {
                    throw new IllegalStateException("no console output from the guest");
                }
                long t1 = current[0].firstNanos;
                vmm.await(1, Duration.ofSeconds(30));
                long tExited = System.nanoTime();
                vmm.delete(1, false, false);
                long t2 = System.nanoTime();
                if (i >= WARMUP) {
                    toFirstByte.add((t1 - t0) / 1e6);
                    cycle.add((t2 - t0) / 1e6);
                    create.add((tCreated - t0) / 1e6);
                    start.add((tStarted - tCreated) / 1e6);
                    exit.add((tExited - tStarted) / 1e6);
                    delete.add((t2 - tExited) / 1e6);
                }
            }
            System.out.printf("cycle_cpu_ms %.3f%n", (cpuMillis() - cpu0) / rounds);
            // where a cycle goes: create, start (the call), from start to the VM's end, delete
            System.out.printf("cycle_create_ms %.3f%n", median(create));
            System.out.printf("cycle_start_ms %.3f%n", median(start));
            System.out.printf("cycle_run_to_exit_ms %.3f%n", median(exit));
            System.out.printf("cycle_delete_ms %.3f%n", median(delete));
            System.out.printf("create_start_to_first_byte_ms %.3f%n", median(toFirstByte));
            System.out.printf("create_start_to_first_byte_p95_ms %.3f%n", percentile(toFirstByte, 0.95));
            System.out.printf("create_boot_stop_delete_cycle_ms %.3f%n", median(cycle));
            System.out.printf("vms_per_second %.1f%n", 1000 / median(cycle));

            // the same cycles from `parallel` threads at once, each with VMs of its own ids
            List<Vmm.VmDefinition> defs = new ArrayList<>();
            for (int t = 0; t < parallel; t++) {
                defs.add(ConfigSources.fromFile(config(dir, 100 + t, guests.resolve("exit42.elf"), 1)));
            }
            for (int pass = 0; pass < 2; pass++) { // the first pass warms the code up, the second is measured
                int each = pass == 0 ? WARMUP / parallel + 1 : Math.max(1, rounds / parallel);
                List<Thread> threads = new ArrayList<>();
                List<Throwable> failures = new CopyOnWriteArrayList<>();
                long p0 = System.nanoTime();
                double pcpu0 = cpuMillis();
                for (Vmm.VmDefinition d : defs) {
                    long id = d.config().base().id();
                    threads.add(Thread.ofPlatform().start(() -> {
                        try {
                            for (int i = 0; i < each; i++) {
                                TimedConsole console = new TimedConsole();
                                byId.put(id, console);
                                vmm.create(d);
                                vmm.start(id);
                                if (!console.first.await(30, TimeUnit.SECONDS)) {
                                    throw new IllegalStateException("no console output from VM " + id);
                                }
                                vmm.await(id, Duration.ofSeconds(30));
                                vmm.delete(id, false, false);
                            }
                        } catch (Throwable e) {
                            failures.add(e);
                        }
                    }));
                }
                for (Thread t : threads) {
                    t.join();
                }
                if (!failures.isEmpty()) {
                    throw new IllegalStateException("a parallel cycle failed", failures.getFirst());
                }
                if (pass == 1) {
                    System.out.printf("parallel_%d_vms_per_second %.1f%n", parallel,
                            parallel * each / ((System.nanoTime() - p0) / 1e9));
                    System.out.printf("parallel_%d_cpu_ms_per_vm %.3f%n", parallel,
                            (cpuMillis() - pcpu0) / (parallel * each));
                }
            }

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
