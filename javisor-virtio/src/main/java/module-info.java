/**
 * Virtio 1.2 (OASIS, virtio-v1.2-cs01): the split virtqueue, the virtio-mmio transport and the devices behind it,
 * with their I/O threads. Safe Java over guest memory; the eventfds that carry doorbells and interrupts come from
 * javisor.sys.
 */
module javisor.virtio {
    requires javisor.sys;
    requires javisor.memory;
    requires javisor.devices;
    exports javisor.virtio;
    exports javisor.virtio.queue;
    exports javisor.virtio.mmio;
    exports javisor.virtio.block;
    exports javisor.virtio.console;
    exports javisor.virtio.rng;
    exports javisor.virtio.net;
    exports javisor.virtio.vsock;
}
