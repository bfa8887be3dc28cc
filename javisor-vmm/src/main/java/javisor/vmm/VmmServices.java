package javisor.vmm;

import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ScheduledFuture;
import java.util.concurrent.ScheduledThreadPoolExecutor;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import java.util.function.LongConsumer;

import javisor.devices.HypervisorApi;
import javisor.sys.Logs;
import javisor.sys.seccomp.ThreadSandbox;

/**
 * The hypervisor's services for device models (AxVisor's axvisor_api and vmm/timer.rs): timer events on one timer
 * thread. Unlike AxVisor's timers, which fire only when the same CPU happens to take an interrupt exit, these fire
 * at their deadline.
 */
final class VmmServices implements HypervisorApi {
    private static final System.Logger LOG = Logs.get("javisor.vmm");

    private final AtomicLong nextToken = new AtomicLong(1);
    private final Map<Long, ScheduledFuture<?>> timers = new ConcurrentHashMap<>();
    private ScheduledThreadPoolExecutor timerThread;

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

    /** The timer thread starts with the first timer: most runs never need one. */
    private synchronized ScheduledThreadPoolExecutor executor() {
        if (timerThread == null) {
            timerThread = new ScheduledThreadPoolExecutor(1, r -> {
                Thread t = new Thread(r, "javisor-timers");
                t.setDaemon(true);
                return t;
            });
            timerThread.setRemoveOnCancelPolicy(true);
            // The first timer often comes from a vCPU thread; its worker must not inherit that thread's filter.
            ThreadSandbox.unfiltered(timerThread::prestartCoreThread);
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
