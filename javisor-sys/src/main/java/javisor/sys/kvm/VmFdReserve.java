package javisor.sys.kvm;

import javisor.sys.seccomp.ThreadSandbox;

/**
 * One empty KVM VM made ahead of need, so that creating a VM in a running hypervisor does not wait for
 * KVM_CREATE_VM: right after a VM was deleted that call waits for the kernel to tear the old one down (in the KVM
 * box, a quarter of a shell's {@code vm create}). {@link #take()} hands out the ready VM, or makes one on the spot
 * when none is ready, and asks a background thread for the next.
 *
 * <p>For hypervisors that create VMs while they run (the shell, the API, the library); not for {@code javisor
 * run}, whose VMs are all made at start, when a second KVM_CREATE_VM would only compete for the CPU. The ready VM
 * holds a file descriptor and a little kernel memory, no guest RAM. {@link #close()} waits for a VM being made and
 * closes the ready one, so that no descriptor outlives the reserve.
 */
public final class VmFdReserve implements AutoCloseable {
    private final Kvm kvm;
    private final Object lock = new Object();
    private VmFd ready;     // guarded by lock
    private boolean wanted; // guarded by lock: the maker owes a VM
    private boolean closed; // guarded by lock
    private Thread maker;   // guarded by lock; started by the first take or fill

    public VmFdReserve(Kvm kvm) {
        this.kvm = kvm;
    }

    /** The VM made ahead, or a new one when none is ready; either way the next is then made in the background. */
    public VmFd take() {
        VmFd vm;
        synchronized (lock) {
            if (closed) {
                throw new IllegalStateException("the VM reserve is closed");
            }
            vm = ready;
            ready = null;
            askForNext();
        }
        return vm != null ? vm : kvm.createVm();
    }

    /** Asks for a VM to be made in the background unless one is ready (a hypervisor calls it at start). */
    public void fill() {
        synchronized (lock) {
            if (!closed && ready == null) {
                askForNext();
            }
        }
    }

    private void askForNext() {
        wanted = true;
        if (maker == null) {
            maker = Thread.ofPlatform().daemon().name("kvm-vm-reserve").unstarted(this::makeAhead);
            ThreadSandbox.start(maker); // a VM's reboot takes from a vCPU's thread, whose filter it must not inherit
        }
        lock.notifyAll();
    }

    /** Whether a VM is ready to be taken; for tests. */
    boolean hasReady() {
        synchronized (lock) {
            return ready != null;
        }
    }

    private void makeAhead() {
        while (true) {
            synchronized (lock) {
                while (!wanted && !closed) {
                    try {
                        lock.wait();
                    } catch (InterruptedException e) {
                        return; // only close() could want that, and it closes the ready VM itself
                    }
                }
                if (closed) {
                    return;
                }
                wanted = false;
            }
            VmFd vm;
            try {
                vm = kvm.createVm();
            } catch (RuntimeException e) {
                continue; // out of descriptors or memory: the next take makes its own and reports why
            }
            synchronized (lock) {
                if (!closed && ready == null) {
                    ready = vm;
                    vm = null;
                }
            }
            if (vm != null) {
                vm.close();
            }
        }
    }

    @Override
    public void close() {
        Thread t;
        VmFd vm;
        synchronized (lock) {
            closed = true;
            vm = ready;
            ready = null;
            t = maker;
            lock.notifyAll();
        }
        if (t != null) {
            boolean interrupted = false;
            while (t.isAlive()) {
                try {
                    t.join(); // a KVM_CREATE_VM in progress ends; its VM is closed by the maker itself
                } catch (InterruptedException e) {
                    interrupted = true;
                }
            }
            if (interrupted) {
                Thread.currentThread().interrupt();
            }
        }
        if (vm != null) {
            vm.close();
        }
    }
}
