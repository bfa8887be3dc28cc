package javisor.virtio;

import java.util.concurrent.atomic.AtomicInteger;

/**
 * An {@link Interrupt} that counts what a device asks for (a test double: the transport, which raises the real
 * interrupt, is not there).
 */
public final class CountingInterrupt implements Interrupt {
    public final AtomicInteger usedBuffers = new AtomicInteger();
    public final AtomicInteger configChanges = new AtomicInteger();
    public final AtomicInteger resets = new AtomicInteger();

    /** Nothing counted yet. */
    public CountingInterrupt() {
    }

    @Override
    public void usedBuffers() {
        usedBuffers.incrementAndGet();
    }

    @Override
    public void configChanged() {
        configChanges.incrementAndGet();
    }

    @Override
    public void needsReset() {
        resets.incrementAndGet();
    }
}
