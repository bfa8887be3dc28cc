package javisor.vmm;

import java.lang.System.Logger.Level;

import javisor.sys.LibC;
import javisor.sys.Logs;
import javisor.sys.VcpuKick;
import javisor.sys.seccomp.ThreadProfile;
import javisor.sys.seccomp.ThreadSandbox;
import javisor.vcpu.VCpu;
import javisor.vcpu.VCpuExit;
import javisor.vm.ExitAction;
import javisor.vm.ExitHandler;
import javisor.vm.StopReason;
import javisor.vm.Vm;
import javisor.vm.VmRunState;

/**
 * The life of one vCPU thread, AxVisor's {@code vcpu_run}: create the vCPU on this thread, then run, handle
 * the exit, check for a stop, again. A platform thread, since KVM_RUN blocks in the kernel (a virtual thread
 * would pin its carrier) and KVM wants a vCPU's ioctls from one thread.
 */
final class VCpuTask implements Runnable {
    private static final System.Logger LOG = Logs.get("javisor.vmm");

    private final Vm vm;
    private final VmRunState runState;
    private final ExitHandler exits;
    private final int vcpuId;
    private final long[] affinity;

    /** @param affinity the host CPUs the thread may run on (bit n of word n/64 is CPU n); empty: any */
    VCpuTask(Vm vm, int vcpuId, long[] affinity) {
        this.vm = vm;
        this.runState = vm.runState();
        this.exits = vm.exits();
        this.vcpuId = vcpuId;
        this.affinity = affinity;
    }

    static Thread start(Vm vm, int vcpuId, long[] affinity) {
        Thread t = Thread.ofPlatform()
                .name("VM[" + vm.id() + "]-VCpu[" + vcpuId + "]")
                .unstarted(new VCpuTask(vm, vcpuId, affinity));
        ThreadSandbox.start(t);
        return t;
    }

    /**
     * One turn of the loop: park if suspended or down, else run the guest to its next exit and handle it. A method
     * of its own so the JIT compiles it after a few hundred exits; as the body of a loop that never returns it
     * would stay interpreted until on-stack replacement, some 60,000 exits later (bench/run-all measured it).
     */
    private void step(VCpu vcpu) throws InterruptedException {
        if (runState.suspendRequested()) {
            runState.parkWhileSuspended();
            return;
        }
        if (vm.vcpuNeedsAttention(vcpuId)) {
            vm.serveVcpuControl(vcpu); // a CpuUp to answer, or CpuDown: wait for one
            return;
        }
        VCpuExit exit = vcpu.run();
        if (exits.handle(vcpu, exit) instanceof ExitAction.Stop(StopReason reason)) {
            vm.requestStop(reason);
        }
    }

    @Override
    public void run() {
        VCpu vcpu = null;
        boolean reported = false;
        try {
            if (affinity.length > 0) {
                LibC.setCurrentThreadAffinity(affinity);
            }
            VcpuKick.installHandler(); // the filter refuses sigaction
            ThreadSandbox.enter(ThreadProfile.VCPU); // once, before the vCPU exists: the loop pays nothing for it
            vcpu = vm.createVcpu(vcpuId);
            runState.vcpuCreated();
            reported = true;
            if (vcpuId == 0) {
                runState.awaitAllVcpusCreated();
            }
            while (!runState.stopRequested()) {
                step(vcpu);
            }
        } catch (InterruptedException e) {
            vm.requestStop(new StopReason.HostError("vCPU " + vcpuId + " thread interrupted"));
        } catch (RuntimeException | Error e) {
            LOG.log(Level.ERROR, "VM " + vm.id() + " vCPU " + vcpuId + " failed", e);
            vm.requestStop(new StopReason.HostError("vCPU " + vcpuId + ": " + e));
        } finally {
            if (!reported) {
                runState.vcpuCreated(); // the boot vCPU must not wait for one that failed
            }
            if (vcpu != null) {
                vcpu.detachFromCurrentThread();
            }
            runState.vcpuExited();
        }
    }
}
