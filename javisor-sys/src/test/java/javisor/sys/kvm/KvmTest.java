package javisor.sys.kvm;

import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.locks.LockSupport;

import javisor.sys.Errno;
import javisor.sys.HostMapping;
import javisor.sys.LibC;
import javisor.sys.NativeException;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Nested;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

import static java.lang.foreign.ValueLayout.JAVA_BYTE;
import static javisor.sys.kvm.KvmConstants.*;
import static javisor.sys.kvm.TestVm.ENTRY;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatCode;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

/**
 * The KVM handles against the real /dev/kvm: system queries, VM and vCPU set-up, register round trips and
 * tiny real-mode guests written byte by byte. Tagged "kvm": run where there is a /dev/kvm (in the KVM box on a host
 * without one).
 *
 * <p>Every test runs in its own thread with a time limit (@Timeout on each @Nested class), so a guest that never exits fails the test
 * instead of hanging the build (the stuck thread is a daemon and dies with the test JVM).
 */
@Tag("kvm")
class KvmTest {
    /** The capabilities Javisor cannot run without. */
    static final int[] REQUIRED_CAPS = {CAP_IRQCHIP, CAP_USER_MEMORY, CAP_SET_TSS_ADDR, CAP_EXT_CPUID,
            CAP_MP_STATE, CAP_IRQFD, CAP_PIT2, CAP_IOEVENTFD, CAP_SET_IDENTITY_MAP_ADDR, CAP_READONLY_MEM,
            CAP_IMMEDIATE_EXIT};

    /** Its JVM handler ignores it (HotSpot installs one for SIGPIPE), so a test can send it to a thread at will. */
    static final int SIGPIPE = 13;

    /** The guest's output port. */
    static final int PORT = 0x10;

    /** Per test rather than @BeforeAll, so that each test reports the reason. */
    @BeforeEach
    void requireKvm() {
        TestVm.requireKvm();
    }

    @Nested
    @Timeout(value = 60, unit = TimeUnit.SECONDS, threadMode = Timeout.ThreadMode.SEPARATE_THREAD)
    class SystemHandle {
        @Test
        void apiVersionIs12() {
            try (Kvm kvm = Kvm.open()) {
                assertThat(kvm.apiVersion()).isEqualTo(API_VERSION).isEqualTo(12);
            }
        }

        @Test
        void requiredCapabilitiesArePresent() {
            try (Kvm kvm = Kvm.open()) {
                for (int cap : REQUIRED_CAPS) {
                    assertThat(kvm.checkExtension(cap)).as("KVM_CAP_%s", Kvm.capabilityName(cap)).isPositive();
                }
                assertThat(kvm.checkExtension(CAP_NR_VCPUS)).isPositive();
                assertThat(kvm.checkExtension(CAP_MAX_VCPUS)).isGreaterThanOrEqualTo(kvm.checkExtension(CAP_NR_VCPUS));
                assertThat(kvm.checkExtension(CAP_NR_MEMSLOTS)).isPositive();
            }
            assertThat(Kvm.unavailabilityCause(REQUIRED_CAPS)).isEmpty();
        }

        @Test
        void unavailabilityCauseNamesAMissingCapability() {
            int noSuchCap = 0x7fff_0000;
            assertThat(Kvm.unavailabilityCause(CAP_USER_MEMORY, noSuchCap))
                    .hasValueSatisfying(cause -> assertThat(cause).contains("lacks capability")
                            .contains(String.valueOf(noSuchCap)));
        }

        @Test
        void vcpuMmapSizeHoldsKvmRun() {
            try (Kvm kvm = Kvm.open()) {
                int size = kvm.vcpuMmapSize();
                assertThat((long) size).isGreaterThanOrEqualTo(KvmStructs.KVM_RUN.byteSize());
                assertThat(size % 4096).isZero();
            }
        }

        @Test
        void supportedCpuidHasTheBasicLeaves() {
            try (Kvm kvm = Kvm.open()) {
                List<CpuidEntry> cpuid = kvm.supportedCpuid();
                assertThat(cpuid).isNotEmpty();
                assertThat(cpuid).extracting(CpuidEntry::function).contains(0, 1);
                CpuidEntry leaf0 = cpuid.stream().filter(e -> e.function() == 0).findFirst().orElseThrow();
                assertThat(leaf0.eax()).as("highest basic leaf").isGreaterThanOrEqualTo(1);
                assertThat(vendor(leaf0)).matches("[\\x20-\\x7e]{12}");
            }
        }

        private static String vendor(CpuidEntry leaf0) {
            byte[] b = new byte[12];
            int[] words = {leaf0.ebx(), leaf0.edx(), leaf0.ecx()};
            for (int i = 0; i < 12; i++) {
                b[i] = (byte) (words[i / 4] >>> (8 * (i % 4)));
            }
            return new String(b, StandardCharsets.US_ASCII);
        }
    }

    /** Tests on one VM with one vCPU, both closed after each test. */
    @Nested
    @Timeout(value = 60, unit = TimeUnit.SECONDS, threadMode = Timeout.ThreadMode.SEPARATE_THREAD)
    class OneVcpu {
        private TestVm vm;
        private VcpuFd vcpu;

        private void create() {
            vm = TestVm.create();
            vcpu = vm.vm.createVcpu(0);
        }

        @AfterEach
        void close() {
            if (vcpu != null) {
                vcpu.close();
            }
            if (vm != null) {
                vm.close();
            }
        }

        @Test
        void outThenHlt() {
            create();
            vm.load(ENTRY,
                    0xB0, 0x41,   // mov al, 0x41
                    0xE6, PORT,   // out 0x10, al
                    0xF4);        // hlt
            TestVm.startInRealMode(vcpu, ENTRY);
            KvmRun run = vcpu.kvmRun();

            assertThat(vcpu.run()).isZero();
            assertThat(run.exitReason()).as("exit reason").isEqualTo(EXIT_IO);
            assertThat(run.ioDirection()).isEqualTo(EXIT_IO_OUT);
            assertThat(run.ioPort()).isEqualTo(PORT);
            assertThat(run.ioSize()).isEqualTo(1);
            assertThat(run.ioCount()).isEqualTo(1);
            long data = run.ioDataOffset();
            assertThat(data).isBetween(KvmStructs.KVM_RUN.byteSize(), run.byteSize() - 1);
            assertThat(run.readData(data, 1)).isEqualTo(0x41);

            assertThat(vcpu.run()).isZero();
            assertThat(run.exitReason()).as("exit reason").isEqualTo(EXIT_HLT);
            Regs regs = vcpu.getRegs();
            assertThat(regs.rip()).as("rip after hlt").isEqualTo(ENTRY + 5);
            assertThat(regs.rax() & 0xff).isEqualTo(0x41);
        }

        /**
         * KVM_CAP_SYNC_REGS: the general registers of an exit come through kvm_run, and go back into the guest that
         * way; a KVM_SET_REGS after it has the last word.
         */
        @Test
        void registersSyncedThroughKvmRunMatchTheIoctlsAndReachTheGuest() {
            create();
            assertThat(vm.vm.checkExtension(CAP_SYNC_REGS) & SYNC_X86_REGS).as("KVM_CAP_SYNC_REGS")
                    .isEqualTo(SYNC_X86_REGS);
            vm.load(ENTRY,
                    0xB0, 0x41,   // mov al, 0x41
                    0xE6, PORT,   // out 0x10, al
                    0xE6, PORT,   // out 0x10, al   (al as user space set it through kvm_run)
                    0xE6, PORT,   // out 0x10, al   (al as KVM_SET_REGS set it, over kvm_run's)
                    0xF4);        // hlt
            TestVm.startInRealMode(vcpu, ENTRY);
            KvmRun run = vcpu.kvmRun();

            assertThat(vcpu.run()).isZero();
            assertThat(run.readData(run.ioDataOffset(), 1)).isEqualTo(0x41);
            Regs atExit = Regs.of(vcpu.exitRegs());
            assertThat(atExit).as("synced registers").isEqualTo(vcpu.getRegs());
            assertThat(atExit.rax() & 0xff).isEqualTo(0x41);
            assertThat(atExit.rip()).as("rip at the first out").isEqualTo(ENTRY + 2);
            vcpu.setRegForEntry(Regs.Reg.RAX, 0x5A, atExit);
            assertThat(vcpu.getRegs()).as("the registers the next entry takes")
                    .isEqualTo(atExit.with(Regs.Reg.RAX, 0x5A));

            assertThat(vcpu.run()).isZero();
            assertThat(run.exitReason()).isEqualTo(EXIT_IO);
            assertThat(run.readData(run.ioDataOffset(), 1)).as("al set through kvm_run").isEqualTo(0x5A);
            Regs second = Regs.of(vcpu.exitRegs());
            assertThat(second.rip()).as("rip at the second out").isEqualTo(ENTRY + 4);
            assertThat(second.rax() & 0xff).as("al as the guest has it now").isEqualTo(0x5A);
            vcpu.setRegForEntry(Regs.Reg.RAX, 0x11, second);
            vcpu.setRegs(second.with(Regs.Reg.RAX, 0x22));

            assertThat(vcpu.run()).isZero();
            assertThat(run.readData(run.ioDataOffset(), 1)).as("al set by KVM_SET_REGS").isEqualTo(0x22);
            assertThat(vcpu.run()).isZero();
            assertThat(run.exitReason()).isEqualTo(EXIT_HLT);
        }

        @Test
        void inReadsTheValueUserSpaceWritesBack() {
            create();
            vm.load(ENTRY,
                    0xE4, 0x11,   // in al, 0x11
                    0xE6, PORT,   // out 0x10, al
                    0xF4);        // hlt
            TestVm.startInRealMode(vcpu, ENTRY);
            KvmRun run = vcpu.kvmRun();

            assertThat(vcpu.run()).isZero();
            assertThat(run.exitReason()).isEqualTo(EXIT_IO);
            assertThat(run.ioDirection()).isEqualTo(EXIT_IO_IN);
            assertThat(run.ioPort()).isEqualTo(0x11);
            run.writeData(run.ioDataOffset(), 1, 0x37);

            assertThat(vcpu.run()).isZero();
            assertThat(run.exitReason()).isEqualTo(EXIT_IO);
            assertThat(run.ioDirection()).isEqualTo(EXIT_IO_OUT);
            assertThat(run.readData(run.ioDataOffset(), 1)).isEqualTo(0x37);
        }

        @Test
        void mmioWriteAndReadOfUnbackedMemory() {
            create();
            vm.load(ENTRY,
                    0xC6, 0x06, 0x00, 0x90, 0x42,   // mov byte [0x9000], 0x42
                    0xA0, 0x04, 0x90,               // mov al, [0x9004]
                    0xE6, PORT,                     // out 0x10, al
                    0xF4);                          // hlt
            TestVm.startInRealMode(vcpu, ENTRY);
            KvmRun run = vcpu.kvmRun();

            assertThat(vcpu.run()).isZero();
            assertThat(run.exitReason()).isEqualTo(EXIT_MMIO);
            assertThat(run.mmioPhysAddr()).isEqualTo(0x9000);
            assertThat(run.mmioLen()).isEqualTo(1);
            assertThat(run.mmioIsWrite()).isTrue();
            assertThat(run.readData(KvmRun.mmioDataOffset(), 1)).isEqualTo(0x42);

            assertThat(vcpu.run()).isZero();
            assertThat(run.exitReason()).isEqualTo(EXIT_MMIO);
            assertThat(run.mmioPhysAddr()).isEqualTo(0x9004);
            assertThat(run.mmioIsWrite()).isFalse();
            run.writeData(KvmRun.mmioDataOffset(), 1, 0x99);

            assertThat(vcpu.run()).isZero();
            assertThat(run.exitReason()).isEqualTo(EXIT_IO);
            assertThat(run.readData(run.ioDataOffset(), 1)).isEqualTo(0x99);
        }

        @Test
        void writesToAReadOnlySlotExitAsMmio() {
            create();
            try (var rom = HostMapping.anonymous(0x1000)) {
                rom.segment().set(JAVA_BYTE, 0, (byte) 0x77);
                vm.vm.setUserMemoryRegion(1, MEM_READONLY, 0xA000, 0x1000, rom.hostAddress());
                vm.load(ENTRY,
                        0xA0, 0x00, 0xA0,               // mov al, [0xA000]   (reads the ROM)
                        0xC6, 0x06, 0x00, 0xA0, 0x55,   // mov byte [0xA000], 0x55
                        0xF4);                          // hlt
                TestVm.startInRealMode(vcpu, ENTRY);
                KvmRun run = vcpu.kvmRun();

                assertThat(vcpu.run()).isZero();
                assertThat(run.exitReason()).isEqualTo(EXIT_MMIO);
                assertThat(run.mmioPhysAddr()).isEqualTo(0xA000);
                assertThat(run.mmioIsWrite()).isTrue();
                assertThat(run.readData(KvmRun.mmioDataOffset(), 1)).isEqualTo(0x55);
                assertThat(vcpu.getRegs().rax() & 0xff).as("al read from the ROM").isEqualTo(0x77);
                assertThat(rom.segment().get(JAVA_BYTE, 0))
                        .as("the ROM is unchanged").isEqualTo((byte) 0x77);
            }
        }

        @Test
        void setCpuid2IsAcceptedAndSeenByTheGuest() {
            create();
            List<CpuidEntry> cpuid = new ArrayList<>(vm.kvm.supportedCpuid());
            int signature = indexOfLeaf(cpuid, 0x4000_0000);
            assumeTrue(signature >= 0, "KVM offers no signature leaf 0x40000000 here");
            CpuidEntry leaf = cpuid.get(signature);
            cpuid.set(signature, leaf.withRegisters(leaf.eax(), 0xA5, leaf.ecx(), leaf.edx()));

            assertThatCode(() -> vcpu.setCpuid2(vm.kvm.supportedCpuid())).doesNotThrowAnyException();
            vcpu.setCpuid2(cpuid);

            vm.load(ENTRY,
                    0x66, 0xB8, 0x00, 0x00, 0x00, 0x40,   // mov eax, 0x40000000
                    0x0F, 0xA2,                           // cpuid
                    0x88, 0xD8,                           // mov al, bl
                    0xE6, PORT,                           // out 0x10, al
                    0xF4);                                // hlt
            TestVm.startInRealMode(vcpu, ENTRY);
            assertThat(vcpu.run()).isZero();
            assertThat(vcpu.kvmRun().exitReason()).isEqualTo(EXIT_IO);
            assertThat(vcpu.kvmRun().readData(vcpu.kvmRun().ioDataOffset(), 1))
                    .as("ebx of leaf 0x40000000 as set with KVM_SET_CPUID2").isEqualTo(0xA5);
        }

        @Test
        void tooManyCpuidEntriesAreRefusedWithTheIoctlName() {
            create();
            List<CpuidEntry> tooMany = new ArrayList<>();
            for (int i = 0; i < 1000; i++) {
                tooMany.add(new CpuidEntry(0x8000_0000 + i, 0, 0, 0, 0, 0, 0));
            }
            assertThatThrownBy(() -> vcpu.setCpuid2(tooMany)).isInstanceOfSatisfying(NativeException.class, e -> {
                assertThat(e.call()).isEqualTo("KVM_SET_CPUID2");
                assertThat(e.errno()).isEqualTo(7); // E2BIG: more than KVM_MAX_CPUID_ENTRIES
            });
        }

        @Test
        void regsRoundTrip() {
            create();
            Regs regs = Regs.initial();
            for (Regs.Reg r : Regs.Reg.values()) {
                regs = regs.with(r, 0x1111_0000_0000_0000L * (r.ordinal() % 15 + 1) + r.ordinal());
            }
            regs = regs.with(Regs.Reg.RIP, 0x1234).with(Regs.Reg.RFLAGS, 0x2 | 0x1 | 0x40 | 0x80); // CF ZF SF

            vcpu.setRegs(regs);

            Regs back = vcpu.getRegs();
            assertThat(back).isEqualTo(regs);
            assertThat(back.get(Regs.Reg.R15)).isEqualTo(regs.get(Regs.Reg.R15));
            assertThat(back.rflags()).isEqualTo(0xC3);
        }

        @Test
        void sregsRoundTrip() {
            create();
            SpecialRegs reset = vcpu.getSregs();
            assertThat(reset.cs().selector()).as("reset CS selector").isEqualTo(0xf000);
            assertThat(reset.cs().base()).as("reset CS base").isEqualTo(0xffff_0000L);
            assertThat(reset.cr0() & 1).as("CR0.PE at reset").isZero();

            SpecialRegs changed = new SpecialRegs(TestVm.flatRealModeSegment(reset.cs()), reset.ds(), reset.es(),
                    reset.fs(), reset.gs(), reset.ss(), reset.tr(), reset.ldt(),
                    new DescriptorTable(0x500, 0x17), new DescriptorTable(0x600, 0x3ff),
                    reset.cr0(), 0xdead_b000L, reset.cr3(), reset.cr4(), reset.cr8(), reset.efer(),
                    reset.apicBase());
            vcpu.setSregs(changed);

            SpecialRegs back = vcpu.getSregs();
            assertThat(back.cs()).isEqualTo(changed.cs());
            assertThat(back.gdt()).isEqualTo(new DescriptorTable(0x500, 0x17));
            assertThat(back.idt()).isEqualTo(new DescriptorTable(0x600, 0x3ff));
            assertThat(back.cr2()).isEqualTo(0xdead_b000L);
            assertThat(back).isEqualTo(changed);
        }

        @Test
        void translateIsTheIdentityInRealMode() {
            create();
            TestVm.startInRealMode(vcpu, ENTRY);
            Translation t = vcpu.translate(0x1234);
            assertThat(t.linearAddress()).isEqualTo(0x1234);
            assertThat(t.valid()).isTrue();
            assertThat(t.physicalAddress()).isEqualTo(0x1234);
        }

        @Test
        void msrsRoundTripAndRefusalsNameTheMsr() {
            create();
            int sysenterCs = 0x174;
            vcpu.setMsrs(List.of(new Msr(sysenterCs, 0x10)));
            assertThat(vcpu.getMsrs(sysenterCs)).containsExactly(new Msr(sysenterCs, 0x10));

            int noSuchMsr = 0x4b56_0000; // in no MSR range KVM knows
            assertThatThrownBy(() -> vcpu.setMsrs(List.of(new Msr(sysenterCs, 0x8), new Msr(noSuchMsr, 1))))
                    .isInstanceOf(IllegalStateException.class)
                    .hasMessageContaining(Integer.toHexString(noSuchMsr));
        }

        @Test
        void fpuAndMpState() {
            create();
            assertThatCode(() -> vcpu.setFpu(0x37f, 0x1f80)).doesNotThrowAnyException();
            assertThat(vcpu.getMpState()).isEqualTo(MP_STATE_RUNNABLE);
            vcpu.setMpState(MP_STATE_RUNNABLE);
            assertThat(vcpu.getMpState()).isEqualTo(MP_STATE_RUNNABLE);
        }

        @Test
        void kvmRunMappingHasTheSizeKvmAnnounces() {
            create();
            assertThat(vcpu.kvmRun().byteSize()).isEqualTo(vm.kvm.vcpuMmapSize());
        }

        @Test
        void aSecondVcpuWithTheSameIdIsRefusedWithTheIoctlName() {
            create();
            assertThatThrownBy(() -> vm.vm.createVcpu(0)).isInstanceOfSatisfying(NativeException.class, e -> {
                assertThat(e.call()).isEqualTo("KVM_CREATE_VCPU");
                assertThat(e.errno()).isEqualTo(Errno.EEXIST);
            });
        }

        @Test
        void immediateExitReturnsBeforeRunningTheGuest() {
            create();
            vm.load(ENTRY, 0xEB, 0xFE); // jmp $
            TestVm.startInRealMode(vcpu, ENTRY);
            vcpu.kvmRun().setImmediateExit(true);
            assertThat(vcpu.run()).isEqualTo(-Errno.EINTR);
            assertThat(vcpu.getRegs().rip()).isEqualTo(ENTRY);
            vcpu.kvmRun().setImmediateExit(false);
        }
    }

    @Nested
    @Timeout(value = 60, unit = TimeUnit.SECONDS, threadMode = Timeout.ThreadMode.SEPARATE_THREAD)
    class VmSetUp {
        @Test
        void inKernelDevicesAndLinesAreAccepted() {
            try (Kvm kvm = Kvm.open(); VmFd vm = kvm.createVm()) {
                vm.setIdentityMapAddr(0xfffb_c000L);
                vm.setTssAddr(TestVm.TSS_ADDRESS);
                vm.createIrqchip();
                vm.createPit2(1);
                vm.irqLine(4, true);
                vm.irqLine(4, false);
                assertThat(vm.checkExtension(CAP_IRQCHIP)).isPositive();
                try (VcpuFd vcpu = vm.createVcpu(0)) {
                    assertThat(vcpu.getMpState()).isEqualTo(MP_STATE_RUNNABLE);
                }
            }
        }

        @Test
        void aSecondIrqchipIsRefused() {
            try (Kvm kvm = Kvm.open(); VmFd vm = kvm.createVm()) {
                vm.createIrqchip();
                assertThatThrownBy(vm::createIrqchip).isInstanceOfSatisfying(NativeException.class, e ->
                        assertThat(e.call()).isEqualTo("KVM_CREATE_IRQCHIP"));
            }
        }

        @Test
        void enableCapExitOnEmulationFailure() {
            try (Kvm kvm = Kvm.open(); VmFd vm = kvm.createVm()) {
                assumeTrue(vm.checkExtension(CAP_EXIT_ON_EMULATION_FAILURE) > 0,
                        "KVM_CAP_EXIT_ON_EMULATION_FAILURE is not offered here");
                assertThatCode(() -> vm.enableCap(CAP_EXIT_ON_EMULATION_FAILURE, 1)).doesNotThrowAnyException();
            }
        }

        @Test
        void setUpRidesOutSignalsThatInterruptIt() throws Exception {
            // A JVM's threads take signals (JFR's sampler, jcmd, a profiler). One that arrives during
            // KVM_CREATE_VM makes it fail with EINTR, which no SA_RESTART restarts; the calls must get through
            // all the same, also when signals come faster than the call takes (a slow or loaded host), where
            // calling again could be cut short for ever. SIGPIPE is a signal the JVM's handler takes and
            // ignores, so it can be sent at will. The gap between two is a quarter of a KVM_CREATE_VM on this
            // host: a fixed 10 us flood stops any thread where taking a signal costs more than that (the KVM box
            // emulates the CPU), whatever its calls do.
            int target = LibC.gettid();
            try (Kvm kvm = Kvm.open()) {
                long oneCreate = Long.MAX_VALUE;
                long oneSetUp = Long.MAX_VALUE;
                for (int i = 0; i < 3; i++) {
                    long start = System.nanoTime();
                    VmFd created = kvm.createVm();
                    oneCreate = Math.min(oneCreate, System.nanoTime() - start);
                    created.close();
                    start = System.nanoTime();
                    setUpAndTearDown(kvm);
                    oneSetUp = Math.min(oneSetUp, System.nanoTime() - start);
                }
                long gap = Math.max(10_000, oneCreate / 4);
                // The flood ends by itself, so that a live-lock fails this test instead of hanging it.
                long floodEnds = System.nanoTime() + Math.max(TimeUnit.SECONDS.toNanos(20), 400 * oneSetUp);
                AtomicBoolean done = new AtomicBoolean();
                AtomicInteger sent = new AtomicInteger();
                Thread sender = Thread.ofPlatform().daemon().start(() -> {
                    while (!done.get() && System.nanoTime() < floodEnds) {
                        LibC.tgkill(target, SIGPIPE);
                        sent.incrementAndGet();
                        LockSupport.parkNanos(gap);
                    }
                });
                try {
                    for (int i = 0; i < 40; i++) {
                        setUpAndTearDown(kvm);
                    }
                    assertThat(System.nanoTime()).as("the set-ups got through while the signals came (one "
                            + "every %d us; KVM_CREATE_VM alone takes %d us)", gap / 1000, oneCreate / 1000)
                            .isLessThan(floodEnds);
                } finally {
                    done.set(true);
                    sender.join();
                }
                assertThat(sent.get()).as("signals sent during the set-ups").isGreaterThan(40);
            }
        }

        private static void setUpAndTearDown(Kvm kvm) {
            try (VmFd vm = kvm.createVm(); var memory = HostMapping.anonymous(0x10000)) {
                vm.setUserMemoryRegion(0, 0, 0, 0x10000, memory.hostAddress());
                vm.createIrqchip();
                vm.createPit2(1);
                vm.createVcpu(0).close();
            }
        }

        @Test
        void aMisalignedMemorySlotIsRefusedWithTheIoctlName() {
            try (Kvm kvm = Kvm.open(); VmFd vm = kvm.createVm();
                 var memory = HostMapping.anonymous(0x2000)) {
                assertThatThrownBy(() -> vm.setUserMemoryRegion(0, 0, 0x123, 0x1000, memory.hostAddress()))
                        .isInstanceOfSatisfying(NativeException.class, e -> {
                            assertThat(e.call()).isEqualTo("KVM_SET_USER_MEMORY_REGION");
                            assertThat(e.errno()).isEqualTo(Errno.EINVAL);
                        });
            }
        }
    }

    private static int indexOfLeaf(List<CpuidEntry> cpuid, int function) {
        for (int i = 0; i < cpuid.size(); i++) {
            if (cpuid.get(i).function() == function) {
                return i;
            }
        }
        return -1;
    }
}
