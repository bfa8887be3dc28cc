package javisor.virtio;

import java.lang.System.Logger.Level;

import javisor.sys.Logs;
import javisor.sys.seccomp.ThreadProfile;
import javisor.sys.seccomp.ThreadSandbox;

/**
 * One queue's I/O thread: waits on the queue's doorbell and runs the device's handler each time it rings, until
 * stopped. A platform thread: it blocks in read(2) on an eventfd, where a virtual thread would pin its carrier.
 */
public final class QueueWorker {
    private static final System.Logger LOG = Logs.get("javisor.virtio");

    private final Doorbell doorbell;
    private final Runnable handler;
    private final Runnable onFailure;
    private final Thread thread;
    private volatile boolean running = true;

    private QueueWorker(String name, Doorbell doorbell, Runnable handler, Runnable onFailure) {
        this.doorbell = doorbell;
        this.handler = handler;
        this.onFailure = onFailure;
        this.thread = Thread.ofPlatform().name(name).daemon().unstarted(this::loop);
    }

    /**
     * Starts a worker that runs {@code handler} once at once (requests made before DRIVER_OK) and on each ring. If
     * the handler throws, the worker logs it, runs {@code onFailure} (the device asks for a reset: the driver
     * learns of it, where a silently dead thread would leave it waiting forever) and stops.
     */
    public static QueueWorker start(String name, Doorbell doorbell, Runnable handler, Runnable onFailure) {
        QueueWorker w = new QueueWorker(name, doorbell, handler, onFailure);
        ThreadSandbox.start(w.thread); // not under the filter of the vCPU that activated the device
        return w;
    }

    private void loop() {
        try {
            ThreadSandbox.enter(ThreadProfile.DEVICE_IO);
            while (running) {
                handler.run();
                doorbell.await();
            }
        } catch (RuntimeException e) {
            if (running) {
                LOG.log(Level.ERROR, thread.getName() + " stopped", e);
                onFailure.run();
            }
        }
    }

    /**
     * Stops the worker and waits for it: after this, the handler runs no more. The thread is interrupted too, so a
     * handler that waits (a rate limit) returns at once.
     */
    public void stop() {
        running = false;
        thread.interrupt();
        doorbell.ring();
        try {
            thread.join();
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }
}
