package javisor.sys.seccomp;

import java.io.IOException;
import java.lang.System.Logger.Level;
import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.SortedSet;
import java.util.TreeMap;
import java.util.TreeSet;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.ConcurrentSkipListSet;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.atomic.AtomicLong;
import java.util.function.Consumer;

import javisor.sys.Errno;
import javisor.sys.LibC;
import javisor.sys.Logs;

import static java.lang.foreign.ValueLayout.JAVA_INT;
import static java.lang.foreign.ValueLayout.JAVA_LONG;
import static java.lang.foreign.ValueLayout.JAVA_SHORT;

/**
 * The thread that answers the calls filters hold back: one per process, polling the listener of every filter
 * installed with {@link ThreadSandbox}. For each call it reads the caller's thread id and system call
 * (SECCOMP_IOCTL_NOTIF_RECV), answers at once (SECCOMP_IOCTL_NOTIF_SEND: EPERM, or, when learning, "run it"), and
 * hands the call to a second thread, which reports it: {@code seccomp: thread NAME (tid N) called NAME (nr):
 * refused}.
 *
 * <p>Why two threads: a held thread may hold a Java lock (a class loader's, while it reads a class file) that
 * reporting needs (a log line can load a class). The answering thread takes no lock a filtered thread can hold
 * and loads no class after its start, so it always gets to the answer; the reporter may wait, it holds no one.
 *
 * <p>Why USER_NOTIF and not another action: KILL_THREAD ends a JVM thread behind the JVM's back (its monitors stay
 * held, a join never returns); TRAP raises SIGSYS, which HotSpot has no handler for, so the process dies; ERRNO
 * refuses but tells no one. A notification refuses the same way ERRNO does and gives this thread the caller and
 * the call to report. It costs a round trip through this thread, paid only by refused calls.
 *
 * <p>Its own thread, started by a thread that runs no filter (a thread inherits its creator's filters, and a
 * filtered supervisor could end up waiting on itself); a daemon, so it never holds the JVM up.
 */
public final class SeccompSupervisor {
    private static final System.Logger LOG = Logs.get("javisor.sys.seccomp");
    /** How often the loop looks for listeners it was not told of (see {@link #expect}). */
    private static final int POLL_MILLIS = 100;
    private static final String LISTENER_LINK = "anon_inode:seccomp notify";

    private static SeccompSupervisor instance;

    /**
     * A filter about to be installed: by which thread, under what name, whether its calls are learned or refused,
     * and, once installed, its listener's descriptor. Made before the install, so that telling the supervisor of
     * the descriptor afterwards is one field write: the thread can make no call, nor load a class, until its
     * listener is served, since any call may be one the filter holds.
     */
    public static final class Registration {
        private final int tid;
        private final String thread;
        private final String filter;
        private final boolean learning;
        private volatile int fd = -1;

        private Registration(int tid, String thread, String filter, boolean learning) {
            this.tid = tid;
            this.thread = thread;
            this.filter = filter;
            this.learning = learning;
        }

        /** The installed filter's listener: no allocation, no call. */
        public void installed(int listenerFd) {
            fd = listenerFd;
        }
    }

    /**
     * One call a filter held: the caller's thread id and name, the filter, the call's number and architecture
     * (AUDIT_ARCH_X86_64 for a native call), where it was made, and whether it was let through (learning).
     */
    public record Report(int tid, String thread, String filter, int nr, int arch, long ip, boolean allowed) {
        /** Whether the call is a native x86_64 one (not i386's int 0x80, not the x32 ABI). */
        public boolean nativeCall() {
            return arch == SeccompAbi.AUDIT_ARCH_X86_64 && (nr & SeccompAbi.X32_SYSCALL_BIT) == 0;
        }

        /** The call's name and number, e.g. {@code openat (257)}. */
        public String call() {
            return nativeCall() ? SyscallNames.describe(nr) + " (" + nr + ")"
                    : "call " + nr + " of arch 0x" + Integer.toHexString(arch);
        }

        public String line() {
            return "seccomp: thread " + thread + " (tid " + tid + ") called " + call() + ": "
                    + (allowed ? "allowed (learning, filter " + filter + ")" : "refused (filter " + filter + ")");
        }
    }

    private final int wake = LibC.eventfd(0, LibC.EFD_CLOEXEC | LibC.EFD_NONBLOCK);
    private final ConcurrentLinkedQueue<Registration> pending = new ConcurrentLinkedQueue<>();
    private final Map<Integer, String> threadNames = new ConcurrentHashMap<>();
    private final List<Consumer<Report>> observers = new CopyOnWriteArrayList<>();
    private final Map<String, SortedSet<Integer>> learned = new ConcurrentHashMap<>();
    private final Set<Long> logged = ConcurrentHashMap.newKeySet();
    private final AtomicLong refused = new AtomicLong();
    private final BlockingQueue<Report> toReport = new LinkedBlockingQueue<>();

    private SeccompSupervisor() {
        // Load and run once, before any filter exists, what the loop runs later (see above).
        List<Listener> warm = new ArrayList<>();
        scan(warm);
        toReport.offer(new Report(0, null, "", 0, 0, 0, true));
        toReport.clear();
        find(warm, -1);
        claim(-1);
        try (Arena arena = Arena.ofConfined()) {
            kernelName(LibC.gettid(), arena.allocate(COMM_SIZE));
        }
    }

    /**
     * The process's supervisor, started on first use; the first caller must run no filter yet (a filtered
     * thread's supervisor would inherit its filter).
     */
    public static synchronized SeccompSupervisor get() {
        if (instance == null) {
            if (Seccomp.currentThreadFiltered()) {
                throw new IllegalStateException("the seccomp supervisor must be started by a thread without a filter");
            }
            SeccompSupervisor s = new SeccompSupervisor();
            Thread.ofPlatform().name("seccomp-supervisor").daemon().start(s::loop);
            Thread.ofPlatform().name("seccomp-reporter").daemon().start(s::reportLoop);
            instance = s;
        }
        return instance;
    }

    /**
     * Announces a filter the calling thread is about to install; after the install the thread passes its listener
     * to {@link Registration#installed} and then calls {@link #wake}. Should the thread be held in a call before
     * that (a safepoint's futex wait, with a filter that allows nothing), the loop finds the listener among the
     * process's descriptors within {@value #POLL_MILLIS} ms and matches it by the caller's thread id.
     */
    public Registration expect(String filter, boolean learning) {
        Registration r = new Registration(LibC.gettid(), Thread.currentThread().getName(), filter, learning);
        threadNames.put(r.tid, r.thread);
        pending.add(r);
        return r;
    }

    /** Makes the loop look at the registrations now rather than at its next tick. */
    public void wake() {
        LibC.eventfdWrite(wake, 1);
    }

    /** Calls {@code observer} with every report from now on, on the reporter thread (never the answering one). */
    public void addObserver(Consumer<Report> observer) {
        observers.add(observer);
    }

    public void removeObserver(Consumer<Report> observer) {
        observers.remove(observer);
    }

    /** The calls learned so far, by filter name: what {@code javisor.seccomp=learn} prints at exit. */
    public Map<String, SortedSet<Integer>> learned() {
        Map<String, SortedSet<Integer>> copy = new TreeMap<>();
        learned.forEach((filter, nrs) -> copy.put(filter, new TreeSet<>(nrs)));
        return copy;
    }

    /** How many calls were refused since the start. */
    public long refusedCount() {
        return refused.get();
    }

    /** A listener being served; its registration is null until a held call's thread id names it. */
    private static final class Listener {
        final int fd;
        Registration registration;

        Listener(int fd, Registration registration) {
            this.fd = fd;
            this.registration = registration;
        }
    }

    private void loop() {
        List<Listener> listeners = new ArrayList<>();
        try (Arena arena = Arena.ofConfined()) {
            MemorySegment notif = arena.allocate(SeccompAbi.SECCOMP_NOTIF);
            MemorySegment resp = arena.allocate(SeccompAbi.SECCOMP_NOTIF_RESP);
            MemorySegment comm = arena.allocate(COMM_SIZE);
            MemorySegment pollfds = arena.allocate(8);
            while (true) {
                adopt(listeners);
                if (pollfds.byteSize() < 8L * (listeners.size() + 1)) {
                    pollfds = arena.allocate(16L * (listeners.size() + 1), 8);
                }
                pollfds.set(JAVA_INT, 0, wake);
                pollfds.set(JAVA_SHORT, 4, LibC.POLLIN);
                pollfds.set(JAVA_SHORT, 6, (short) 0);
                for (int i = 0; i < listeners.size(); i++) {
                    pollfds.set(JAVA_INT, 8L * (i + 1), listeners.get(i).fd);
                    pollfds.set(JAVA_SHORT, 8L * (i + 1) + 4, LibC.POLLIN);
                    pollfds.set(JAVA_SHORT, 8L * (i + 1) + 6, (short) 0);
                }
                if (LibC.poll(pollfds, listeners.size() + 1, POLL_MILLIS) == 0) {
                    continue;
                }
                if ((pollfds.get(JAVA_SHORT, 6) & LibC.POLLIN) != 0) {
                    LibC.eventfdRead(wake);
                }
                List<Listener> gone = new ArrayList<>();
                for (int i = 0; i < listeners.size(); i++) {
                    short revents = pollfds.get(JAVA_SHORT, 8L * (i + 1) + 6);
                    Listener l = listeners.get(i);
                    if ((revents & LibC.POLLIN) != 0) {
                        serve(l, notif, resp, comm);
                    } else if ((revents & (LibC.POLLHUP | LibC.POLLERR | LibC.POLLNVAL)) != 0) {
                        gone.add(l); // every thread that ran the filter has ended
                    }
                }
                for (Listener l : gone) {
                    listeners.remove(l);
                    if (l.registration != null) {
                        threadNames.remove(l.registration.tid, l.registration.thread);
                    }
                    LibC.close(l.fd);
                }
            }
        } catch (RuntimeException | Error e) {
            // Filtered threads' refused calls now wait for an answer that will not come: say so loudly.
            LOG.log(Level.ERROR, "seccomp: the supervisor stopped; filtered threads' refused calls will hang", e);
        }
    }

    /**
     * Takes the listeners of installed filters into {@code listeners}; when a registration is still without one,
     * looks for listeners among the process's descriptors (its thread may be held before it could say which).
     */
    private void adopt(List<Listener> listeners) {
        boolean waiting = false;
        for (Registration r : pending) {
            int fd = r.fd;
            if (fd < 0) {
                waiting = true;
                continue;
            }
            pending.remove(r);
            Listener known = find(listeners, fd);
            if (known != null) {
                known.registration = r; // found by the scan before the thread could say
            } else {
                listeners.add(new Listener(fd, r));
            }
        }
        if (waiting) {
            scan(listeners);
        }
    }

    /** Adds the seccomp listeners among the process's descriptors that {@code listeners} lacks. */
    private static void scan(List<Listener> listeners) {
        try (var fds = Files.newDirectoryStream(Path.of("/proc/self/fd"))) {
            for (Path p : fds) {
                int fd = Integer.parseInt(p.getFileName().toString());
                if (find(listeners, fd) == null && isListener(p)) {
                    listeners.add(new Listener(fd, null));
                }
            }
        } catch (IOException | RuntimeException e) {
            LOG.log(Level.DEBUG, "seccomp: /proc/self/fd: " + e);
        }
    }

    private static boolean isListener(Path fdLink) {
        try {
            return Files.readSymbolicLink(fdLink).toString().equals(LISTENER_LINK);
        } catch (IOException | RuntimeException e) {
            return false; // closed meanwhile
        }
    }

    private static Listener find(List<Listener> listeners, int fd) {
        for (Listener l : listeners) {
            if (l.fd == fd) {
                return l;
            }
        }
        return null;
    }

    /** The registration of the thread {@code tid} that has not said which listener is its own. */
    private Registration claim(int tid) {
        for (Registration r : pending) {
            if (r.tid == tid) {
                pending.remove(r);
                return r;
            }
        }
        return null;
    }

    private void serve(Listener l, MemorySegment notif, MemorySegment resp, MemorySegment comm) {
        notif.fill((byte) 0); // the kernel refuses a RECV buffer that is not zeroed
        if (LibC.ioctlRaw(l.fd, SeccompAbi.SECCOMP_IOCTL_NOTIF_RECV, notif.address()) < 0) {
            return; // ENOENT: the caller was interrupted or killed before we read it
        }
        long id = notif.get(JAVA_LONG, SeccompAbi.NOTIF_ID);
        int tid = notif.get(JAVA_INT, SeccompAbi.NOTIF_PID);
        int nr = notif.get(JAVA_INT, SeccompAbi.NOTIF_NR);
        int arch = notif.get(JAVA_INT, SeccompAbi.NOTIF_ARCH);
        long ip = notif.get(JAVA_LONG, SeccompAbi.NOTIF_IP);
        if (l.registration == null) {
            l.registration = claim(tid);
        }
        Registration r = l.registration;
        // A thread the filter's owner made has no registered name: its kernel name is read while it is held, so
        // surely alive (the reporter would find it gone, or its id reused).
        String thread = threadNames.get(tid);
        if (thread == null) {
            thread = kernelName(tid, comm);
        }
        // The answer goes first and the report after, so the caller waits for as little Java as possible.
        boolean nativeCall = arch == SeccompAbi.AUDIT_ARCH_X86_64 && (nr & SeccompAbi.X32_SYSCALL_BIT) == 0;
        boolean allow = r != null && r.learning && nativeCall; // another ABI's call is never learned
        resp.fill((byte) 0);
        resp.set(JAVA_LONG, SeccompAbi.RESP_ID, id);
        if (allow) {
            resp.set(JAVA_INT, SeccompAbi.RESP_FLAGS, SeccompAbi.SECCOMP_USER_NOTIF_FLAG_CONTINUE);
        } else {
            resp.set(JAVA_INT, SeccompAbi.RESP_ERROR, -Errno.EPERM);
        }
        LibC.ioctlRaw(l.fd, SeccompAbi.SECCOMP_IOCTL_NOTIF_SEND, resp.address()); // ENOENT: the caller went away
        toReport.offer(new Report(tid, thread, r == null ? "?" : r.filter, nr, arch, ip, allow));
    }

    private void reportLoop() {
        while (true) {
            try {
                report(toReport.take());
            } catch (InterruptedException e) {
                return;
            } catch (RuntimeException e) {
                LOG.log(Level.ERROR, "seccomp: a report failed", e);
            }
        }
    }

    private void report(Report r) {
        if (r.allowed()) {
            if (learned.computeIfAbsent(r.filter(), f -> new ConcurrentSkipListSet<>()).add(r.nr())) {
                LOG.log(Level.WARNING, r.line());
            }
        } else {
            refused.incrementAndGet();
            // Each thread's first refusal of each call is logged; a thread that repeats one cannot flood the log.
            if (logged.add(((long) r.tid() << 32) | (r.nr() & 0xffffffffL))) {
                LOG.log(Level.WARNING, r.line());
            }
        }
        for (Consumer<Report> o : observers) {
            o.accept(r);
        }
    }

    /** TASK_COMM_LEN: a thread's kernel name is at most 15 bytes and a newline. */
    private static final int COMM_SIZE = 16;

    /**
     * The kernel's name of thread {@code tid} of this process (what HotSpot set from its Java name, cut to 15
     * bytes), read through LibC into {@code buffer}: no JDK file code, whose locks a held thread might hold.
     */
    private static String kernelName(int tid, MemorySegment buffer) {
        try {
            int fd = LibC.open("/proc/self/task/" + tid + "/comm", LibC.O_RDONLY | LibC.O_CLOEXEC);
            try {
                long n = LibC.pread(fd, buffer, 0);
                byte[] bytes = buffer.asSlice(0, n).toArray(ValueLayout.JAVA_BYTE);
                return new String(bytes, StandardCharsets.UTF_8).strip();
            } finally {
                LibC.close(fd);
            }
        } catch (RuntimeException e) {
            return "?"; // ended meanwhile
        }
    }
}
