package javisor.vmm;

import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ScheduledFuture;
import java.util.concurrent.ScheduledThreadPoolExecutor;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import java.util.function.LongConsumer;
import java.util.function.LongFunction;

import javisor.devices.HypervisorApi;
import javisor.memory.GuestMemory;
import javisor.sys.Logs;
import javisor.vm.Vm;

/**
 * The hypervisor's services for device models (AxVisor's axvisor_api and vmm/timer.rs): interrupts and guest
 * memory by VM id, and timer events on one timer thread. Unlike AxVisor's timers, which fire only when the
 * same CPU happens to take an interrupt exit, these fire at their deadline.
 */
final class VmmServices implements HypervisorApi {
    private static final System.Logger LOG = Logs.get("javisor.vmm");

    private final LongFunction<Vm> vms;
    private final AtomicLong nextToken = new AtomicLong(1);
    private final Map<Long, ScheduledFuture<?>> timers = new ConcurrentHashMap<>();
    private ScheduledThreadPoolExecutor timerThread;

    /** @param vms finds the current incarnation of a VM by id, or null */
    VmmServices(LongFunction<Vm> vms) {
        this.vms = vms;
    }

    private Vm vm(long vmId) {
        Vm vm = vms.apply(vmId);
        if (vm == null) {
            throw new IllegalArgumentException("no VM with id " + vmId);
        }
        return vm;
    }

    @Override
    public void setIrqLevel(long vmId, int gsi, boolean asserted) {
        vm(vmId).setIrqLevel(gsi, asserted);
    }

    @Override
    public boolean injectInterrupt(long vmId, int vcpuId, int vector) {
        Vm vm = vms.apply(vmId);
        return vm != null && vm.injectInterrupt(vcpuId, vector);
    }

    @Override
    public TimerToken registerTimer(long deadlineNanos, LongConsumer callback) {
        long id = nextToken.getAndIncrement();
        long delay = Math.max(0, deadlineNanos - System.nanoTime());
        ScheduledFuture<?> f = executor().schedule(() -> {
            timers.remove(id);
            try {
                callback.accept(System.nanoTime());
            } catch (RuntimeException e) {
                LOG.log(System.Logger.Level.ERROR, "timer event " + id + " failed", e);
            }
        }, delay, TimeUnit.NANOSECONDS);
        timers.put(id, f);
        if (f.isDone()) {
            timers.remove(id);
        }
        return new TimerToken(id);
    }

    @Override
    public boolean cancelTimer(TimerToken token) {
        ScheduledFuture<?> f = timers.remove(token.id());
        return f != null && f.cancel(false);
    }

    @Override
    public GuestMemory guestMemory(long vmId) {
        return vm(vmId).memory();
    }

    /** The timer thread starts with the first timer: most runs never need one. */
    private synchronized ScheduledThreadPoolExecutor executor() {
        if (timerThread == null) {
            timerThread = new ScheduledThreadPoolExecutor(1, r -> {
                Thread t = new Thread(r, "javisor-timers");
                t.setDaemon(true);
                return t;
            });
            timerThread.setRemoveOnCancelPolicy(true);
        }
        return timerThread;
    }

    synchronized void shutdown() {
        if (timerThread != null) {
            timerThread.shutdownNow();
        }
        timers.clear();
    }
}
