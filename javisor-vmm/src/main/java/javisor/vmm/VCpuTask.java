package javisor.vmm;

import java.lang.System.Logger.Level;

import javisor.sys.LibC;
import javisor.sys.Logs;
import javisor.vcpu.VCpu;
import javisor.vcpu.VCpuExit;
import javisor.vm.ExitAction;
import javisor.vm.StopReason;
import javisor.vm.Vm;

/**
 * The life of one vCPU thread, AxVisor's {@code vcpu_run}: create the vCPU on this thread, then run, handle
 * the exit, check for a stop, again. A platform thread, since KVM_RUN blocks in the kernel (a virtual thread
 * would pin its carrier) and KVM wants a vCPU's ioctls from one thread.
 */
final class VCpuTask implements Runnable {
    private static final System.Logger LOG = Logs.get("javisor.vmm");

    private final Vm vm;
    private final int vcpuId;
    private final long affinityMask;

    VCpuTask(Vm vm, int vcpuId, long affinityMask) {
        this.vm = vm;
        this.vcpuId = vcpuId;
        this.affinityMask = affinityMask;
    }

    static Thread start(Vm vm, int vcpuId, long affinityMask) {
        Thread t = Thread.ofPlatform()
                .name("VM[" + vm.id() + "]-VCpu[" + vcpuId + "]")
                .unstarted(new VCpuTask(vm, vcpuId, affinityMask));
        t.start();
        return t;
    }

    /**
     * One turn of the loop: park if suspended or down, else run the guest to its next exit and handle it. A method
     * of its own so the JIT compiles it after a few hundred exits; as the body of a loop that never returns it
     * would stay interpreted until on-stack replacement, some 60,000 exits later (bench/run-all measured it).
     */
    private void step(VCpu vcpu) throws InterruptedException {
        if (vm.suspendRequested()) {
            vm.parkWhileSuspended();
            return;
        }
        if (vm.vcpuNeedsAttention(vcpuId)) {
            vm.serveVcpuControl(vcpu); // a CpuUp to answer, or CpuDown: wait for one
            return;
        }
        VCpuExit exit = vcpu.run();
        if (vm.handleExit(vcpu, exit) instanceof ExitAction.Stop(StopReason reason)) {
            vm.requestStop(reason);
        }
    }

    @Override
    public void run() {
        VCpu vcpu = null;
        boolean reported = false;
        try {
            if (affinityMask != 0) {
                LibC.setCurrentThreadAffinity(new long[] {affinityMask});
            }
            vcpu = vm.createVcpu(vcpuId);
            vm.vcpuCreated();
            reported = true;
            if (vcpuId == 0) {
                vm.awaitAllVcpusCreated();
            }
            while (!vm.stopRequested()) {
                step(vcpu);
            }
        } catch (InterruptedException e) {
            vm.requestStop(new StopReason.HostError("vCPU " + vcpuId + " thread interrupted"));
        } catch (RuntimeException | Error e) {
            LOG.log(Level.ERROR, "VM " + vm.id() + " vCPU " + vcpuId + " failed", e);
            vm.requestStop(new StopReason.HostError("vCPU " + vcpuId + ": " + e));
        } finally {
            if (!reported) {
                vm.vcpuCreated(); // the boot vCPU must not wait for one that failed
            }
            if (vcpu != null) {
                vcpu.detachFromCurrentThread();
            }
            vm.vcpuExited();
        }
    }
}
