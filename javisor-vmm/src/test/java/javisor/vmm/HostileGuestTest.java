package javisor.vmm;

import java.io.IOException;
import java.io.OutputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;

import javisor.vm.StopReason;
import javisor.vm.Vm;
import javisor.vm.VmCreateException;
import javisor.vm.VmState;
import javisor.vm.config.LimitsConfig;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/**
 * The hostile-guest suite (#16 item 2): guests/hostile/hostile.c attacks the hypervisor in one of its modes while a
 * well-behaved VM (hc_basic.elf, every hypercall of one VM with its errors) boots beside it in the same process.
 * For each attack: the hostile VM ends or keeps running as its behaviour deserves, the good VM passes with its
 * normal output and exit code, and after both are deleted the process holds what it held before (file
 * descriptors, KVM VMs and vCPUs, threads, mappings), counted by the kernel. Also the {@code [limits]} a hostile
 * guest runs into (#16 item 3): unclaimed-access log lines, IVC bytes, the console log, exit storms, and the sizes
 * a config may ask for.
 */
@Timeout(900)
@Tag("kvm")
class HostileGuestTest {
    private static final long HOSTILE = 1;
    private static final long GOOD = 2;
    /** hostile.elf's exit code for an attack it finished; hc_basic.elf's for "passed". */
    private static final long HOSTILE_DONE = 0x21;
    private static final long GOOD_PASSED = 0x61;
    /** The slowest attack, every port at every width, is some 400,000 exits: about 40 s in the KVM box. */
    private static final Duration PATIENCE = TestGuests.patience(Duration.ofSeconds(30));

    @TempDir
    Path tmp;
    private final Map<Long, Console> consoles = new ConcurrentHashMap<>();
    private Vmm vmm;
    private ProcessResources before;

    /**
     * A VM's console output, counted and kept in memory; or, for a flood, passed to a file as the shell's logs are,
     * with only its first {@link #KEPT} characters kept.
     */
    private static final class Console extends OutputStream {
        private static final int KEPT = 4096;
        private final StringBuilder text = new StringBuilder();
        private final OutputStream file;
        private long bytes;

        Console(OutputStream file) {
            this.file = file;
        }

        @Override
        public synchronized void write(int b) throws IOException {
            bytes++;
            if (file != null) {
                file.write(b);
            }
            if (file == null || text.length() < KEPT) {
                text.append((char) b);
            }
        }

        @Override
        public synchronized void close() throws IOException {
            if (file != null) {
                file.close();
            }
        }

        synchronized String text() {
            return text.toString();
        }

        synchronized long bytes() {
            return bytes;
        }
    }

    @BeforeEach
    void startHypervisor() throws Exception {
        TestGuests.requireKvm();
        vmm = Vmm.init(List.of(), c -> consoles.computeIfAbsent(c.base().id(), id -> {
            if (c.base().name().equals("flood")) {
                try {
                    return new Console(new RotatingLogFile(tmp.resolve("flood.log"), c.limits().consoleLogBytes()));
                } catch (IOException e) {
                    throw new AssertionError(e);
                }
            }
            return new Console(null);
        }));
        // One VM's whole life first: what the hypervisor starts once (its storm watch, the JIT's threads, the
        // classes of a VM) is then in the baseline, and what remains after the attack is what the attack left.
        runGood();
        vmm.delete(GOOD, false, false);
        consoles.clear();
        System.gc();
        before = ProcessResources.now();
    }

    @AfterEach
    void close() {
        if (vmm != null) {
            vmm.close();
        }
    }

    private static GuestToml hostile(String mode) {
        return GuestToml.of(HOSTILE, "hostile.elf").named("hostile").cmdline(mode + " ram_end=0x1000000");
    }

    private String console(long id) {
        return consoles.get(id).text();
    }

    private void awaitConsole(long id, String text) throws InterruptedException {
        long deadline = System.nanoTime() + PATIENCE.toNanos();
        while (consoles.get(id) == null || !console(id).contains(text)) {
            assertThat(System.nanoTime()).as("waiting for '%s' on VM %d's console: %s", text, id,
                    consoles.containsKey(id) ? console(id) : "").isLessThan(deadline);
            Thread.sleep(5);
        }
    }

    /** Boots hc_basic.elf and checks it passed: its every hypercall answered as when it runs alone. */
    private void runGood() throws Exception {
        vmm.create(GuestToml.of(GOOD, "hc_basic.elf").named("good").regions(GuestToml.FOUR_MIB).cmdline("vmid=2")
                .devices("interrupt_mode = \"emu\"").definition(tmp));
        vmm.start(GOOD);
        assertThat(vmm.await(GOOD, PATIENCE)).as("the good VM ends").isTrue();
        assertThat(vmm.vm(GOOD).stopReason()).as(console(GOOD)).isEqualTo(new StopReason.DebugExit(GOOD_PASSED));
        assertThat(console(GOOD)).contains("hc_basic: passed").doesNotContain("FAIL");
    }

    /**
     * Starts the hostile VM, waits until its attack has begun, runs the good VM to its end beside it; returns the
     * hostile VM (still running, or stopped).
     */
    private Vm attackBesideGoodVm(GuestToml hostile) throws Exception {
        vmm.create(hostile.definition(tmp));
        Vm vm = vmm.vm(HOSTILE);
        vmm.start(HOSTILE);
        awaitConsole(HOSTILE, "start");
        runGood();
        return vm;
    }

    private void awaitStop(Vm vm, StopReason expected) throws InterruptedException {
        assertThat(vmm.await(HOSTILE, PATIENCE)).as("the hostile VM ends: %s", console(HOSTILE)).isTrue();
        assertThat(vm.stopReason()).as(console(HOSTILE)).isEqualTo(expected);
    }

    /** Deletes both VMs and checks that the process holds what it held before the attack. */
    private void deleteAndCheckNothingLeaked() throws IOException {
        vmm.delete(HOSTILE, true, false);
        vmm.delete(GOOD, true, false);
        assertThat(vmm.ivcChannels()).as("IVC channels").isEmpty();
        System.gc();
        ProcessResources after = ProcessResources.now();
        assertThat(after.kvmVms()).as("KVM VMs").isZero();
        assertThat(after.kvmVcpus()).as("KVM vCPUs").isZero();
        assertThat(after.fds()).as("file descriptors").isEqualTo(before.fds());
        // As in LifecycleTest: the JVM's own threads and mappings come and go by a few.
        assertThat(after.threads()).as("threads").isLessThanOrEqualTo(before.threads() + 4);
        assertThat(after.mappings()).as("mappings").isLessThanOrEqualTo(before.mappings() + 16);
    }

    @Test
    void everyIoPortAtEveryWidth() throws Exception {
        Vm vm = attackBesideGoodVm(hostile("ports").limits("unclaimed_log_lines = 8"));
        awaitStop(vm, new StopReason.DebugExit(HOSTILE_DONE));
        assertThat(console(HOSTILE)).contains("hostile ports done 65536 ");
        assertThat(vm.ioPorts().unclaimed().count()).as("unclaimed port accesses").isGreaterThan(100_000);
        assertThat(vm.ioPorts().unclaimed().linesLogged()).as("lines logged, at the limit").isEqualTo(8);
        deleteAndCheckNothingLeaked();
    }

    @Test
    void mmioAcrossTheWholeHole() throws Exception {
        Vm vm = attackBesideGoodVm(hostile("mmio"));
        awaitStop(vm, new StopReason.DebugExit(HOSTILE_DONE));
        assertThat(console(HOSTILE)).containsPattern("hostile mmio done \\d+ \\d+");
        assertThat(vm.mmio().unclaimed().count()).as("unclaimed MMIO accesses").isGreaterThan(10_000);
        assertThat(vm.mmio().unclaimed().linesLogged()).isEqualTo(LimitsConfig.DEFAULT.unclaimedLogLines());
        deleteAndCheckNothingLeaked();
    }

    @Test
    void aTripleFaultStopsOnlyItsOwnVm() throws Exception {
        Vm vm = attackBesideGoodVm(hostile("triple"));
        assertThat(vmm.await(HOSTILE, PATIENCE)).isTrue();
        assertThat(vm.stopReason()).isInstanceOf(StopReason.GuestFailure.class);
        assertThat(vm.stopReason().describe()).containsIgnoringCase("triple fault");
        assertThat(console(HOSTILE)).doesNotContain("survived");
        deleteAndCheckNothingLeaked();
    }

    @Test
    void everyHypercallNumberWithWildArguments() throws Exception {
        Vm vm = attackBesideGoodVm(hostile("hypercalls"));
        awaitStop(vm, new StopReason.DebugExit(HOSTILE_DONE));
        assertThat(console(HOSTILE)).as("the hypervisor still answers it").contains("hostile hypercalls vm id 1\n")
                .containsPattern("hostile hypercalls done \\d+ \\d+");
        deleteAndCheckNothingLeaked();
    }

    @Test
    void anIvcStormStaysWithinItsLimitAndLeavesNoChannel() throws Exception {
        Vm vm = attackBesideGoodVm(hostile("ivc").regions(GuestToml.SIXTEEN_MIB)
                .devices("emu_devices = [[\"ivc\", 0x8000_0000, 0x40_0000, 5, 0xA, [0x10_0000]]]")
                .limits("ivc_bytes = 0x8_0000"));
        awaitStop(vm, new StopReason.DebugExit(HOSTILE_DONE));
        assertThat(console(HOSTILE)).containsPattern("hostile ivc done [1-9]\\d* [1-9]\\d*");
        assertThat(vmm.ivcChannels()).as("the guest unpublished and left everything").isEmpty();
        deleteAndCheckNothingLeaked();
    }

    @Test
    void aCpuUpAndDownStorm() throws Exception {
        Vm vm = attackBesideGoodVm(hostile("cpus").cpus(2));
        awaitStop(vm, new StopReason.DebugExit(HOSTILE_DONE));
        assertThat(console(HOSTILE)).containsPattern("hostile cpus done [1-9]\\d* \\d+");
        deleteAndCheckNothingLeaked();
    }

    @Test
    void anInitSipiStorm() throws Exception {
        Vm vm = attackBesideGoodVm(hostile("sipi").cpus(2));
        awaitStop(vm, new StopReason.DebugExit(HOSTILE_DONE));
        assertThat(console(HOSTILE)).containsPattern("hostile sipi done 300 [1-9]\\d*");
        deleteAndCheckNothingLeaked();
    }

    @Test
    void aGuestThatNeverExitsIsStoppedByAKick() throws Exception {
        Vm vm = attackBesideGoodVm(hostile("spin"));
        assertThat(vm.state()).as("still spinning after the good VM finished").isEqualTo(VmState.RUNNING);
        vmm.stop(HOSTILE, false);
        assertThat(vm.stopReason()).isEqualTo(new StopReason.Stopped("vm stop"));
        deleteAndCheckNothingLeaked();
    }

    @Test
    void aConsoleFloodIsRotatedWithinTwiceItsLimit() throws Exception {
        long limit = 64 * 1024;
        Vm vm = attackBesideGoodVm(hostile("flood").named("flood").limits("console_log_bytes = " + limit));
        long deadline = System.nanoTime() + PATIENCE.toNanos();
        while (consoles.get(HOSTILE).bytes() < 3 * limit) {
            assertThat(System.nanoTime()).as("the flood goes on").isLessThan(deadline);
            Thread.sleep(20);
        }
        assertThat(vm.state()).isEqualTo(VmState.RUNNING);
        vmm.stop(HOSTILE, false);
        Path log = tmp.resolve("flood.log");
        assertThat(Files.size(log)).isLessThanOrEqualTo(limit);
        assertThat(Files.size(RotatingLogFile.rotated(log))).isEqualTo(limit);
        assertThat(Files.readString(log)).matches("[a-z]*");
        deleteAndCheckNothingLeaked();
    }

    @Test
    void anExitStormOverTheLimitStopsTheVmNamingTheLimit() throws Exception {
        // The flood is a port write per byte: some 10,000 exits a second in the KVM box, far more on hardware.
        Vm vm = attackBesideGoodVm(hostile("flood").named("flood")
                .limits("exits_per_second = 500\non_storm = \"stop\""));
        assertThat(vmm.await(HOSTILE, PATIENCE)).isTrue();
        assertThat(vm.stopReason()).isInstanceOfSatisfying(StopReason.LimitExceeded.class, r -> {
            assertThat(r.limit()).isEqualTo("exits_per_second");
            assertThat(r.detail()).endsWith("exits in the last second, over exits_per_second = 500");
        });
        assertThat(vm.stopReason().exitStatus()).isEqualTo(ExitStatus.GUEST_FAILURE);
        deleteAndCheckNothingLeaked();
    }

    @Test
    void aConfigAskingForMoreThanItsLimitsIsRefusedNamingTheLimit() throws Exception {
        assertThatThrownBy(() -> vmm.create(hostile("spin").limits("memory_mib = 8").definition(tmp)))
                .isInstanceOf(VmCreateException.class)
                .hasMessage("VM 1 (hostile): 16 MiB of memory is over the limit memory_mib = 8");
        vmm.close();
        vmm = Vmm.init(List.of(), c -> new Console(null),
                new LimitsConfig(1024, 1, 0, 4096, 0, 0, LimitsConfig.StormAction.REPORT));
        assertThatThrownBy(() -> vmm.create(hostile("cpus").cpus(2).definition(tmp)))
                .isInstanceOf(VmCreateException.class).hasMessage("VM 1 (hostile): 2 vCPUs is over the limit vcpus = 1");
        assertThat(vmm.list()).isEmpty();
    }
}
