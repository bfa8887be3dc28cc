package javisor.junit;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.concurrent.atomic.AtomicLong;

import javisor.vcpu.ExitCounters;
import javisor.vm.StopReason;
import javisor.vm.VmState;
import javisor.vm.ivc.IvcChannelInfo;
import javisor.vmm.VmmException;
import javisor.vmm.embed.Javisor;
import javisor.vmm.embed.VirtualMachine;
import javisor.vmm.embed.VmSpec;

import org.junit.jupiter.api.Nested;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.extension.ExtendWith;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.assertj.core.api.Assertions.tuple;

/**
 * Real guests booted through {@link JavisorVm} on real KVM: what the guests print and how they stop, the library's
 * console streams, input, metrics and hypercall hook. After each test the extension checks that the VMs left no
 * KVM descriptor or vCPU thread behind.
 */
@Timeout(120)
@Tag("kvm")
@ExtendWith(JavisorExtension.class) // for the tests that take only a Javisor, with no @JavisorVm to register it
class JavisorVmGuestTest {
    /** Generous: in the KVM box a guest's boot runs under TCG, and JVMs are about ten times slower. */
    private static final Duration PATIENCE = Duration.ofSeconds(60);

    @Test
    void helloSeesItsCommandLineAndMemoryAndPowersOff(
            @JavisorVm(kernel = "${javisor.guests.dir}/hello.elf", cmdline = "greeting=hi", memoryMiB = 64)
            VirtualMachine hello) throws Exception {
        // The stream ends when the VM has stopped and all it wrote is read: read to the end, as a program would.
        ByteArrayOutputStream streamed = new ByteArrayOutputStream();
        try (InputStream in = hello.consoleOutput()) {
            in.transferTo(streamed);
        }
        assertThat(hello.state()).isEqualTo(VmState.STOPPED);
        String out = streamed.toString(StandardCharsets.UTF_8);
        assertThat(out).startsWith("Hello from a Javisor guest!\n").contains("cmdline: greeting=hi\n")
                .contains("mmap: base=0x0 len=0x4000000 type=1\n").endsWith("Bye.\n");
        assertThat(hello.consoleText()).isEqualTo(out);
        assertThat(hello.stopReason()).contains(new StopReason.PowerOff());
        var m = hello.metrics();
        assertThat(m.state()).isEqualTo(VmState.STOPPED);
        assertThat(m.memoryBytes()).isEqualTo(64L << 20);
        // Every console byte is an OUT to the UART's port, so there are at least as many as bytes printed.
        assertThat(m.exits(ExitCounters.Kind.IO_OUT)).isGreaterThanOrEqualTo(out.length());
        assertThat(m.exitsTotal()).isGreaterThanOrEqualTo(m.exits(ExitCounters.Kind.IO_OUT));
        assertThat(m.uptime()).isPositive();
    }

    @Test
    void theHookAnswersTheEmbeddersHypercallAndWithoutItTheGuestGetsEnosys(
            @JavisorVm(kernel = "${javisor.guests.dir}/hc_hook.elf", start = false) VirtualMachine vm)
            throws InterruptedException {
        AtomicLong caller = new AtomicLong(-1);
        vm.onHypercall((vmId, vcpuId, nr, args) -> {
            caller.set(vmId);
            return nr == 0x4000_0000L ? args[0] * args[1] : -22;
        });
        vm.start();
        assertThat(vm.await(PATIENCE)).isTrue();
        assertThat(vm.consoleText()).isEqualTo("hc_hook: 0x40000000(6, 7) = 42\n");
        assertThat(vm.stopReason()).contains(new StopReason.DebugExit(42));
        assertThat(caller.get()).isEqualTo(vm.id());
        assertThat(vm.metrics().exits(ExitCounters.Kind.HYPERCALL)).isEqualTo(1);

        vm.onHypercall(null);
        vm.start(); // a STOPPED VM boots afresh
        assertThat(vm.await(PATIENCE)).isTrue();
        assertThat(vm.consoleText()).endsWith("hc_hook: 0x40000000(6, 7) = -38\n");
        assertThat(vm.stopReason()).contains(new StopReason.DebugExit(-38 & 0xff));
    }

    @Test
    void aConfigFileGivesItsIdNameAndCommandLine(
            @JavisorVm(config = "${javisor.root}/guests/configs/hc_basic.toml") VirtualMachine vm)
            throws InterruptedException {
        assertThat(vm.await(PATIENCE)).isTrue();
        assertThat(vm.id()).isEqualTo(7);
        assertThat(vm.name()).isEqualTo("hc_basic");
        // The guest compares GetVmId with the config's "vmid=7" and runs every check of hc_basic.c.
        assertThat(vm.consoleText()).contains("vm id 7\n").contains("ok get_vm_id\n").endsWith("hc_basic: passed\n");
        assertThat(vm.stopReason()).contains(new StopReason.DebugExit(0x61));
    }

    @Test
    void typedInputReachesTheGuestsUart(@JavisorVm(kernel = "${javisor.guests.dir}/uart_echo.elf") VirtualMachine vm,
                                        Javisor javisor) throws Exception {
        assertThat(javisor.vms()).as("the test's hypervisor holds its VMs").containsExactly(vm);
        assertThat(vm.awaitConsole("type a line", PATIENCE)).as(vm.consoleText()).isTrue();
        vm.type("ab\n");
        assertThat(vm.await(PATIENCE)).isTrue();
        assertThat(vm.consoleText()).contains("uart_echo: got \"ab\", sum 0xc3");
        assertThat(vm.stopReason()).contains(new StopReason.DebugExit(0xc3));
    }

    /** {@code guests/configs/NAME} with its command line replaced and its image path made absolute. */
    private static VmSpec guestConfig(String name, String cmdline) throws IOException {
        Path guests = Path.of(System.getProperty("javisor.guests.dir")).toAbsolutePath();
        String text = Files.readString(Path.of(System.getProperty("javisor.root"), "guests", "configs", name))
                .replaceAll("cmdline = \".*\"", "cmdline = \"" + cmdline + "\"")
                .replace("\"../target/guests/", "\"" + guests + "/");
        return VmSpec.config(text);
    }

    @Test
    void bothEndsOfAnIvcChannelSeeItWithTheOtherEnd(Javisor javisor) throws Exception {
        // The publisher stops half-way and halts, so the channel stays up until the test ends.
        VirtualMachine pub = javisor.boot(guestConfig("hc_ivc_pub.toml", "key=0x4a56 gsi=5 stall"));
        VirtualMachine sub = javisor.boot(guestConfig("hc_ivc_sub.toml", "pub=1 key=0x4a56 gsi=5 timeout=60000"));
        long deadline = System.nanoTime() + PATIENCE.toNanos();
        while (sub.ivcChannels().isEmpty()) {
            assertThat(System.nanoTime()).as("the subscriber never subscribed").isLessThan(deadline);
            Thread.sleep(5);
        }
        IvcChannelInfo c = sub.ivcChannels().getFirst();
        assertThat(c.publisherId()).isEqualTo(pub.id());
        assertThat(c.key()).isEqualTo(0x4a56);
        assertThat(c.subscriberAddresses()).containsOnlyKeys(sub.id());
        assertThat(c.size()).isEqualTo(0x10_1000); // 4 KiB of control block and 1 MiB of data
        // Snapshots: compare what does not move (the notification count could).
        assertThat(pub.ivcChannels()).extracting(IvcChannelInfo::publisherId, IvcChannelInfo::key)
                .containsExactly(tuple(pub.id(), 0x4a56L));
        assertThat(javisor.ivcChannels()).hasSize(1);
    }

    /** A field: its VM is booted before each test of the class that declares it. */
    @Nested
    class InAField {
        @JavisorVm(kernel = "${javisor.guests.dir}/exit42.elf")
        VirtualMachine exit42;

        @Test
        void aFieldGetsAStartedVmThatExitsWithItsCode() throws InterruptedException {
            assertThat(exit42.await(PATIENCE)).isTrue();
            assertThat(exit42.consoleText()).isEqualTo("exit42\n");
            assertThat(exit42.stopReason()).contains(new StopReason.DebugExit(42));
            assertThat(exit42.name()).isEqualTo("exit42.elf");
        }

        @Test
        void aSecondVmFromTheInjectedHypervisorTakesTheNextFreeId(Javisor javisor) throws Exception {
            // exit42 (the field) has id 1; a VM made in the test gets 2 and the extension closes it too.
            VirtualMachine spin = javisor.boot(VmSpec.kernel(Path.of(
                    JavisorExtension.expand("${javisor.guests.dir}/spin.elf", "test"))).withMemoryMiB(4));
            assertThat(spin.id()).isEqualTo(2);
            // The whole line: a stop between the UART writes of "spinning" and of its newline would cut it.
            assertThat(spin.awaitConsole("spinning\n", PATIENCE)).isTrue();
            assertThat(spin.state()).isEqualTo(VmState.RUNNING);
            spin.stop();
            assertThat(spin.stopReason()).contains(new StopReason.Stopped("vm stop"));
            spin.close();
            assertThat(javisor.vms()).containsExactly(exit42);
            assertThat(spin.isClosed()).isTrue();
            assertThatThrownBy(spin::state).isInstanceOf(VmmException.class).hasMessage("VM 2 (spin.elf) is closed");
            assertThat(spin.consoleOutput().readAllBytes()).as("a closed VM's console ends after what it kept")
                    .asString(StandardCharsets.UTF_8).isEqualTo("spinning\n");
        }
    }
}
