package javisor.vmm;

import java.lang.System.Logger.Level;
import java.util.IdentityHashMap;
import java.util.List;
import java.util.Map;
import java.util.function.Supplier;

import javisor.sys.Logs;
import javisor.sys.seccomp.ThreadSandbox;
import javisor.vm.StopReason;
import javisor.vm.Vm;
import javisor.vm.VmState;
import javisor.vm.config.LimitsConfig;

/**
 * Finds VMs whose guests take more exits a second than their {@code exits_per_second} limit: once a second it
 * reads each running VM's exit total (counters the vCPU threads keep anyway, read without a lock), so watching
 * costs the vCPU path nothing. A storm is logged once when it starts and once when it ends; with
 * {@code on_storm = "stop"} the VM is stopped with a reason naming the limit. One daemon thread for the whole
 * hypervisor, started with the first VM.
 */
final class StormWatch {
    private static final System.Logger LOG = Logs.get("javisor.vmm");
    private static final long PERIOD_MS = 1000;

    /** A VM to watch and its limits. */
    record Watched(Vm vm, LimitsConfig limits) {
    }

    /** What the last look saw of one VM. */
    private record Sample(long total, long nanos, boolean storming) {
    }

    private final Supplier<List<Watched>> vms;
    private final Map<Vm, Sample> last = new IdentityHashMap<>(); // the watch thread's own
    private Thread thread;

    StormWatch(Supplier<List<Watched>> vms) {
        this.vms = vms;
    }

    /** Starts the watch thread, once; later calls do nothing. */
    synchronized void start() {
        if (thread == null) {
            thread = Thread.ofPlatform().daemon().name("storm watch").unstarted(this::run);
            ThreadSandbox.start(thread); // a reboot may start VMs from a filtered thread
        }
    }

    synchronized void close() {
        if (thread != null) {
            thread.interrupt();
        }
    }

    private void run() {
        try {
            while (!Thread.currentThread().isInterrupted()) {
                Thread.sleep(PERIOD_MS);
                look(System.nanoTime());
            }
        } catch (InterruptedException e) {
            // the hypervisor is closing
        } catch (RuntimeException e) {
            LOG.log(Level.ERROR, "storm watch failed; exit rates are no longer checked", e);
        }
    }

    /** One look at every running VM, as of {@code now}. */
    private void look(long now) {
        Map<Vm, Sample> seen = new IdentityHashMap<>();
        for (Watched w : vms.get()) {
            if (w.vm().state() != VmState.RUNNING || w.limits().exitsPerSecond() == 0) {
                continue;
            }
            Sample previous = last.get(w.vm());
            long total = w.vm().exitTotal();
            boolean storming = false;
            if (previous != null && now > previous.nanos()) {
                long perSecond = (long) ((total - previous.total()) * 1e9 / (now - previous.nanos()));
                storming = check(w, perSecond, previous.storming());
            }
            seen.put(w.vm(), new Sample(total, now, storming));
        }
        last.clear();
        last.putAll(seen); // VMs that stopped or went are forgotten
    }

    /** Reports a storm's start and end; returns whether the VM is storming now. */
    private static boolean check(Watched w, long perSecond, boolean wasStorming) {
        long limit = w.limits().exitsPerSecond();
        boolean storming = perSecond > limit;
        if (storming && !wasStorming) {
            String detail = perSecond + " exits in the last second, over exits_per_second = " + limit;
            LOG.log(Level.WARNING, "{0} is storming: {1}", w.vm().describe(), detail);
            if (w.limits().onStorm() == LimitsConfig.StormAction.STOP) {
                w.vm().requestStop(new StopReason.LimitExceeded("exits_per_second", detail));
            }
        } else if (!storming && wasStorming) {
            LOG.log(Level.INFO, "{0} no longer storming: {1} exits in the last second", w.vm().describe(),
                    perSecond);
        }
        return storming;
    }
}
