package javisor.vcpu;

import java.util.List;
import java.util.Map;
import java.util.function.BooleanSupplier;

import javisor.memory.GuestAddress;
import javisor.memory.GuestMemory;
import javisor.sys.Errno;
import javisor.sys.Logs;
import javisor.sys.NativeException;
import javisor.sys.VcpuKick;
import javisor.sys.kvm.CpuidEntry;
import javisor.sys.kvm.KvmConstants;
import javisor.sys.kvm.KvmRun;
import javisor.sys.kvm.Msr;
import javisor.sys.kvm.RegisterReader;
import javisor.sys.kvm.Regs;
import javisor.sys.kvm.Regs.Reg;
import javisor.sys.kvm.SpecialRegs;
import javisor.sys.kvm.Translation;
import javisor.sys.kvm.VcpuFd;
import javisor.vcpu.hypercall.HypercallAbi;

/**
 * One virtual CPU. {@link #run()} enters the guest and returns the exit as a {@link VCpuExit}; the answer to
 * a read exit is given with the matching {@code complete...} method before the next run. KVM wants every
 * vCPU ioctl from the thread that runs it, so all methods but {@link #kick()} belong to that thread.
 */
public final class VCpu implements ExitCompletion, AutoCloseable {
    private static final System.Logger LOG = Logs.get("javisor.vcpu");
    private static final int FPU_CONTROL_WORD_RESET = 0x37f;
    private static final int MXCSR_RESET = 0x1f80;
    private static final int MAX_INSTRUCTION_BYTES = 15;

    private final int id;
    private final VcpuFd fd;
    private final KvmRun kvmRun;
    private final GuestMemory memory;
    private final ExitCounters counters = new ExitCounters();
    private final Object kickLock = new Object();
    private int threadId; // guarded by kickLock; 0 while no live thread runs this vCPU

    private long pendingDataOffset;
    private int pendingIoSize;
    private int pendingIoCount;
    /**
     * The registers read to decode the last hypercall, kept for its answer: without KVM_CAP_SYNC_REGS, one
     * KVM_GET_REGS less per call; with it, kvm_run's registers in place.
     */
    private RegisterReader pendingHypercallRegs;
    /** CS.L at the exit, which costs a KVM_GET_SREGS: asked only by a hypercall whose registers need it. */
    private final BooleanSupplier codeIs64Bit;

    public VCpu(int id, VcpuFd fd, GuestMemory memory) {
        this.id = id;
        this.fd = fd;
        this.kvmRun = fd.kvmRun();
        this.memory = memory;
        this.codeIs64Bit = () -> fd.getSregs().cs().l();
    }

    @Override
    public int id() {
        return id;
    }

    public ExitCounters counters() {
        return counters;
    }

    /**
     * Sets the CPU model (CPUID, MSRs, FPU) for vCPU {@code id} of a VM with {@code cpuCount} vCPUs; call once,
     * before {@link #boot} and the first run.
     */
    public void configure(List<CpuidEntry> supportedCpuid, int cpuCount) {
        fd.setCpuid2(CpuTopology.apply(CpuidNormalizer.normalize(supportedCpuid, id, cpuCount), id, cpuCount));
        // After KVM_SET_CPUID2, which KVM checks MSR writes against. An MSR KVM refuses (a host without MTRR
        // emulation) is skipped: the guest then runs as it would on a firmware that left it alone.
        for (Msr msr : FirmwareCpuState.bootMsrs()) {
            try {
                fd.setMsrs(List.of(msr));
            } catch (IllegalStateException refused) {
                LOG.log(System.Logger.Level.DEBUG, "vCPU {0}: KVM refused MSR 0x{1}", id,
                        Integer.toHexString(msr.index()));
            }
        }
        fd.setFpu(FPU_CONTROL_WORD_RESET, MXCSR_RESET);
        fd.setLapic(FirmwareCpuState.withLegacyLints(fd.getLapic()));
    }

    /**
     * Puts the vCPU in {@code mode} at {@code entry}, with {@code registers} set on top of the mode's defaults; the
     * GDT and page tables the mode needs are written where {@code tables} says.
     */
    public void boot(EntryMode mode, GuestAddress entry, Map<Reg, Long> registers, BootTables tables) {
        tables.checkFor(mode);
        SpecialRegs reset = fd.getSregs();
        SpecialRegs sregs = switch (mode) {
            case REAL_MODE_16 -> BootCpuState.realMode(reset, entry.value());
            case PROTECTED_32 -> BootCpuState.protectedMode(reset, memory, tables);
            case LONG_64 -> BootCpuState.longMode(reset, memory, tables);
        };
        long ip = mode == EntryMode.REAL_MODE_16 ? BootCpuState.realModeIp(entry.value()) : entry.value();
        Regs regs = Regs.initial().with(Reg.RIP, ip);
        for (Map.Entry<Reg, Long> r : registers.entrySet()) {
            regs = regs.with(r.getKey(), r.getValue());
        }
        fd.setSregs(sregs);
        fd.setRegs(regs);
    }

    /**
     * Makes the calling thread this vCPU's runner: kicks go to it from now on. Call on the vCPU thread before
     * its first {@link #run()}.
     */
    public void attachToCurrentThread() {
        int self = VcpuKick.prepareCurrentThread();
        synchronized (kickLock) {
            threadId = self;
        }
    }

    /**
     * Ends kicks to the calling thread; the vCPU thread calls this before it ends, since signalling a thread that
     * has ended is undefined behaviour.
     */
    public void detachFromCurrentThread() {
        synchronized (kickLock) {
            threadId = 0;
        }
    }

    /**
     * Forces the vCPU out of the guest soon: {@link #run()} returns {@link VCpuExit.Interrupted} now if it is
     * running, or at its next call. Safe from any thread; a no-op before {@link #attachToCurrentThread()}.
     */
    public void kick() {
        kvmRun.setImmediateExit(true); // before the signal: VcpuKick's protocol
        synchronized (kickLock) {
            if (threadId != 0) {
                VcpuKick.kick(threadId);
            }
        }
    }

    /** Enters the guest until the next exit. */
    public VCpuExit run() {
        int r = fd.run();
        if (r < 0) {
            if (r == -Errno.EINTR || r == -Errno.EAGAIN) {
                // Clear the request flag before the caller looks at its requests, so a kick that arrives
                // after that look still cuts the next run short.
                kvmRun.setImmediateExit(false);
                return count(new VCpuExit.Interrupted());
            }
            throw new NativeException("KVM_RUN", -r);
        }
        return count(decode(kvmRun.exitReason()));
    }

    private VCpuExit count(VCpuExit exit) {
        counters.record(exit);
        return exit;
    }

    private VCpuExit decode(int reason) {
        return switch (reason) {
            case KvmConstants.EXIT_IO -> decodeIo();
            case KvmConstants.EXIT_MMIO -> decodeMmio();
            case KvmConstants.EXIT_HLT -> new VCpuExit.Halt();
            case KvmConstants.EXIT_SHUTDOWN -> new VCpuExit.Shutdown();
            case KvmConstants.EXIT_SYSTEM_EVENT -> VCpuExit.SystemEvent.of(kvmRun.systemEventType());
            case KvmConstants.EXIT_INTR -> new VCpuExit.Interrupted();
            case KvmConstants.EXIT_FAIL_ENTRY -> new VCpuExit.FailEntry(kvmRun.failEntryReason(), fd.getRegs(),
                    fd.getSregs());
            case KvmConstants.EXIT_INTERNAL_ERROR -> decodeInternalError();
            default -> new VCpuExit.Unknown(reason);
        };
    }

    private VCpuExit decodeIo() {
        int size = kvmRun.ioSize();
        int count = kvmRun.ioCount();
        long offset = kvmRun.ioDataOffset();
        // KVM fills these, but they are checked anyway: a bad offset must not reach outside kvm_run.
        if (size != 1 && size != 2 && size != 4 || count < 1
                || offset < 0 || offset > kvmRun.byteSize() || (long) size * count > kvmRun.byteSize() - offset) {
            return new VCpuExit.Unknown(KvmConstants.EXIT_IO);
        }
        int port = kvmRun.ioPort();
        if (kvmRun.ioDirection() == KvmConstants.EXIT_IO_OUT) {
            if (HypercallAbi.isHypercall(port, size, count)) {
                pendingHypercallRegs = fd.exitRegs();
                return HypercallAbi.decode(pendingHypercallRegs, codeIs64Bit);
            }
            long[] values = new long[count];
            for (int i = 0; i < count; i++) {
                values[i] = kvmRun.readData(offset + (long) i * size, size);
            }
            return new VCpuExit.IoOut(port, size, values);
        }
        pendingDataOffset = offset;
        pendingIoSize = size;
        pendingIoCount = count;
        return new VCpuExit.IoIn(port, size, count);
    }

    private VCpuExit decodeMmio() {
        int len = kvmRun.mmioLen();
        if (len < 1 || len > 8) {
            return new VCpuExit.Unknown(KvmConstants.EXIT_MMIO);
        }
        long address = kvmRun.mmioPhysAddr();
        if (kvmRun.mmioIsWrite()) {
            return new VCpuExit.MmioWrite(address, len, kvmRun.readData(KvmRun.mmioDataOffset(), len));
        }
        pendingIoSize = len;
        return new VCpuExit.MmioRead(address, len);
    }

    private VCpuExit decodeInternalError() {
        Regs regs = fd.getRegs();
        SpecialRegs sregs = fd.getSregs();
        if (kvmRun.internalSuberror() != KvmConstants.INTERNAL_ERROR_EMULATION) {
            return new VCpuExit.InternalError(kvmRun.internalSuberror(), kvmRun.internalData(), regs, sregs);
        }
        long gpaRip = guestPhysicalRip(regs, sregs);
        byte[] bytes = kvmRun.emulationFailureBytes();
        if (bytes.length == 0 && gpaRip >= 0) {
            bytes = readInstruction(gpaRip);
        }
        return new VCpuExit.EmulationFailure(bytes, gpaRip, regs, sregs);
    }

    /** Where RIP points in guest-physical memory, or -1 if it does not translate. */
    private long guestPhysicalRip(Regs regs, SpecialRegs sregs) {
        long linear = sregs.cs().l() ? regs.rip() : sregs.cs().base() + regs.rip();
        try {
            Translation t = fd.translate(linear);
            return t.valid() ? t.physicalAddress() : -1;
        } catch (NativeException e) {
            return -1;
        }
    }

    private byte[] readInstruction(long gpa) {
        GuestAddress at = GuestAddress.of(gpa);
        for (int n = MAX_INSTRUCTION_BYTES; n > 0; n--) {
            if (memory.contains(at, n)) {
                return memory.read(at, n);
            }
        }
        return new byte[0];
    }

    /** Answers the last {@link VCpuExit.IoIn}: one value per repetition. */
    @Override
    public void completeIoIn(long[] values) {
        int n = Math.min(values.length, pendingIoCount);
        for (int i = 0; i < n; i++) {
            kvmRun.writeData(pendingDataOffset + (long) i * pendingIoSize, pendingIoSize, values[i]);
        }
    }

    /** Answers the last {@link VCpuExit.MmioRead}. */
    @Override
    public void completeMmioRead(long value) {
        kvmRun.writeData(KvmRun.mmioDataOffset(), pendingIoSize, value);
    }

    /**
     * Answers the last {@link VCpuExit.Hypercall}: the result goes to RAX, the other registers as the exit left
     * them (nothing but this thread sets this vCPU's registers between the exit and its answer).
     */
    @Override
    public void completeHypercall(long result) {
        RegisterReader atExit = pendingHypercallRegs != null ? pendingHypercallRegs : fd.getRegs();
        pendingHypercallRegs = null;
        fd.setRegForEntry(HypercallAbi.NUMBER_AND_RESULT, result, atExit);
    }

    /** KVM_GET_MP_STATE: whether the vCPU waits for INIT/SIPI, runs, or halts. */
    public int mpState() {
        return fd.getMpState();
    }

    /** Marks the vCPU runnable (a vCPU waiting for INIT/SIPI would otherwise ignore its new registers). */
    public void makeRunnable() {
        fd.setMpState(KvmConstants.MP_STATE_RUNNABLE);
    }

    public Regs regs() {
        return fd.getRegs();
    }

    public SpecialRegs sregs() {
        return fd.getSregs();
    }

    @Override
    public void close() {
        fd.close();
    }
}
