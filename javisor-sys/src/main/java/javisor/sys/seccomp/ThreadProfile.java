package javisor.sys.seccomp;

import java.util.List;

/**
 * The kinds of Javisor thread that run under a filter, each with the system calls it was measured to make
 * (docs/security.md says how). The hottest call of each kind comes first. A list holds the JVM's own calls for a
 * thread too (futex, mmap, ...): HotSpot makes them on the thread that runs Java code.
 */
public enum ThreadProfile {
    /** A vCPU thread: KVM_RUN and the exits it handles (port and MMIO devices, hypercalls). */
    VCPU("vcpu", List.of("ioctl")),
    /** A virtio device's I/O thread: a queue's worker, virtio-net's receiver. */
    DEVICE_IO("device-io", List.of("read")),
    /** virtio-vsock's event loop: the host's Unix sockets through a java.nio Selector. */
    VSOCK_LOOP("vsock-loop", List.of("epoll_wait"));

    private final String label;
    private final List<Integer> allowed;

    ThreadProfile(String label, List<String> calls) {
        this.label = label;
        this.allowed = calls.stream().map(SyscallNames::number).toList();
    }

    /** The profile's name in reports and in {@code seccomp learned} lines. */
    public String label() {
        return label;
    }

    /** The allowed calls' numbers, the hottest first. */
    public List<Integer> allowed() {
        return allowed;
    }
}
