package javisor.examples.embedded;

import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;

import javisor.vm.StopReason;
import javisor.vmm.embed.Javisor;
import javisor.vmm.embed.VirtualMachine;
import javisor.vmm.embed.VmMetrics;
import javisor.vmm.embed.VmSpec;

/**
 * A plain Java program with a hypervisor inside: it boots a guest, prints each line of the guest's console, stops
 * the VM (or lets the guest stop itself) and prints how it ended.
 *
 * <pre>
 * java --enable-native-access=ALL-UNNAMED -cp CLASSPATH javisor.examples.embedded.EmbeddedHello \
 *     [--kernel FILE [--cmdline TEXT]] [--until TEXT]
 * </pre>
 *
 * Without {@code --kernel} it boots the demo guest bundled in Javisor's jar ({@code hello.elf}), which prints what
 * it was handed and powers off. With {@code --until TEXT} it stops the VM once a console line contains TEXT.
 * Exit status: 0 when the VM ended as asked, 1 when the guest failed, 2 for bad arguments, 3 without KVM.
 */
public final class EmbeddedHello {
    /** The demo guest from Javisor's jar: {@code image_location = "memory"} finds it there, no file needed. */
    private static final String BUNDLED_HELLO = """
            [base]
            id = 1
            name = "hello"
            vm_type = 1
            cpu_num = 1

            [kernel]
            entry_point = 0x10_0000
            image_location = "memory"
            kernel_path = "hello.elf"
            kernel_load_addr = 0x10_0000
            cmdline = "from=embedded"
            memory_regions = [[0x0, 0x200_0000, 0x7, 0]]

            [devices]
            """;

    private EmbeddedHello() {
    }

    public static void main(String[] args) throws IOException, InterruptedException {
        System.exit(run(args, System.out));
    }

    /** The program, writing to {@code out}; returns the exit status. */
    static int run(String[] args, PrintStream out) throws IOException, InterruptedException {
        String kernel = null;
        String cmdline = null;
        String until = null;
        for (int i = 0; i + 1 < args.length; i += 2) {
            switch (args[i]) {
                case "--kernel" -> kernel = args[i + 1];
                case "--cmdline" -> cmdline = args[i + 1];
                case "--until" -> until = args[i + 1];
                default -> {
                    out.println("unknown option " + args[i]);
                    return 2;
                }
            }
        }
        if (args.length % 2 != 0 || cmdline != null && kernel == null) {
            out.println("usage: EmbeddedHello [--kernel FILE [--cmdline TEXT]] [--until TEXT]");
            return 2;
        }
        var noKvm = Javisor.unavailabilityCause(); // asked first, so the user reads what to fix, not a stack trace
        if (noKvm.isPresent()) {
            out.println("KVM is not usable here: " + noKvm.get());
            return 3;
        }
        VmSpec spec = kernel == null ? VmSpec.config(BUNDLED_HELLO) : VmSpec.kernel(Path.of(kernel));
        if (cmdline != null) {
            spec = spec.withCmdline(cmdline);
        }

        try (Javisor javisor = Javisor.start(); VirtualMachine vm = javisor.boot(spec)) {
            // The console as a stream: it ends by itself when the guest stops and everything it wrote was read.
            try (BufferedReader console = new BufferedReader(new InputStreamReader(vm.consoleOutput(),
                    StandardCharsets.UTF_8))) {
                for (String line; (line = console.readLine()) != null; ) {
                    out.println("guest: " + line);
                    if (until != null && line.contains(until)) {
                        out.println("stopping " + vm + ": its console said \"" + until + "\"");
                        vm.stop();
                    }
                }
            }
            vm.await(Duration.ofSeconds(10));
            VmMetrics m = vm.metrics();
            StopReason reason = m.stopReason().orElseThrow();
            out.printf("%s: %s after %d exits in %d ms%n", vm, reason.describe(), m.exitsTotal(),
                    m.uptime().toMillis());
            return reason instanceof StopReason.GuestFailure || reason instanceof StopReason.HostError ? 1 : 0;
        }
    }
}
