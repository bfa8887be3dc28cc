package javisor.virtio;

import java.util.List;

import javisor.memory.GuestMemory;
import javisor.virtio.queue.SplitQueue;

/**
 * What a device is given when the driver sets DRIVER_OK (virtio 1.2, 3.1.1): the guest memory its queues live in,
 * the queues as the driver set them up (each checked against that memory, ready or not), their doorbells, the
 * negotiated features, and its interrupt.
 */
public record Activation(GuestMemory memory, List<SplitQueue> queues, List<Doorbell> doorbells, long features,
                         Interrupt interrupt) {
    public Activation {
        queues = List.copyOf(queues);
        doorbells = List.copyOf(doorbells);
    }

    public boolean negotiated(long feature) {
        return (features & feature) != 0;
    }
}
