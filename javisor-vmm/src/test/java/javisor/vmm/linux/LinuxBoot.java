package javisor.vmm.linux;

import java.io.ByteArrayOutputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Optional;
import java.util.function.Predicate;

import javisor.vm.ImageResolver;
import javisor.vm.StopReason;
import javisor.vm.Vm;
import javisor.vm.VmState;
import javisor.vm.config.VmConfig;
import javisor.vmm.Vmm;

/**
 * One Linux guest run in a hypervisor of its own, watched through its serial console: what the Linux tests share.
 *
 * @param console what the guest wrote to COM1 (the kernel's lines end in "\r\n")
 * @param stop    how the VM ended, or null if it still ran when the test stopped watching
 * @param took    from the hypervisor's start to the end of the watch
 */
record LinuxBoot(String console, StopReason stop, Duration took) {

    /** A console sink the test can read while the guest writes. */
    private static final class Console extends ByteArrayOutputStream {
        synchronized String text() {
            return toString(StandardCharsets.UTF_8);
        }
    }

    /** What a test does once the console satisfied its condition, with the hypervisor still running the VM. */
    @FunctionalInterface
    interface Then {
        void accept(Vmm vmm, long id) throws Exception;
    }

    /** A config for {@code image} with 256 MiB of RAM, as {@code javisor run --kernel} makes it. */
    static VmConfig forKernel(Path image, Optional<Path> initrd, String cmdline, int cpus) {
        return VmConfig.forKernel(image, initrd, Optional.of(cmdline), cpus, 256);
    }

    /** Boots {@code config} until the console satisfies {@code until}, the VM stops, or {@code limit} passes. */
    static LinuxBoot run(VmConfig config, Predicate<String> until, Duration limit) throws Exception {
        return run(config, until, limit, (vmm, id) -> { });
    }

    /** As above, then runs {@code then} (if the VM is still running) before the hypervisor closes. */
    static LinuxBoot run(VmConfig config, Predicate<String> until, Duration limit, Then then) throws Exception {
        Console console = new Console();
        long start = System.nanoTime();
        try (Vmm vmm = Vmm.init(List.of(new Vmm.VmDefinition(config, ImageResolver.directory(Path.of("")))),
                c -> console)) {
            vmm.start();
            Vm vm = vmm.vm(config.base().id());
            long deadline = start + limit.toNanos();
            while (!until.test(console.text()) && vm.state() != VmState.STOPPED && System.nanoTime() < deadline) {
                Thread.sleep(100);
            }
            if (vm.state() == VmState.RUNNING) {
                then.accept(vmm, config.base().id());
            }
            Duration took = Duration.ofNanos(System.nanoTime() - start);
            System.err.printf("Linux guest %s ran %.1f s%n", config.base().name(), took.toMillis() / 1000.0);
            return new LinuxBoot(console.text(), vm.stopReason(), took);
        }
    }
}
