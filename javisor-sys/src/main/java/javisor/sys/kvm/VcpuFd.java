package javisor.sys.kvm;

import java.lang.foreign.Arena;
import java.lang.foreign.MemoryLayout.PathElement;
import java.lang.foreign.MemorySegment;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;

import javisor.sys.HostMapping;
import javisor.sys.LibC;

import static java.lang.foreign.ValueLayout.JAVA_BYTE;
import static java.lang.foreign.ValueLayout.JAVA_INT;
import static java.lang.foreign.ValueLayout.JAVA_LONG;
import static java.lang.foreign.ValueLayout.JAVA_SHORT;

/**
 * A KVM vCPU handle: one method per vCPU ioctl, plus its kvm_run page. KVM expects the vCPU ioctls from
 * the thread that runs the vCPU; the owner sees to that.
 */
public final class VcpuFd implements AutoCloseable {
    private static final long FPU_FCW = KvmStructs.KVM_FPU.byteOffset(PathElement.groupElement("fcw"));
    private static final long FPU_MXCSR = KvmStructs.KVM_FPU.byteOffset(PathElement.groupElement("mxcsr"));

    private final int fd;
    private final HostMapping runMapping;
    private final KvmRun run;
    /**
     * KVM copies the general registers into kvm_run at every exit and takes them back from there when asked
     * (KVM_CAP_SYNC_REGS): a hypercall reads and answers them without an ioctl. Not the special registers: their
     * copy costs every exit several times what the general ones' does, where a hypercall rarely needs them
     * (docs/performance.md, "Sixth round").
     */
    private final boolean registersSynced;
    /** kvm_run's synced registers read in place: made once, so that reading them allocates nothing. */
    private final RegisterReader syncedRegisters;
    /** KVM_RUN through the downcall without errno capture: decided once, when the vCPU is made, not every exit. */
    private final boolean runWithoutErrno = LibC.withoutErrnoLinked();
    private boolean closed;

    /** @param syncRegisters whether KVM offers KVM_CAP_SYNC_REGS for the general registers */
    VcpuFd(int fd, int mmapSize, boolean syncRegisters) {
        this.fd = fd;
        this.runMapping = HostMapping.sharedFile(fd, 0, mmapSize, true);
        this.run = new KvmRun(runMapping.segment());
        this.registersSynced = syncRegisters;
        this.syncedRegisters = run::syncedReg;
        if (syncRegisters) {
            run.syncRegisters();
        }
    }

    public KvmRun kvmRun() {
        return run;
    }

    /**
     * KVM_RUN. Returns 0 when the guest exited (the reason is in {@link #kvmRun()}) or minus errno, since
     * EINTR (a kick) and EAGAIN are answers the run loop handles, not errors.
     */
    public int run() {
        if (runWithoutErrno) {
            int r = LibC.ioctlWithoutErrno(fd, KvmIoctls.KVM_RUN, 0);
            if (r >= 0) {
                return r;
            }
            // Why it failed is not known without errno; KVM_RUN again, through the call that learns it, answers
            // the same: a kick's immediate_exit is still set, so EINTR comes back, and an interruption nothing
            // asked for (another signal) just runs the guest on.
        }
        return LibC.ioctlRaw(fd, KvmIoctls.KVM_RUN, 0);
    }

    /** Whether {@link #run()} takes the downcall without errno capture (linked before this vCPU was made). */
    boolean runsWithoutErrno() {
        return runWithoutErrno;
    }

    /**
     * The general registers at the last exit: where KVM syncs them into kvm_run, read there one at a time, in place
     * (so a VM exit that the registers answer, a hypercall, costs neither a KVM_GET_REGS nor a copy); else a
     * KVM_GET_REGS copy. Valid until the next KVM_RUN.
     */
    public RegisterReader exitRegs() {
        return registersSynced ? syncedRegisters : getRegs();
    }

    /**
     * Sets {@code reg} for the next KVM_RUN, the other general registers as {@code atExit} (those of the last exit,
     * which nothing has set since) has them: through kvm_run, one register, where KVM syncs them; else KVM_SET_REGS.
     */
    public void setRegForEntry(Regs.Reg reg, long value, RegisterReader atExit) {
        if (registersSynced) {
            run.setSyncedReg(reg, value);
        } else {
            setRegs(Regs.of(atExit).with(reg, value));
        }
    }

    /** KVM_GET_REGS; or the registers {@link #setRegForEntry} left in kvm_run, which the next entry takes. */
    public Regs getRegs() {
        if (registersSynced && run.syncedRegsPending()) {
            return run.syncedRegs();
        }
        try (Arena arena = Arena.ofConfined()) {
            MemorySegment r = arena.allocate(KvmStructs.KVM_REGS);
            LibC.ioctl(fd, KvmIoctls.KVM_GET_REGS, r.address(), "KVM_GET_REGS");
            return Regs.read(r);
        }
    }

    /** KVM_SET_REGS, which supersedes what {@link #setRegForEntry} left for the next entry. */
    public void setRegs(Regs regs) {
        if (registersSynced) {
            run.dropSyncedRegs();
        }
        try (Arena arena = Arena.ofConfined()) {
            MemorySegment r = arena.allocate(KvmStructs.KVM_REGS);
            regs.write(r);
            LibC.ioctl(fd, KvmIoctls.KVM_SET_REGS, r.address(), "KVM_SET_REGS");
        }
    }

    public SpecialRegs getSregs() {
        try (Arena arena = Arena.ofConfined()) {
            MemorySegment s = arena.allocate(KvmStructs.KVM_SREGS);
            LibC.ioctl(fd, KvmIoctls.KVM_GET_SREGS, s.address(), "KVM_GET_SREGS");
            return SpecialRegs.read(s);
        }
    }

    public void setSregs(SpecialRegs sregs) {
        try (Arena arena = Arena.ofConfined()) {
            MemorySegment s = arena.allocate(KvmStructs.KVM_SREGS);
            sregs.write(s);
            LibC.ioctl(fd, KvmIoctls.KVM_SET_SREGS, s.address(), "KVM_SET_SREGS");
        }
    }

    public void setCpuid2(List<CpuidEntry> entries) {
        try (Arena arena = Arena.ofConfined()) {
            MemorySegment buf = Kvm.CpuidBuffer.write(arena, entries);
            LibC.ioctl(fd, KvmIoctls.KVM_SET_CPUID2, buf.address(), "KVM_SET_CPUID2");
        }
    }

    /** KVM_SET_MSRS; fails unless KVM accepted every entry. */
    public void setMsrs(List<Msr> msrs) {
        try (Arena arena = Arena.ofConfined()) {
            MemorySegment buf = msrBuffer(arena, msrs);
            int set = LibC.ioctl(fd, KvmIoctls.KVM_SET_MSRS, buf.address(), "KVM_SET_MSRS");
            if (set != msrs.size()) {
                throw new IllegalStateException("KVM_SET_MSRS refused MSR 0x"
                        + Integer.toHexString(msrs.get(set).index()));
            }
        }
    }

    /** KVM_GET_MSRS for the given indexes; returns the MSRs KVM answered for. */
    public List<Msr> getMsrs(int... indexes) {
        try (Arena arena = Arena.ofConfined()) {
            List<Msr> query = Arrays.stream(indexes).mapToObj(i -> new Msr(i, 0)).toList();
            MemorySegment buf = msrBuffer(arena, query);
            int n = LibC.ioctl(fd, KvmIoctls.KVM_GET_MSRS, buf.address(), "KVM_GET_MSRS");
            long entry = KvmStructs.KVM_MSR_ENTRY.byteSize();
            ArrayList<Msr> out = new ArrayList<>(n);
            for (int i = 0; i < n; i++) {
                long o = 8 + i * entry;
                out.add(new Msr(buf.get(JAVA_INT, o), buf.get(JAVA_LONG, o + 8)));
            }
            return out;
        }
    }

    private static MemorySegment msrBuffer(Arena arena, List<Msr> msrs) {
        long entry = KvmStructs.KVM_MSR_ENTRY.byteSize();
        MemorySegment buf = arena.allocate(KvmStructs.KVM_MSRS.byteSize() + msrs.size() * entry, 8);
        buf.set(JAVA_INT, 0, msrs.size());
        for (int i = 0; i < msrs.size(); i++) {
            long o = 8 + i * entry;
            buf.set(JAVA_INT, o, msrs.get(i).index());
            buf.set(JAVA_LONG, o + 8, msrs.get(i).value());
        }
        return buf;
    }

    /** KVM_SET_FPU with the x87 control word and MXCSR a reset CPU has, everything else zero. */
    public void setFpu(int fcw, int mxcsr) {
        try (Arena arena = Arena.ofConfined()) {
            MemorySegment f = arena.allocate(KvmStructs.KVM_FPU);
            f.set(JAVA_SHORT, FPU_FCW, (short) fcw);
            f.set(JAVA_INT, FPU_MXCSR, mxcsr);
            LibC.ioctl(fd, KvmIoctls.KVM_SET_FPU, f.address(), "KVM_SET_FPU");
        }
    }

    /** KVM_GET_LAPIC: the in-kernel local APIC's 1024-byte register page. */
    public byte[] getLapic() {
        try (Arena arena = Arena.ofConfined()) {
            MemorySegment s = arena.allocate(KvmStructs.KVM_LAPIC_STATE);
            LibC.ioctl(fd, KvmIoctls.KVM_GET_LAPIC, s.address(), "KVM_GET_LAPIC");
            return s.toArray(JAVA_BYTE);
        }
    }

    /** KVM_SET_LAPIC: replaces the in-kernel local APIC's register page with {@code regs} (1024 bytes). */
    public void setLapic(byte[] regs) {
        if (regs.length != KvmStructs.KVM_LAPIC_STATE.byteSize()) {
            throw new IllegalArgumentException("kvm_lapic_state is " + KvmStructs.KVM_LAPIC_STATE.byteSize()
                    + " bytes, not " + regs.length);
        }
        try (Arena arena = Arena.ofConfined()) {
            MemorySegment s = arena.allocate(KvmStructs.KVM_LAPIC_STATE);
            s.copyFrom(MemorySegment.ofArray(regs));
            LibC.ioctl(fd, KvmIoctls.KVM_SET_LAPIC, s.address(), "KVM_SET_LAPIC");
        }
    }

    /** KVM_TRANSLATE: the guest-physical address a linear address maps to under the vCPU's paging. */
    public Translation translate(long linearAddress) {
        try (Arena arena = Arena.ofConfined()) {
            MemorySegment t = arena.allocate(KvmStructs.KVM_TRANSLATION);
            t.set(JAVA_LONG, 0, linearAddress);
            LibC.ioctl(fd, KvmIoctls.KVM_TRANSLATE, t.address(), "KVM_TRANSLATE");
            return new Translation(linearAddress, t.get(JAVA_LONG, 8), t.get(JAVA_BYTE, 16) != 0,
                    t.get(JAVA_BYTE, 17) != 0, t.get(JAVA_BYTE, 18) != 0);
        }
    }

    public int getMpState() {
        try (Arena arena = Arena.ofConfined()) {
            MemorySegment s = arena.allocate(KvmStructs.KVM_MP_STATE);
            LibC.ioctl(fd, KvmIoctls.KVM_GET_MP_STATE, s.address(), "KVM_GET_MP_STATE");
            return s.get(JAVA_INT, 0);
        }
    }

    public void setMpState(int state) {
        try (Arena arena = Arena.ofConfined()) {
            MemorySegment s = arena.allocateFrom(JAVA_INT, state);
            LibC.ioctl(fd, KvmIoctls.KVM_SET_MP_STATE, s.address(), "KVM_SET_MP_STATE");
        }
    }

    @Override
    public void close() {
        if (!closed) {
            closed = true;
            runMapping.close();
            LibC.close(fd);
        }
    }
}
