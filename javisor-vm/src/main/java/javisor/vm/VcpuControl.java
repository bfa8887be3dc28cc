package javisor.vm;

import java.time.Duration;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;

import javisor.sys.kvm.KvmConstants;
import javisor.sys.kvm.Regs;
import javisor.vcpu.VCpu;
import javisor.vm.hypercall.HypercallError;

/**
 * Paravirtual CPU bring-up (AxVisor's vcpu_on): a CpuUp from one vCPU is a request to the target's own thread,
 * which sets the target's registers (KVM wants that from the thread running it) and answers; a CpuDown parks the
 * calling vCPU's thread until the next CpuUp.
 */
final class VcpuControl {
    private static final Duration ANSWER_TIMEOUT = Duration.ofSeconds(2);

    private record CpuUpRequest(long entry, long arg, CompletableFuture<Long> answer) {
    }

    private final Vm vm;
    private final CpuUpRequest[] pending;
    private final boolean[] down;
    /** 1 where a vCPU's thread has something to do; written under this lock, read without it on every exit. */
    private final java.util.concurrent.atomic.AtomicIntegerArray attention;

    VcpuControl(Vm vm, int cpuCount) {
        this.vm = vm;
        this.pending = new CpuUpRequest[cpuCount];
        this.down = new boolean[cpuCount];
        this.attention = new java.util.concurrent.atomic.AtomicIntegerArray(cpuCount);
    }

    /** The caller's side of CpuUp: returns the hypercall result. */
    long cpuUp(int caller, long target, long entry, long arg) {
        if (target < 0 || target >= pending.length || target == caller) {
            throw HypercallError.fail(HypercallError.EINVAL, "CpuUp: vCPU " + target + " is not another vCPU of "
                    + vm.describe());
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
        vm.kickVcpu(t);
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
                    if (!down[id] || vm.stopRequested()) {
                        attention.set(id, down[id] ? 1 : 0);
                        return;
                    }
                    wait();
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
        vcpu.boot(vm.boot().mode(), javisor.memory.GuestAddress.of(request.entry()),
                Map.of(Regs.Reg.RDI, request.arg(), Regs.Reg.RSI, (long) id));
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
