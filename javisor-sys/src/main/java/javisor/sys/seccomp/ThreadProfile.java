package javisor.sys.seccomp;

import java.util.ArrayList;
import java.util.List;

/**
 * The kinds of Javisor thread that run under a filter, each with the system calls it was measured to make
 * (docs/security.md has the method, the runs and the lists). The hottest calls come first. Every profile also
 * allows {@link #JVM_RUNTIME}: what HotSpot and glibc do on any thread that runs Java code.
 */
public enum ThreadProfile {
    /**
     * A vCPU thread: KVM_RUN and the exits it handles (port and MMIO devices, a driver's DRIVER_OK that starts a
     * device, hypercalls: IVC's memfd and mappings, CpuUp's kicks), its console output and its logs. Measured on
     * KVM in the box (scripts/seccomp-learn.sh --linux: ioctl, write, tgkill, getpid, memfd_create,
     * ftruncate, close, eventfd2 seen); the rest from the code (vsock and net activation, background closes).
     */
    VCPU("vcpu", List.of("ioctl", "write", "tgkill", "getpid", "read", "memfd_create",
            "ftruncate", "close", "eventfd2", "epoll_create1", "epoll_ctl", "pipe2", "fcntl", "shutdown",
            "socketpair", "sendmsg")),
    /**
     * A virtio device's I/O thread (a queue's QueueWorker, virtio-net's receiver): doorbell eventfds, interrupts
     * through irqfd writes, the disk's positioned and vectored I/O, the tap's readv/writev and poll, getrandom.
     * Measured on the host (the javisor-virtio tests under strace); pwrite64, fallocate and getrandom are on paths
     * those tests do not take on a worker thread, and come from the code.
     */
    DEVICE_IO("device-io", List.of("read", "write", "poll", "readv", "writev", "pread64", "pwrite64", "preadv",
            "pwritev", "fdatasync", "fallocate", "getrandom", "close")),
    /** virtio-vsock's event loop: the host's Unix sockets through a java.nio Selector. Measured on the host. */
    VSOCK_LOOP("vsock-loop", List.of("readv", "read", "epoll_wait", "write", "writev", "epoll_ctl", "fcntl",
            "accept", "getsockname", "getsockopt", "close", "shutdown", "socket", "connect"));

    /**
     * What HotSpot and glibc call on a thread that runs Java code, whatever the code: locks and parking (futex),
     * malloc's arenas and HotSpot's own memory (mmap, munmap, madvise, mprotect), signal masks and returns from
     * handlers (HotSpot's implicit null checks and stack banging are SIGSEGVs), a restarted wait, clocks where the
     * vDSO cannot serve them, sleeping, the CPU count, the thread's end, and lseek and read for a class loaded
     * lazily from a jar that is open already (the JDK's ZipFile seeks, then reads), and pread64 for a JDK class
     * loaded lazily from the runtime image (HotSpot's jimage reader; seen on vCPU threads, measured on KVM in the
     * box: scripts/seccomp-learn.sh, docs/security.md), and brk and mremap for glibc's malloc (a thread that finds
     * no arena of its own free shares the main one, which grows with brk; realloc moves a large chunk with mremap:
     * paths a short run rarely takes, and a refused brk sends malloc down its fallback). Opening a file is not in
     * it: a class loaded from a directory (target/classes under Maven) is refused on a filtered thread. Measured: every
     * Java thread of the javisor-virtio test run made the first ten; the rest are on paths a short run may miss.
     */
    public static final List<String> JVM_RUNTIME = List.of("futex", "mmap", "munmap", "madvise", "mprotect",
            "rt_sigprocmask", "gettid", "sched_getaffinity", "sched_yield", "exit", "rt_sigreturn",
            "restart_syscall", "clock_gettime", "clock_getres", "gettimeofday", "clock_nanosleep", "nanosleep",
            "getrusage", "lseek", "read", "pread64", "brk", "mremap");

    private final String label;
    private final List<String> calls;
    /** Made on first use: with the switch off, nothing parses the call table (start-up time). */
    private volatile List<Integer> allowed;

    ThreadProfile(String label, List<String> calls) {
        this.label = label;
        this.calls = calls;
    }

    /** The profile's name in reports and in {@code seccomp learned} lines. */
    public String label() {
        return label;
    }

    /** The allowed calls' numbers, the hottest first, then the JVM's. */
    public List<Integer> allowed() {
        List<Integer> a = allowed;
        if (a == null) {
            List<String> all = new ArrayList<>(calls);
            all.addAll(JVM_RUNTIME);
            a = all.stream().distinct().map(SyscallNames::number).toList();
            allowed = a;
        }
        return a;
    }

    /** The JVM's calls alone: what {@code learn-all} lets through unreported (see {@link ThreadSandbox}). */
    static List<Integer> jvmRuntime() {
        return JVM_RUNTIME.stream().map(SyscallNames::number).toList();
    }
}
