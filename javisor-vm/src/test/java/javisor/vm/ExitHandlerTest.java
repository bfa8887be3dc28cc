package javisor.vm;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Set;

import javisor.devices.BusDevice;
import javisor.devices.BusRange;
import javisor.devices.IoPortBus;
import javisor.devices.MmioBus;
import javisor.sys.kvm.DescriptorTable;
import javisor.sys.kvm.KvmConstants;
import javisor.sys.kvm.Regs;
import javisor.sys.kvm.Segment;
import javisor.sys.kvm.SpecialRegs;
import javisor.vcpu.ExitCompletion;
import javisor.vcpu.VCpuExit;
import javisor.vcpu.hypercall.Hypercall;
import javisor.vm.hypercall.HypercallDispatcher;
import javisor.vm.ivc.FakeVm;
import javisor.vm.ivc.IvcService;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * Exit dispatch with no KVM and no threads: the vCPU is played by {@link Answers}, the devices are real buses with
 * a recording device, the hypercall caller a {@link FakeVm}.
 */
class ExitHandlerTest {
    /** The vCPU's side: records each answer. */
    static final class Answers implements ExitCompletion {
        final List<String> given = new ArrayList<>();

        @Override
        public int id() {
            return 3;
        }

        @Override
        public void completeIoIn(long[] values) {
            given.add("in " + Arrays.toString(values));
        }

        @Override
        public void completeMmioRead(long value) {
            given.add("mmio 0x" + Long.toHexString(value));
        }

        @Override
        public void completeHypercall(long result) {
            given.add("rax " + result);
        }
    }

    /** A device that answers reads with its offset plus 0x40 and records writes. */
    static final class Recorder implements BusDevice {
        final List<String> writes = new ArrayList<>();

        @Override
        public long read(long offset, int size) {
            return offset + 0x40;
        }

        @Override
        public void write(long offset, int size, long value) {
            writes.add(offset + ":" + size + "=0x" + Long.toHexString(value));
        }
    }

    private final Answers vcpu = new Answers();
    private final Recorder port = new Recorder();
    private final Recorder mmioDevice = new Recorder();
    private final FakeVm caller = FakeVm.withWindow(9, 0x10_0000, 0x1000, Set.of());
    private final List<Integer> down = new ArrayList<>();
    private final ExitHandler exits;

    ExitHandlerTest() {
        IoPortBus ports = new IoPortBus();
        ports.register(new BusRange(0x500, 8), "recorder", port);
        MmioBus mmio = new MmioBus();
        mmio.register(new BusRange(0xd000_0000L, 0x1000), "mmio recorder", mmioDevice);
        exits = new ExitHandler(ports, mmio, new HypercallDispatcher(IvcService.NONE), caller, down::add);
    }

    @AfterEach
    void close() {
        caller.close();
    }

    @Test
    void portReadsAreAnsweredOncePerRepetitionAndWritesReachTheDevice() {
        assertThat(exits.handle(vcpu, new VCpuExit.IoIn(0x502, 2, 3))).isEqualTo(ExitAction.CONTINUE);
        assertThat(vcpu.given).containsExactly("in [66, 66, 66]");
        assertThat(exits.handle(vcpu, new VCpuExit.IoOut(0x501, 1, new long[] {0xa, 0xb})))
                .isEqualTo(ExitAction.CONTINUE);
        assertThat(port.writes).containsExactly("1:1=0xa", "1:1=0xb");
    }

    @Test
    void unclaimedPortsReadAsAllOnesOfTheirSize() {
        exits.handle(vcpu, new VCpuExit.IoIn(0x9000, 2, 1));
        assertThat(vcpu.given).containsExactly("in [65535]");
    }

    @Test
    void mmioReadsAndWritesGoToTheMmioBus() {
        exits.handle(vcpu, new VCpuExit.MmioRead(0xd000_0010L, 4));
        exits.handle(vcpu, new VCpuExit.MmioWrite(0xd000_0020L, 8, 0x1234));
        exits.handle(vcpu, new VCpuExit.MmioRead(0xe000_0000L, 1));
        assertThat(vcpu.given).containsExactly("mmio 0x50", "mmio 0xff");
        assertThat(mmioDevice.writes).containsExactly("32:8=0x1234");
    }

    @Test
    void aHypercallsResultGoesBackToTheVcpuThatMadeIt() {
        exits.handle(vcpu, new VCpuExit.Hypercall(Hypercall.GET_VM_ID.nr(), new long[6]));
        exits.handle(vcpu, new VCpuExit.Hypercall(1234, new long[6]));
        assertThat(vcpu.given).containsExactly("rax 9", "rax -38");
    }

    @Test
    void cpuDownParksTheCallingVcpuAndSystemDownStopsTheVm() {
        assertThat(exits.handle(vcpu, new VCpuExit.Hypercall(Hypercall.CPU_DOWN.nr(), new long[6])))
                .isEqualTo(new ExitAction.ParkVcpu());
        assertThat(down).containsExactly(3);
        assertThat(exits.handle(vcpu, new VCpuExit.Hypercall(Hypercall.SYSTEM_DOWN.nr(), new long[] {5})))
                .isEqualTo(new ExitAction.Stop(new StopReason.SystemDown(5)));
        assertThat(vcpu.given).as("neither answers in RAX").isEmpty();
    }

    @Test
    void platformEventsStopTheVmForTheirReason() {
        assertThat(exits.handle(vcpu, new VCpuExit.SystemEvent(VCpuExit.SystemEvent.Kind.SHUTDOWN,
                KvmConstants.SYSTEM_EVENT_SHUTDOWN))).isEqualTo(new ExitAction.Stop(new StopReason.PowerOff()));
        assertThat(exits.handle(vcpu, new VCpuExit.SystemEvent(VCpuExit.SystemEvent.Kind.RESET,
                KvmConstants.SYSTEM_EVENT_RESET))).isEqualTo(new ExitAction.Stop(new StopReason.Reset()));
        assertThat(exits.handle(vcpu, new VCpuExit.SystemEvent(VCpuExit.SystemEvent.Kind.CRASH,
                KvmConstants.SYSTEM_EVENT_CRASH))).isEqualTo(new ExitAction.Stop(new StopReason.GuestFailure(
                "vCPU 3: system event 3 (crash)", "KVM system event 3")));
    }

    @Test
    void guestFailuresStopTheVmWithAReport() {
        Regs regs = Regs.initial();
        Segment flat = new Segment(0, 0xffff, 0, 3, true, 0, false, true, false, false, false, false);
        DescriptorTable none = new DescriptorTable(0, 0);
        SpecialRegs sregs = new SpecialRegs(flat, flat, flat, flat, flat, flat, flat, flat, none, none, 0, 0, 0, 0,
                0, 0, 0);
        for (VCpuExit failure : List.of(new VCpuExit.Shutdown(), new VCpuExit.Unknown(99),
                new VCpuExit.EmulationFailure(new byte[] {(byte) 0xcc}, 0x1000, regs, sregs),
                new VCpuExit.InternalError(2, new long[0], regs, sregs), new VCpuExit.FailEntry(7, regs, sregs))) {
            assertThat(exits.handle(vcpu, failure)).as(failure.toString())
                    .isInstanceOfSatisfying(ExitAction.Stop.class, stop -> assertThat(stop.reason())
                            .isInstanceOfSatisfying(StopReason.GuestFailure.class,
                                    f -> assertThat(f.summary()).startsWith("vCPU 3")));
        }
    }

    @Test
    void haltAndKicksOnlyReenterTheGuest() {
        assertThat(exits.handle(vcpu, new VCpuExit.Halt())).isEqualTo(ExitAction.CONTINUE);
        assertThat(exits.handle(vcpu, new VCpuExit.Interrupted())).isEqualTo(ExitAction.CONTINUE);
        assertThat(vcpu.given).isEmpty();
    }
}
