package javisor.vm;

import java.time.Duration;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.concurrent.atomic.AtomicIntegerArray;
import java.util.function.IntConsumer;

import javisor.memory.GuestAddress;
import javisor.sys.kvm.KvmConstants;
import javisor.sys.kvm.Regs;
import javisor.vcpu.VCpu;
import javisor.vcpu.hypercall.HypercallError;
import javisor.vm.loader.BootSpec;

/**
 * Paravirtual CPU bring-up (AxVisor's vcpu_on): a CpuUp from one vCPU is a request to the target's own thread,
 * which sets the target's registers (KVM wants that from the thread running it) and answers; a CpuDown parks the
 * calling vCPU's thread until the next CpuUp. A parked vCPU is out of the guest, so a suspend does not wait for it.
 */
final class VcpuControl {
    private static final Duration ANSWER_TIMEOUT = Duration.ofSeconds(2);

    private record CpuUpRequest(long entry, long arg, CompletableFuture<Long> answer) {
    }

    private final String who;
    private final BootSpec boot;
    private final VmRunState runState;
    private final IntConsumer kick;
    private final CpuUpRequest[] pending;
    private final boolean[] down;
    /** 1 where a vCPU's thread has something to do; written under this lock, read without it on every exit. */
    private final AtomicIntegerArray attention;

    /** @param kick kicks a vCPU out of the guest, so that its thread sees a request */
    VcpuControl(String who, int cpuCount, BootSpec boot, VmRunState runState, IntConsumer kick) {
        this.who = who;
        this.boot = boot;
        this.runState = runState;
        this.kick = kick;
        this.pending = new CpuUpRequest[cpuCount];
        this.down = new boolean[cpuCount];
        this.attention = new AtomicIntegerArray(cpuCount);
    }

    /** The caller's side of CpuUp: returns the hypercall result. */
    long cpuUp(int caller, long target, long entry, long arg) {
        if (target < 0 || target >= pending.length || target == caller) {
            throw HypercallError.fail(HypercallError.EINVAL, "CpuUp: vCPU " + target + " is not another vCPU of "
                    + who);
        }
        int t = (int) target;
        CompletableFuture<Long> answer = new CompletableFuture<>();
        synchronized (this) {
            if (pending[t] != null) {
                throw HypercallError.fail(HypercallError.EBUSY, "CpuUp: vCPU " + t + " is already being started");
            }
            pending[t] = new CpuUpRequest(entry, arg, answer);
            attention.set(t, 1);
            notifyAll();
        }
        kick.accept(t);
        try {
            return answer.get(ANSWER_TIMEOUT.toMillis(), TimeUnit.MILLISECONDS);
        } catch (TimeoutException e) {
            synchronized (this) {
                pending[t] = null;
            }
            throw HypercallError.fail(HypercallError.EBUSY, "CpuUp: vCPU " + t + " did not answer");
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw HypercallError.fail(HypercallError.EBUSY, "CpuUp interrupted");
        } catch (ExecutionException e) {
            throw HypercallError.fail(HypercallError.EINVAL, "CpuUp failed: " + e.getCause());
        }
    }

    /** Whether vCPU {@code id}'s thread has something to do before it runs the guest again (a volatile read). */
    boolean needsAttention(int id) {
        return attention.get(id) != 0;
    }

    /**
     * The target's side, on its own thread: answers a pending CpuUp, and while the vCPU is down, waits for one.
     * Returns when the vCPU should run the guest (or the VM stops).
     */
    void serve(VCpu vcpu) throws InterruptedException {
        int id = vcpu.id();
        while (true) {
            CpuUpRequest request;
            synchronized (this) {
                request = pending[id];
                pending[id] = null;
                if (request == null) {
                    if (!down[id] || runState.stopRequested()) {
                        attention.set(id, down[id] ? 1 : 0);
                        return;
                    }
                    runState.vcpuParked();
                    try {
                        wait();
                    } finally {
                        runState.vcpuUnparked();
                    }
                    continue;
                }
            }
            request.answer().complete(start(vcpu, request));
        }
    }

    private long start(VCpu vcpu, CpuUpRequest request) {
        int id = vcpu.id();
        synchronized (this) {
            boolean waitingForStart = down[id] || vcpu.mpState() == KvmConstants.MP_STATE_UNINITIALIZED;
            if (!waitingForStart) {
                attention.set(id, 0);
                return HypercallError.EBUSY;
            }
            down[id] = false;
            attention.set(id, 0);
        }
        // The boot vCPU's mode, and its GDT and page tables, where the loader placed them clear of the image.
        vcpu.boot(boot.mode(), GuestAddress.of(request.entry()),
                Map.of(Regs.Reg.RDI, request.arg(), Regs.Reg.RSI, (long) id), boot.tables());
        vcpu.makeRunnable();
        return 0;
    }

    /** CpuDown from vCPU {@code id}: it parks at its next loop turn until a CpuUp. */
    synchronized void markDown(int id) {
        down[id] = true;
        attention.set(id, 1);
    }

    /** Wakes parked vCPUs so they see a stop. */
    synchronized void wakeAll() {
        notifyAll();
    }
}
