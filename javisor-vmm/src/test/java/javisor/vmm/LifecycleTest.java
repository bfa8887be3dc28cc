package javisor.vmm;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

import javisor.vcpu.ExitCounters;
import javisor.vm.StopReason;
import javisor.vm.VmState;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/** The VM lifecycle through the hypervisor's API, on real KVM. */
@Timeout(120)
@Tag("kvm")
class LifecycleTest {
    @TempDir
    Path tmp;

    private final Map<Long, ByteArrayOutputStream> consoles = new HashMap<>();
    private Vmm vmm;

    @BeforeEach
    void kvm() {
        TestGuests.requireKvm();
        vmm = Vmm.init(List.of(), c -> consoles.computeIfAbsent(c.base().id(), id -> new ByteArrayOutputStream()));
    }

    @AfterEach
    void close() {
        if (vmm != null) {
            vmm.close();
        }
    }

    private Vmm.VmDefinition guest(long id, String image, int cpus, String extraBase) throws IOException {
        return GuestToml.of(id, image).cpus(cpus).regions(GuestToml.FOUR_MIB).base(extraBase).definition(tmp);
    }

    private String console(long id) {
        return consoles.get(id).toString();
    }

    private void awaitConsole(long id, String text) throws InterruptedException {
        long deadline = System.nanoTime() + Duration.ofSeconds(30).toNanos();
        while (!console(id).contains(text)) {
            assertThat(System.nanoTime()).as("waiting for '%s' on VM %d's console, which has '%s'", text, id, console(id))
                    .isLessThan(deadline);
            Thread.sleep(2);
        }
    }

    @Test
    void aVmGoesFromLoadedThroughRunningToStopped() throws Exception {
        vmm.create(guest(1, "spin.elf", 1, ""));
        assertThat(vmm.info(1).state()).isEqualTo(VmState.LOADED);
        vmm.start(1);
        awaitConsole(1, "spinning");
        assertThat(vmm.info(1).state()).isEqualTo(VmState.RUNNING);
        vmm.stop(1, false);
        assertThat(vmm.info(1).state()).isEqualTo(VmState.STOPPED);
        assertThat(vmm.info(1).stopReason()).isEqualTo("stopped by vm stop");
    }

    @Test
    void suspendParksASpinningGuestAndResumeContinuesIt() throws Exception {
        vmm.create(guest(1, "spin.elf", 2, ""));
        vmm.start(1);
        awaitConsole(1, "spinning");
        vmm.suspend(1);
        assertThat(vmm.info(1).state()).isEqualTo(VmState.SUSPENDED);
        long interrupted = vmm.info(1).exits().getOrDefault(ExitCounters.Kind.INTERRUPTED, 0L);
        assertThat(interrupted).as("the spinning vCPU left the guest through a kick").isPositive();
        vmm.resume(1);
        assertThat(vmm.info(1).state()).isEqualTo(VmState.RUNNING);
        vmm.stop(1, false);
        assertThat(vmm.info(1).state()).isEqualTo(VmState.STOPPED);
    }

    @Test
    void aSuspendedVmCanBeStopped() throws Exception {
        vmm.create(guest(1, "spin.elf", 1, ""));
        vmm.start(1);
        awaitConsole(1, "spinning");
        vmm.suspend(1);
        vmm.stop(1, false);
        assertThat(vmm.info(1).state()).isEqualTo(VmState.STOPPED);
    }

    @Test
    void refusedTransitionsNameTheCurrentState() throws Exception {
        vmm.create(guest(3, "spin.elf", 1, ""));
        assertThatThrownBy(() -> vmm.suspend(3)).isInstanceOf(VmmException.class)
                .hasMessage("VM 3 (vm3) is LOADED; only a RUNNING VM can be suspended");
        assertThatThrownBy(() -> vmm.resume(3)).hasMessage("VM 3 (vm3) is LOADED; only a SUSPENDED VM can be resumed");
        vmm.start(3);
        assertThatThrownBy(() -> vmm.start(3))
                .hasMessage("VM 3 (vm3) is RUNNING; only a LOADED or STOPPED VM can be started");
        assertThatThrownBy(() -> vmm.delete(3, false, false))
                .hasMessage("VM 3 (vm3) is RUNNING; delete needs --force unless it is STOPPED");
        assertThatThrownBy(() -> vmm.stop(9, false)).hasMessageStartingWith("no VM with id 9");
    }

    @Test
    void startingAStoppedVmBootsItAfresh() throws Exception {
        vmm.create(guest(1, "exit42.elf", 1, ""));
        vmm.start(1);
        assertThat(vmm.await(1, Duration.ofSeconds(30))).isTrue();
        var first = vmm.vm(1);
        assertThat(first.stopReason()).isEqualTo(new StopReason.DebugExit(42));
        vmm.start(1);
        assertThat(vmm.await(1, Duration.ofSeconds(30))).isTrue();
        assertThat(vmm.vm(1)).isNotSameAs(first);
        assertThat(console(1)).isEqualTo("exit42\nexit42\n");
    }

    @Test
    void restartResetsARunningVm() throws Exception {
        vmm.create(guest(1, "spin.elf", 1, ""));
        vmm.start(1);
        // the whole line: a restart between "spinning" and its newline would leave "spinningspinning\n"
        awaitConsole(1, "spinning\n");
        var before = vmm.vm(1);
        vmm.restart(1, false);
        awaitConsole(1, "spinning\nspinning");
        assertThat(vmm.vm(1)).isNotSameAs(before);
        assertThat(before.state()).isEqualTo(VmState.STOPPED);
        assertThat(vmm.info(1).state()).isEqualTo(VmState.RUNNING);
    }

    @Test
    void deleteForcesARunningVmAndForgetsIt() throws Exception {
        vmm.create(guest(1, "spin.elf", 1, ""));
        vmm.start(1);
        awaitConsole(1, "spinning");
        vmm.delete(1, true, false);
        assertThat(vmm.list()).isEmpty();
        assertThatThrownBy(() -> vmm.info(1)).hasMessageStartingWith("no VM with id 1");
    }

    @Test
    void duplicateIdsAreRefusedAndIdZeroWorks() throws Exception {
        vmm.create(guest(0, "exit42.elf", 1, ""));
        assertThatThrownBy(() -> vmm.create(guest(0, "spin.elf", 1, "")))
                .hasMessage("VM id 0 is already used by VM 'vm0'");
        vmm.start(0);
        assertThat(vmm.await(0, Duration.ofSeconds(30))).isTrue();
        assertThat(vmm.vm(0).stopReason()).isEqualTo(new StopReason.DebugExit(42));
    }

    @Test
    void vcpuThreadsArePinnedByPhysCpuSets() throws Exception {
        int last = HostCpus.online().length() - 1;
        vmm.create(guest(1, "spin.elf", 1, "phys_cpu_sets = [" + (1L << last) + "]"));
        vmm.start(1);
        awaitConsole(1, "spinning");
        assertThat(cpusAllowedOf("VM[1]-VCpu[0]")).isEqualTo(String.valueOf(last));
        vmm.stop(1, false);
    }

    @Test
    void vcpuThreadsArePinnedByPhysCpuIds() throws Exception {
        int last = HostCpus.online().length() - 1;
        vmm.create(guest(1, "spin.elf", 1, "phys_cpu_ids = [" + last + "]"));
        vmm.start(1);
        awaitConsole(1, "spinning");
        assertThat(cpusAllowedOf("VM[1]-VCpu[0]")).isEqualTo(String.valueOf(last));
        vmm.stop(1, false);
    }

    /** The Cpus_allowed_list of the thread whose name (as the kernel knows it) is {@code name}. */
    private static String cpusAllowedOf(String name) throws IOException {
        try (var tasks = Files.list(Path.of("/proc/self/task"))) {
            for (Path t : tasks.toList()) {
                try {
                    if (Files.readString(t.resolve("comm")).strip().equals(name)) {
                        return Files.readAllLines(t.resolve("status")).stream()
                                .filter(l -> l.startsWith("Cpus_allowed_list:"))
                                .map(l -> l.substring(l.indexOf(':') + 1).strip()).findFirst().orElseThrow();
                    }
                } catch (NoSuchFileException gone) {
                    // a thread that ended while we listed them
                }
            }
        }
        throw new AssertionError("no thread named " + name);
    }

    @Test
    void exitCountsArePerVcpuAndPerVm() throws Exception {
        vmm.create(guest(1, "exit42.elf", 1, ""));
        vmm.start(1);
        assertThat(vmm.await(1, Duration.ofSeconds(30))).isTrue();
        VmInfo info = vmm.info(1);
        // "exit42\n" is 7 port writes to the UART, then one to the debug-exit port
        assertThat(info.exits()).containsEntry(ExitCounters.Kind.IO_OUT, 8L);
        assertThat(info.vcpuExits()).hasSize(1);
        assertThat(info.vcpuExits().getFirst()).containsEntry(ExitCounters.Kind.IO_OUT, 8L);
    }

    @Test
    void interruptsReachTheVmsIrqLines() throws Exception {
        vmm.create(guest(1, "spin.elf", 1, ""));
        vmm.start(1);
        awaitConsole(1, "spinning");
        var vm = vmm.vm(1);
        vm.interrupts().setLevel(4, true);
        vm.interrupts().setLevel(4, false);
        assertThatThrownBy(() -> vm.interrupts().setLevel(24, true)).hasMessageContaining("does not exist");
        assertThat(vm.interrupts().sendMsi(5, 40)).as("vCPU 5 does not exist").isFalse();
        vmm.stop(1, false);
    }

    /**
     * 500 create/start/stop/delete cycles leave memory, and the kernel's side of things, where they were: the
     * process's file descriptors, its threads, its mappings and its KVM VMs and vCPUs, counted in /proc/self (what
     * Java's own counts cannot see: a thread that left Java but not the kernel, a KVM fd or a mapping no object
     * holds any more).
     */
    @Test
    @Timeout(600)
    void deleteReleasesEverything() throws Exception {
        Vmm.VmDefinition def = guest(1, "exit42.elf", 1, "");
        Runnable cycle = () -> {
            consoles.remove(1L);
            vmm.create(def);
            vmm.start(1);
            try {
                assertThat(vmm.await(1, Duration.ofSeconds(30))).isTrue();
            } catch (InterruptedException e) {
                throw new AssertionError(e);
            }
            vmm.delete(1, false, false);
        };
        for (int i = 0; i < 50; i++) {
            cycle.run(); // warm up: JIT, class loading, thread-locals, heap growth
        }
        System.gc();
        int javaThreads = Thread.activeCount();
        ProcessResources before = ProcessResources.now();
        List<Long> rssSamples = new ArrayList<>();
        for (int i = 0; i < 500; i++) {
            cycle.run();
            if (i % 100 == 99) {
                System.gc();
                rssSamples.add(ProcessResources.now().rssKiB());
            }
        }
        System.gc();
        ProcessResources after = ProcessResources.now();
        System.out.println("500 VM cycles: before " + before + ", after " + after + ", RSS samples " + rssSamples);
        assertThat(after.kvmVms()).as("KVM VMs (anon_inode:kvm-vm fds)").isEqualTo(before.kvmVms()).isZero();
        assertThat(after.kvmVcpus()).as("KVM vCPUs (anon_inode:kvm-vcpu fds)").isEqualTo(before.kvmVcpus()).isZero();
        assertThat(after.fds()).as("open file descriptors").isEqualTo(before.fds());
        assertThat(Thread.activeCount()).as("Java threads").isLessThanOrEqualTo(javaThreads);
        // The JVM starts and ends threads of its own as it likes (JIT compiler threads come and go with the
        // compile queue, GC workers with the heap): a few either way, never one per cycle.
        assertThat(after.threads()).as("kernel threads (/proc/self/task)").isLessThanOrEqualTo(before.threads() + 4);
        // Each VM maps its guest memory and a kvm_run page per vCPU: one left behind per cycle would be 500 more
        // mappings. The JVM maps memory of its own too (heap regions it commits, code cache, metaspace): a few
        // either way, none in the KVM box.
        assertThat(after.mappings()).as("mappings (/proc/self/maps)").isLessThanOrEqualTo(before.mappings() + 16);
        // Keeping a guest's 4 MiB per cycle, or even 16 KiB of anything, breaks this bound. What remains is the
        // heap's and the JIT's own drift: 1 to 4.3 MiB in three runs in the KVM box (2026-12).
        assertThat(after.rssKiB() - before.rssKiB()).as("RSS growth in KiB over 500 cycles, samples %s", rssSamples)
                .isLessThan(8 * 1024);
    }

    @Test
    void anI8042ResetRebootsTheVmWhenTheConfigSaysReset() throws Exception {
        // Real mode at 0x8000: print 'b', then pulse the reset line through the keyboard controller, then spin.
        byte[] guest = {(byte) 0xba, (byte) 0xf8, 0x03, (byte) 0xb0, 'b', (byte) 0xee, (byte) 0xb0, (byte) 0xfe,
                (byte) 0xe6, 0x64, (byte) 0xeb, (byte) 0xfe};
        Path image = Files.write(tmp.resolve("reset.bin"), guest);
        Path cfg = tmp.resolve("reset.toml");
        Files.writeString(cfg, """
                [base]
                id = 1
                name = "resetter"
                vm_type = 1
                cpu_num = 1
                [kernel]
                entry_point = 0x8000
                kernel_path = "%s"
                kernel_load_addr = 0x8000
                kernel_format = "raw"
                memory_regions = [[0x0, 0x100000, 0x7, 0]]
                [devices]
                i8042_reset = "reset"
                """.formatted(image));
        vmm.create(ConfigSources.fromFile(cfg));
        vmm.start(1);
        awaitConsole(1, "bbb");
        assertThat(vmm.info(1).state()).isIn(VmState.RUNNING, VmState.STOPPING, VmState.STOPPED, VmState.LOADED);
        long deadline = System.nanoTime() + Duration.ofSeconds(10).toNanos();
        while (true) {
            try {
                vmm.stop(1, true);
                break;
            } catch (VmmException e) {
                assertThat(System.nanoTime()).as(e.getMessage()).isLessThan(deadline); // caught between reboots
                Thread.sleep(1);
            }
        }
    }
}
