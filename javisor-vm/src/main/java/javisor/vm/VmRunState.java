package javisor.vm;

import java.time.Duration;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.function.Consumer;

/**
 * A VM's run state: where it is in AxVisor's lifecycle ({@link VmState}, whose table of legal moves is the only
 * judge: every change goes through {@link #moveTo}), why it stopped, whether a suspend is in force, and how many
 * vCPU threads run and how many of them are parked. Holds no KVM resource, so every transition is testable on
 * its own. One lock (this object) guards it all; the vCPU loop's per-exit checks are volatile reads.
 */
public final class VmRunState {
    private final String who;
    private final int cpuCount;

    private VmState state = VmState.LOADING;
    private volatile StopReason stopReason;
    private volatile boolean suspendRequested;
    private int runningVcpus;
    private int parkedVcpus;
    private long startedNanos;
    private long stoppedNanos;
    private CountDownLatch vcpusCreated = new CountDownLatch(0);
    private Consumer<StopReason> onStopped = reason -> { };

    /** @param who the VM as messages name it ("VM 1 (linux)") */
    public VmRunState(String who, int cpuCount) {
        this.who = who;
        this.cpuCount = cpuCount;
    }

    public synchronized VmState state() {
        return state;
    }

    /** Why the VM stopped, or null while it has not been asked to. */
    public StopReason stopReason() {
        return stopReason;
    }

    /** True once a stop was requested: the vCPU loop checks it after every exit. */
    public boolean stopRequested() {
        return stopReason != null;
    }

    /** True while a suspend is in force: the vCPU loop checks it after every exit. */
    public boolean suspendRequested() {
        return suspendRequested;
    }

    /** Moves to {@code target}; throws {@link IllegalStateException} naming the current state if illegal. */
    public synchronized void moveTo(VmState target) {
        if (!state.canMoveTo(target)) {
            throw new IllegalStateException(who + " is " + state + " and cannot become " + target);
        }
        state = target;
        if (target == VmState.STOPPED) {
            stoppedNanos = System.nanoTime();
        }
        notifyAll();
    }

    /** LOADED to RUNNING, before the vCPU threads start; each must then call {@link #vcpuExited} at its end. */
    public synchronized void start() {
        moveTo(VmState.RUNNING);
        runningVcpus = cpuCount;
        startedNanos = System.nanoTime();
        vcpusCreated = new CountDownLatch(cpuCount);
    }

    /** Each vCPU thread reports here once its vCPU exists in KVM (or could not be created). */
    public void vcpuCreated() {
        vcpusCreatedLatch().countDown();
    }

    /**
     * Waits until every vCPU exists in KVM. The boot vCPU calls it before its first instruction: an INIT/SIPI sent
     * to a vCPU KVM does not have yet would be lost, and the AP would never start.
     */
    public void awaitAllVcpusCreated() throws InterruptedException {
        vcpusCreatedLatch().await(10, TimeUnit.SECONDS);
    }

    private synchronized CountDownLatch vcpusCreatedLatch() {
        return vcpusCreated;
    }

    /**
     * Asks the VM to stop for {@code reason}; the first reason is kept. A RUNNING or SUSPENDED VM becomes
     * STOPPING (and STOPPED at once if no vCPU thread runs), a VM that never ran becomes STOPPED. Returns true
     * when vCPU threads may be in the guest and must be kicked out. Idempotent.
     */
    public synchronized boolean requestStop(StopReason reason) {
        if (stopReason == null) {
            stopReason = reason;
        }
        suspendRequested = false;
        boolean kick = false;
        switch (state) {
            case RUNNING, SUSPENDED -> {
                moveTo(VmState.STOPPING);
                if (runningVcpus == 0) {
                    stopped();
                }
                kick = true;
            }
            case LOADING, LOADED -> moveTo(VmState.STOPPED);
            case STOPPING, STOPPED -> {
            }
        }
        notifyAll();
        return kick;
    }

    /** RUNNING to SUSPENDED; the caller then kicks every vCPU and waits with {@link #awaitParked}. */
    public synchronized void suspend() {
        if (state != VmState.RUNNING) {
            throw new IllegalStateException(who + " is " + state + "; only a RUNNING VM can be suspended");
        }
        moveTo(VmState.SUSPENDED);
        suspendRequested = true;
    }

    /**
     * Waits until every running vCPU is parked (by the suspend, or by CpuDown: either way out of the guest), or
     * the suspend ended (a stop); false after {@code timeout}.
     */
    public synchronized boolean awaitParked(Duration timeout) throws InterruptedException {
        long deadline = System.nanoTime() + timeout.toNanos();
        while (suspendRequested && parkedVcpus < runningVcpus) {
            long left = deadline - System.nanoTime();
            if (left <= 0) {
                return false;
            }
            wait(Math.max(1, left / 1_000_000));
        }
        return true;
    }

    /** SUSPENDED to RUNNING: parked vCPUs continue. */
    public synchronized void resume() {
        if (state != VmState.SUSPENDED) {
            throw new IllegalStateException(who + " is " + state + "; only a SUSPENDED VM can be resumed");
        }
        moveTo(VmState.RUNNING);
        suspendRequested = false;
        notifyAll();
    }

    /** On a vCPU thread that saw {@link #suspendRequested()}: parks until the VM is resumed or stopped. */
    public synchronized void parkWhileSuspended() throws InterruptedException {
        parkedVcpus++;
        notifyAll();
        try {
            while (suspendRequested && stopReason == null) {
                wait();
            }
        } finally {
            parkedVcpus--;
        }
    }

    /** A vCPU thread parks outside the guest for another reason (CpuDown): a suspend need not wait for it. */
    public synchronized void vcpuParked() {
        parkedVcpus++;
        notifyAll();
    }

    /** The vCPU thread of {@link #vcpuParked} goes on. */
    public synchronized void vcpuUnparked() {
        parkedVcpus--;
    }

    /**
     * Each vCPU thread calls this as it leaves its loop; the last one completes the stop. A thread never leaves
     * without a stop requested (the loop runs until one is), but if every one did, the VM would still stop.
     */
    public synchronized void vcpuExited() {
        runningVcpus--;
        if (runningVcpus <= 0) {
            if (stopReason == null) {
                requestStop(new StopReason.HostError("every vCPU thread ended"));
            } else if (state == VmState.STOPPING) {
                stopped();
            }
        }
        notifyAll();
    }

    private void stopped() {
        moveTo(VmState.STOPPED);
        onStopped.accept(stopReason); // before anyone waiting for STOPPED wakes up
    }

    /**
     * Runs {@code listener} once the VM has stopped, on the last vCPU thread and under this lock, before waiters
     * see STOPPED (the hypervisor reboots on reset); it must be quick and hand longer work to a thread.
     */
    public synchronized void onStopped(Consumer<StopReason> listener) {
        this.onStopped = listener;
    }

    /** Waits until the VM is STOPPED; returns false on timeout. */
    public synchronized boolean awaitStopped(Duration timeout) throws InterruptedException {
        long deadline = System.nanoTime() + timeout.toNanos();
        while (state != VmState.STOPPED) {
            long left = deadline - System.nanoTime();
            if (left <= 0) {
                return false;
            }
            wait(Math.max(1, left / 1_000_000));
        }
        return true;
    }

    /** Nanoseconds the VM ran: from {@link #start()} to now, or to its stop; 0 before it started. */
    public synchronized long uptimeNanos() {
        if (startedNanos == 0) {
            return 0;
        }
        return (state == VmState.STOPPED ? stoppedNanos : System.nanoTime()) - startedNanos;
    }
}
