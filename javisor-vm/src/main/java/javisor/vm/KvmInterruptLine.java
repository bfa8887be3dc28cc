package javisor.vm;

import javisor.devices.InterruptLine;
import javisor.sys.kvm.VmFd;

/** A device interrupt wired to an input of the in-kernel irqchip; only level changes reach KVM. */
final class KvmInterruptLine implements InterruptLine {
    private final VmFd vmFd;
    private final int gsi;
    private boolean level;

    KvmInterruptLine(VmFd vmFd, int gsi) {
        this.vmFd = vmFd;
        this.gsi = gsi;
    }

    @Override
    public synchronized void set(boolean asserted) {
        if (asserted != level) {
            level = asserted;
            vmFd.irqLine(gsi, asserted);
        }
    }
}
