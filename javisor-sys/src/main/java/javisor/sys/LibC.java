package javisor.sys;

import java.lang.foreign.Arena;
import java.lang.foreign.FunctionDescriptor;
import java.lang.foreign.Linker;
import java.lang.foreign.MemoryLayout;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.StructLayout;
import java.lang.invoke.MethodHandle;
import java.util.List;

import static java.lang.foreign.ValueLayout.ADDRESS;
import static java.lang.foreign.ValueLayout.JAVA_INT;
import static java.lang.foreign.ValueLayout.JAVA_LONG;

/**
 * The gateway to the kernel: every native call Javisor makes, each public method a checked wrapper that
 * throws {@link NativeException} with the call's name and errno.
 *
 * <p>Every call goes through one downcall, libc's {@code syscall(2)} with six arguments. Linking a downcall
 * costs 5-50 ms of start-up per distinct signature (ENVIRONMENT.md), so one shape for all of them keeps
 * {@code javisor run} fast; the system call numbers are the x86_64 ones from {@code <asm/unistd_64.h>}.
 */
public final class LibC {
    private LibC() {
    }

    private static final Linker LINKER = Linker.nativeLinker();
    private static final StructLayout CAPTURE_LAYOUT = Linker.Option.captureStateLayout();
    private static final long ERRNO_OFFSET = errnoOffset();

    /** errno capture is per thread: a vCPU thread's errno must not be read from another thread's slot. */
    private static final ThreadLocal<MemorySegment> ERRNO_SLOT =
            ThreadLocal.withInitial(() -> Arena.ofAuto().allocate(CAPTURE_LAYOUT));

    // long syscall(long number, ...), linked as syscall(long, long, long, long, long, long, long): on x86_64 a
    // variadic call of seven integer arguments differs from a fixed one only in %al (the count of vector
    // registers used), which glibc's syscall, a few moves and a syscall instruction, never reads. Leaving out
    // Linker.Option.firstVariadicArg saves about 6 ms of start-up (the variadic link spins more classes).
    private static final FunctionDescriptor SEVEN_LONGS = FunctionDescriptor.of(JAVA_LONG, JAVA_LONG, JAVA_LONG,
            JAVA_LONG, JAVA_LONG, JAVA_LONG, JAVA_LONG, JAVA_LONG);
    private static final MethodHandle SYSCALL = link("syscall", SEVEN_LONGS, Linker.Option.captureCallState("errno"));
    /** Whether {@link #linkWithoutErrno()} has linked {@link WithoutErrno#SYSCALL}. */
    private static volatile boolean withoutErrnoLinked;

    /**
     * syscall(2) once more, without errno capture, linked when {@link #linkWithoutErrno()} first touches this class:
     * a second link costs milliseconds of start-up, the capture a call to __errno_location and a copy on every call
     * (1.6 µs of a KVM_RUN round trip in the KVM box, docs/performance.md "Sixth round"). A constant in a holder
     * class, not a field set later: the JIT inlines a constant handle's call, not a field's.
     */
    private static final class WithoutErrno {
        static final MethodHandle SYSCALL = link("syscall", SEVEN_LONGS);
    }

    /**
     * glibc's sigaction(2), not the rt_sigaction system call: on x86_64 the kernel returns from a handler through a
     * restorer (SA_RESTORER) that makes rt_sigreturn, which glibc supplies and FFM cannot. Linked in the shape of
     * {@link #SYSCALL} (extra integer arguments are ignored), whose stub the JVM then reuses; only the few programs
     * that install a handler load this class.
     */
    private static final class Signals {
        static final MethodHandle SIGACTION = link("sigaction", SEVEN_LONGS, Linker.Option.captureCallState("errno"));
        /** abs(3): see {@link #installNoOpHandler}. */
        static final long NO_OP_HANDLER = LINKER.defaultLookup().find("abs")
                .orElseThrow(() -> new UnsatisfiedLinkError("libc has no symbol abs")).address();
    }

    // x86_64 system call numbers
    private static final long SYS_READ = 0;
    private static final long SYS_WRITE = 1;
    private static final long SYS_CLOSE = 3;
    private static final long SYS_POLL = 7;
    private static final long SYS_MMAP = 9;
    private static final long SYS_MUNMAP = 11;
    private static final long SYS_MADVISE = 28;
    private static final long SYS_RT_SIGPROCMASK = 14;
    private static final long SYS_IOCTL = 16;
    private static final long SYS_PREAD64 = 17;
    private static final long SYS_PWRITE64 = 18;
    private static final long SYS_READV = 19;
    private static final long SYS_WRITEV = 20;
    private static final long SYS_SOCKET = 41;
    private static final long SYS_GETPID = 39;
    private static final long SYS_GETPGRP = 111;
    private static final long SYS_SENDMSG = 46;
    private static final long SYS_SOCKETPAIR = 53;
    private static final long SYS_FDATASYNC = 75;
    private static final long SYS_FTRUNCATE = 77;
    private static final long SYS_GETTID = 186;
    private static final long SYS_SCHED_SETAFFINITY = 203;
    private static final long SYS_PRCTL = 157;
    private static final long SYS_TGKILL = 234;
    private static final long SYS_OPENAT = 257;
    private static final long SYS_FALLOCATE = 285;
    private static final long SYS_EVENTFD2 = 290;
    private static final long SYS_PREADV = 295;
    private static final long SYS_PWRITEV = 296;
    private static final long SYS_SECCOMP = 317;
    private static final long SYS_GETRANDOM = 318;
    private static final long SYS_MEMFD_CREATE = 319;

    private static final long AT_FDCWD = -100;
    private static final int AF_UNIX = 1;
    private static final int SOCK_DGRAM = 2;
    private static final int SOCK_CLOEXEC = 0x80000;
    private static final int SOL_SOCKET = 1;
    private static final int SCM_RIGHTS = 1;
    /** The kernel's sigset_t: 64 signals, 8 bytes (glibc's 128-byte one is a user-space type). */
    private static final long KERNEL_SIGSET_SIZE = 8;

    public static final int O_RDONLY = 0;
    public static final int O_RDWR = 2;
    public static final int O_CLOEXEC = 0x80000;
    public static final int O_NONBLOCK = 0x800;

    public static final int PROT_NONE = 0;
    public static final int PROT_READ = 1;
    public static final int PROT_WRITE = 2;
    public static final int MAP_SHARED = 0x01;
    public static final int MAP_PRIVATE = 0x02;
    public static final int MAP_ANONYMOUS = 0x20;
    public static final int MAP_NORESERVE = 0x4000;
    /** Back the mapping with hugetlbfs pages, of the size log2 of which is in the bits from MAP_HUGE_SHIFT. */
    public static final int MAP_HUGETLB = 0x40000;
    public static final int MAP_HUGE_SHIFT = 26;
    public static final int MADV_HUGEPAGE = 14;
    public static final int MADV_NOHUGEPAGE = 15;

    public static final int SIG_BLOCK = 0;
    public static final int SIG_UNBLOCK = 1;
    private static final int SIG_SETMASK = 2;
    public static final int SA_RESTART = 0x10000000;
    /**
     * glibc's struct sigaction on x86_64: the handler at 0, a 1024-bit sa_mask, sa_flags at 136, sa_restorer at
     * 144 (LibCConstantsTest checks these against the header).
     */
    static final long SIGACTION_SIZE = 152;
    static final long SIGACTION_FLAGS_OFFSET = 136;
    /**
     * Every signal but the synchronous ones (SIGILL 4, SIGTRAP 5, SIGBUS 7, SIGFPE 8, SIGSEGV 11), which report a
     * fault of the thread itself and must never be blocked; bit n-1 is signal n.
     */
    private static final long ASYNCHRONOUS_SIGNALS = ~((1L << 3) | (1L << 4) | (1L << 6) | (1L << 7) | (1L << 10));
    public static final int EFD_CLOEXEC = 0x80000;
    public static final int EFD_NONBLOCK = 0x800;
    public static final int MFD_CLOEXEC = 1;
    /** fallocate(2) modes: keep the file's size; free the range (reads of it return zeros). */
    public static final int FALLOC_FL_KEEP_SIZE = 1;
    public static final int FALLOC_FL_PUNCH_HOLE = 2;

    /**
     * errno's offset in the capture layout, found by walking its members; the read is then a plain
     * {@code get(JAVA_INT, offset)}, no path VarHandle on every failed call. (Measured at start-up: within
     * 0.5 ms of the VarHandle, since any memory access initializes the layout-path machinery anyway.)
     */
    private static long errnoOffset() {
        long offset = 0;
        for (MemoryLayout member : CAPTURE_LAYOUT.memberLayouts()) {
            if (member.name().orElse("").equals("errno")) {
                return offset;
            }
            offset += member.byteSize();
        }
        throw new IllegalStateException("no errno in " + CAPTURE_LAYOUT);
    }

    @SuppressWarnings("restricted") // libc's own symbols, linked with the signatures from their man pages
    private static MethodHandle link(String name, FunctionDescriptor descriptor, Linker.Option... options) {
        MemorySegment symbol = LINKER.defaultLookup().find(name)
                .orElseThrow(() -> new UnsatisfiedLinkError("libc has no symbol " + name));
        return LINKER.downcallHandle(symbol, descriptor, options);
    }

    private static RuntimeException rethrow(Throwable t) {
        if (t instanceof RuntimeException r) {
            return r;
        }
        if (t instanceof Error e) {
            throw e;
        }
        return new IllegalStateException(t);
    }

    /** A system call; returns its result, or minus errno when it failed. */
    private static long syscall(long nr, long a1, long a2, long a3, long a4, long a5, long a6) {
        MemorySegment slot = ERRNO_SLOT.get();
        long r;
        try {
            r = (long) SYSCALL.invokeExact(slot, nr, a1, a2, a3, a4, a5, a6);
        } catch (Throwable t) {
            throw rethrow(t);
        }
        return r == -1 ? -slot.get(JAVA_INT, ERRNO_OFFSET) : r;
    }

    /**
     * A system call that a signal cannot make fail. Every thread of a JVM takes signals (JFR's sampler, jcmd, a
     * profiler's), and some calls answer one that arrives mid-call with EINTR, which SA_RESTART does not restart:
     * KVM_CREATE_VM among them. Calling again is not enough: when signals come faster than the call takes (a
     * sampler on a slow or loaded host), every attempt is cut short and the retry loop never ends. So after the
     * first EINTR the call is retried with the thread's asynchronous signals blocked; they stay pending and are
     * taken when the old mask is back, microseconds later. For calls whose EINTR means "not done, call again";
     * never for close (the descriptor is gone either way) or KVM_RUN (EINTR is how a vCPU is kicked).
     */
    private static long restarting(long nr, long a1, long a2, long a3, long a4, long a5, long a6) {
        long r = syscall(nr, a1, a2, a3, a4, a5, a6);
        if (r != -Errno.EINTR) {
            return r;
        }
        try (Arena arena = Arena.ofConfined()) {
            MemorySegment block = arena.allocateFrom(JAVA_LONG, ASYNCHRONOUS_SIGNALS);
            MemorySegment old = arena.allocate(JAVA_LONG);
            check(syscall(SYS_RT_SIGPROCMASK, SIG_BLOCK, block.address(), old.address(), KERNEL_SIGSET_SIZE, 0, 0),
                    "rt_sigprocmask");
            try {
                do {
                    r = syscall(nr, a1, a2, a3, a4, a5, a6); // only a stop and continue can still cut it short
                } while (r == -Errno.EINTR);
            } finally {
                syscall(SYS_RT_SIGPROCMASK, SIG_SETMASK, old.address(), 0, KERNEL_SIGSET_SIZE, 0, 0);
            }
        }
        return r;
    }

    private static long check(long result, String name) {
        if (result < 0) {
            throw new NativeException(name, (int) -result);
        }
        return result;
    }

    /** ioctl with an integer or pointer argument; returns the ioctl's non-negative result. */
    public static int ioctl(int fd, long request, long arg, String name) {
        return (int) check(restarting(SYS_IOCTL, fd, request, arg, 0, 0, 0), name);
    }

    /**
     * ioctl that reports errno instead of throwing: returns the result, or minus errno. For the hot path
     * (KVM_RUN) where EINTR is an expected answer, not an error.
     */
    public static int ioctlRaw(int fd, long request, long arg) {
        return (int) syscall(SYS_IOCTL, fd, request, arg, 0, 0, 0);
    }

    /**
     * Links {@link #ioctlWithoutErrno}'s downcall: for a process that lives long enough to win back the link's
     * cost (the resident Javisor). Idempotent.
     */
    public static void linkWithoutErrno() {
        withoutErrnoLinked = WithoutErrno.SYSCALL != null; // the holder's initialization links it
    }

    /** Whether {@link #linkWithoutErrno()} has linked {@link #ioctlWithoutErrno}. */
    public static boolean withoutErrnoLinked() {
        return withoutErrnoLinked;
    }

    /**
     * ioctl that does not learn errno: returns the result, or -1 when it failed for a reason not known here. Only
     * after {@link #linkWithoutErrno()}; for a caller that can find the reason another way.
     */
    public static int ioctlWithoutErrno(int fd, long request, long arg) {
        try {
            return (int) (long) WithoutErrno.SYSCALL.invokeExact(SYS_IOCTL, (long) fd, request, arg, 0L, 0L, 0L);
        } catch (Throwable t) {
            throw rethrow(t);
        }
    }

    /** TIOCGPGRP (asm-generic/ioctls.h): the foreground process group of a terminal. */
    static final long TIOCGPGRP = 0x540F;

    /**
     * Whether this process can read {@code fd} without being stopped: true unless {@code fd} is a terminal whose
     * foreground process group is not this process's (a job started in the background, which SIGTTIN would stop
     * at its first read, and the rest of the process with it).
     */
    public static boolean readableWithoutStopping(int fd) {
        try (Arena arena = Arena.ofConfined()) {
            MemorySegment foreground = arena.allocate(JAVA_INT);
            if (syscall(SYS_IOCTL, fd, TIOCGPGRP, foreground.address(), 0, 0, 0) < 0) {
                return true; // not a terminal (ENOTTY): a pipe, a file, /dev/null
            }
            return foreground.get(JAVA_INT, 0) == syscall(SYS_GETPGRP, 0, 0, 0, 0, 0, 0);
        }
    }

    public static int open(String path, int flags) {
        try (Arena arena = Arena.ofConfined()) {
            long r = restarting(SYS_OPENAT, AT_FDCWD, arena.allocateFrom(path).address(), flags, 0, 0, 0);
            return (int) check(r, "open(" + path + ")");
        }
    }

    public static void close(int fd) {
        check(syscall(SYS_CLOSE, fd, 0, 0, 0, 0, 0), "close");
    }

    /**
     * Closes {@code fd} and leaves its final release to a kernel worker: the file is passed (SCM_RIGHTS) into
     * the receive queue of a unix socket that is passed into the same queue, a cycle only the kernel's unix
     * socket garbage collector frees (in a workqueue since Linux 6.10; older kernels free it in this call, as
     * close would). For KVM VM files, whose release waits out SRCU grace periods: 5-25 ms that a closing
     * process would otherwise wait, even in exit. Falls back to close if the hand-over fails.
     */
    public static void closeInBackground(int fd) {
        try (Arena arena = Arena.ofConfined()) {
            MemorySegment pair = arena.allocate(JAVA_INT, 2);
            if (syscall(SYS_SOCKETPAIR, AF_UNIX, SOCK_DGRAM | SOCK_CLOEXEC, 0, pair.address(), 0, 0) < 0) {
                close(fd);
                return;
            }
            int sender = pair.getAtIndex(JAVA_INT, 0);
            int receiver = pair.getAtIndex(JAVA_INT, 1);
            MemorySegment oneByte = arena.allocate(1);
            MemorySegment iov = arena.allocate(16, 8); // struct iovec
            iov.set(JAVA_LONG, 0, oneByte.address());
            iov.set(JAVA_LONG, 8, 1);
            MemorySegment cmsg = arena.allocate(24, 8); // struct cmsghdr and two ints: CMSG_SPACE(8)
            cmsg.set(JAVA_LONG, 0, 24); // cmsg_len: CMSG_LEN(8)
            cmsg.set(JAVA_INT, 8, SOL_SOCKET);
            cmsg.set(JAVA_INT, 12, SCM_RIGHTS);
            cmsg.set(JAVA_INT, 16, fd);
            cmsg.set(JAVA_INT, 20, receiver);
            MemorySegment msg = arena.allocate(56, 8); // struct msghdr, no address
            msg.set(JAVA_LONG, 16, iov.address());
            msg.set(JAVA_LONG, 24, 1);
            msg.set(JAVA_LONG, 32, cmsg.address());
            msg.set(JAVA_LONG, 40, 24);
            restarting(SYS_SENDMSG, sender, msg.address(), 0, 0, 0, 0); // if this fails, close below is the last one
            syscall(SYS_CLOSE, sender, 0, 0, 0, 0, 0);
            syscall(SYS_CLOSE, receiver, 0, 0, 0, 0, 0);
            close(fd);
        }
    }

    /** mmap; returns the mapping's address. */
    public static long mmap(long addr, long length, int prot, int flags, int fd, long offset) {
        long r = syscall(SYS_MMAP, addr, length, prot, flags, fd, offset);
        // Addresses above the canonical user range cannot be mappings; the kernel's errors are -4095..-1.
        if (r < 0 && r >= -4095) {
            throw new NativeException("mmap", (int) -r);
        }
        return r;
    }

    /** madvise(2): {@code advice} for the pages of {@code [addr, addr + length)}. */
    public static void madvise(long addr, long length, int advice) {
        check(syscall(SYS_MADVISE, addr, length, advice, 0, 0, 0), "madvise");
    }

    public static void munmap(long addr, long length) {
        check(syscall(SYS_MUNMAP, addr, length, 0, 0, 0, 0), "munmap");
    }

    /**
     * Gives a native address a size and an owner: the one place raw addresses become usable segments.
     * Closing {@code arena} runs {@code cleanup} and makes the segment unusable, so a stale view throws
     * instead of touching unmapped memory.
     */
    @SuppressWarnings("restricted") // callers pass the exact length they mapped, so every access stays inside it
    static MemorySegment segment(long address, long size, Arena arena, Runnable cleanup) {
        return MemorySegment.ofAddress(address).reinterpret(size, arena, s -> cleanup.run());
    }

    /** strerror(3) text for errno; needed only on error paths, so linked on first use. */
    public static String strerror(int errno) {
        try {
            MemorySegment text = (MemorySegment) Strerror.HANDLE.invokeExact(errno);
            return cString(text);
        } catch (Throwable t) {
            return "errno " + errno;
        }
    }

    @SuppressWarnings("restricted") // strerror returns a NUL-terminated static string; getString stops at the NUL
    private static String cString(MemorySegment text) {
        return text.reinterpret(4096).getString(0);
    }

    private static final class Strerror {
        static final MethodHandle HANDLE = link("strerror", FunctionDescriptor.of(ADDRESS, JAVA_INT));
    }

    public static int memfdCreate(String name, int flags) {
        try (Arena arena = Arena.ofConfined()) {
            return (int) check(syscall(SYS_MEMFD_CREATE, arena.allocateFrom(name).address(), flags, 0, 0, 0, 0),
                    "memfd_create");
        }
    }

    /** eventfd2(initial, flags): a counter file descriptor KVM can wait on (irqfd) or signal (ioeventfd). */
    public static int eventfd(int initial, int flags) {
        return (int) check(syscall(SYS_EVENTFD2, initial, flags, 0, 0, 0, 0), "eventfd");
    }

    /** Adds {@code value} to an eventfd's counter (one 8-byte write). */
    public static void eventfdWrite(int fd, long value) {
        try (Arena arena = Arena.ofConfined()) {
            MemorySegment v = arena.allocateFrom(JAVA_LONG, value);
            check(restarting(SYS_WRITE, fd, v.address(), 8, 0, 0, 0), "write(eventfd)");
        }
    }

    /** Reads and resets an eventfd's counter; with EFD_NONBLOCK, 0 when it was 0. */
    public static long eventfdRead(int fd) {
        try (Arena arena = Arena.ofConfined()) {
            MemorySegment v = arena.allocate(JAVA_LONG);
            long r = restarting(SYS_READ, fd, v.address(), 8, 0, 0, 0);
            if (r == -Errno.EAGAIN) {
                return 0;
            }
            check(r, "read(eventfd)");
            return v.get(JAVA_LONG, 0);
        }
    }

    /**
     * pread(2): reads up to {@code into.byteSize()} bytes at file offset {@code offset} straight into
     * {@code into}, which must be native memory (guest memory is); returns how many (0 at the end of the file).
     */
    public static long pread(int fd, MemorySegment into, long offset) {
        requireNative(into, "pread");
        return check(restarting(SYS_PREAD64, fd, into.address(), into.byteSize(), offset, 0, 0), "pread");
    }

    /** pwrite(2): writes up to {@code from.byteSize()} bytes of native memory at file offset {@code offset}. */
    public static long pwrite(int fd, MemorySegment from, long offset) {
        requireNative(from, "pwrite");
        return check(restarting(SYS_PWRITE64, fd, from.address(), from.byteSize(), offset, 0, 0), "pwrite");
    }

    /** UIO_MAXIOV: the most buffers one preadv or pwritev takes. */
    public static final int UIO_MAXIOV = 1024;

    /**
     * preadv(2): reads at file offset {@code offset} into the native buffers {@code into}, in order, in one call;
     * returns how many bytes (fewer at the end of the file). At most {@link #UIO_MAXIOV} buffers.
     */
    public static long preadv(int fd, List<MemorySegment> into, long offset) {
        return vectored(SYS_PREADV, "preadv", fd, into, offset);
    }

    /** pwritev(2): writes the native buffers {@code from}, in order, at file offset {@code offset}, in one call. */
    public static long pwritev(int fd, List<MemorySegment> from, long offset) {
        return vectored(SYS_PWRITEV, "pwritev", fd, from, offset);
    }

    /** What {@link #readv} and {@link #writev} return when a non-blocking file has nothing to give or no room. */
    public static final long WOULD_BLOCK = -1;

    /**
     * readv(2) at the file's position (a tap device, a pipe): one read into the native buffers {@code into}, in
     * order; returns how many bytes, or {@link #WOULD_BLOCK} when the file is non-blocking and has nothing.
     */
    public static long readv(int fd, List<MemorySegment> into) {
        try (Arena arena = Arena.ofConfined()) {
            return readv(fd, into, iovecs(arena, into.size()));
        }
    }

    /** {@link #readv} with the caller's array of struct iovec ({@link #iovecs}), for a path that runs per frame. */
    public static long readv(int fd, List<MemorySegment> into, MemorySegment iov) {
        return vectored(SYS_READV, "readv", fd, into, 0, iov);
    }

    /** writev(2) of the native buffers {@code from}, in order; {@link #WOULD_BLOCK} as {@link #readv}. */
    public static long writev(int fd, List<MemorySegment> from) {
        try (Arena arena = Arena.ofConfined()) {
            return writev(fd, from, iovecs(arena, from.size()));
        }
    }

    /** {@link #writev} with the caller's array of struct iovec. */
    public static long writev(int fd, List<MemorySegment> from, MemorySegment iov) {
        return vectored(SYS_WRITEV, "writev", fd, from, 0, iov);
    }

    /** Room for {@code count} struct iovec ({ void *iov_base; size_t iov_len; }) in {@code arena}. */
    public static MemorySegment iovecs(Arena arena, int count) {
        return arena.allocate(16L * Math.max(1, count), 8);
    }

    private static long vectored(long nr, String name, int fd, List<MemorySegment> buffers, long offset) {
        try (Arena arena = Arena.ofConfined()) {
            return vectored(nr, name, fd, buffers, offset, iovecs(arena, buffers.size()));
        }
    }

    private static long vectored(long nr, String name, int fd, List<MemorySegment> buffers, long offset,
                                 MemorySegment iov) {
        if (buffers.size() > UIO_MAXIOV) {
            throw new IllegalArgumentException(
                    name + " takes at most " + UIO_MAXIOV + " buffers, not " + buffers.size());
        }
        if (iov.byteSize() < 16L * buffers.size() || !iov.isNative()) {
            throw new IllegalArgumentException(name + ": " + buffers.size() + " iovecs do not fit " + iov);
        }
        for (int i = 0; i < buffers.size(); i++) {
            MemorySegment b = buffers.get(i);
            requireNative(b, name);
            iov.set(JAVA_LONG, 16L * i, b.address());
            iov.set(JAVA_LONG, 16L * i + 8, b.byteSize());
        }
        // x86-64 takes the offset whole in pos_l; pos_h is for 32-bit ABIs (readv and writev have none).
        long r = restarting(nr, fd, iov.address(), buffers.size(), offset, 0, 0);
        return r == -Errno.EAGAIN && (nr == SYS_READV || nr == SYS_WRITEV) ? WOULD_BLOCK : check(r, name);
    }

    /** poll(2) events and results. */
    public static final short POLLIN = 0x1;
    public static final short POLLERR = 0x8;
    public static final short POLLHUP = 0x10;
    public static final short POLLNVAL = 0x20;

    /**
     * poll(2) over {@code count} entries of {@code pollfds}, an array of struct pollfd (int fd, short events,
     * short revents: 8 bytes each) in native memory; waits at most {@code timeoutMillis} (-1: no limit). Returns
     * how many entries have events, 0 on time-out or when a signal cut the wait short.
     */
    public static int poll(MemorySegment pollfds, int count, int timeoutMillis) {
        requireNative(pollfds, "poll");
        if (pollfds.byteSize() < 8L * count) {
            throw new IllegalArgumentException("poll: " + count + " entries do not fit " + pollfds);
        }
        long r = syscall(SYS_POLL, pollfds.address(), count, timeoutMillis, 0, 0, 0);
        return r == -Errno.EINTR ? 0 : (int) check(r, "poll");
    }

    /** socket(2), for ioctls that need one (SIOCSIFFLAGS); close-on-exec. */
    public static int socket(int domain, int type, int protocol) {
        return (int) check(syscall(SYS_SOCKET, domain, type | SOCK_CLOEXEC, protocol, 0, 0, 0), "socket");
    }

    private static void requireNative(MemorySegment s, String call) {
        if (!s.isNative()) {
            throw new IllegalArgumentException(call + " needs native memory, not " + s);
        }
    }

    /** fdatasync(2): the file's data, and what is needed to read it back, reach stable storage. */
    public static void fdatasync(int fd) {
        check(restarting(SYS_FDATASYNC, fd, 0, 0, 0, 0, 0), "fdatasync");
    }

    /** fallocate(2), e.g. {@link #FALLOC_FL_PUNCH_HOLE} | {@link #FALLOC_FL_KEEP_SIZE} to free a range. */
    public static void fallocate(int fd, int mode, long offset, long length) {
        check(restarting(SYS_FALLOCATE, fd, mode, offset, length, 0, 0), "fallocate");
    }

    /** getrandom(2) from the kernel's pool (the same as /dev/urandom), filling all of {@code into}. */
    public static void getrandom(MemorySegment into) {
        requireNative(into, "getrandom");
        long done = 0;
        while (done < into.byteSize()) {
            done += check(restarting(SYS_GETRANDOM, into.address() + done, into.byteSize() - done, 0, 0, 0, 0),
                    "getrandom");
        }
    }

    public static void ftruncate(int fd, long length) {
        check(restarting(SYS_FTRUNCATE, fd, length, 0, 0, 0, 0), "ftruncate");
    }

    /** The kernel thread id of the calling thread, the target {@link #tgkill} takes. */
    public static int gettid() {
        return (int) syscall(SYS_GETTID, 0, 0, 0, 0, 0, 0);
    }

    public static int getpid() {
        return (int) syscall(SYS_GETPID, 0, 0, 0, 0, 0, 0);
    }

    /** Sends {@code signal} to thread {@code tid} of this process. */
    public static void tgkill(int tid, int signal) {
        check(syscall(SYS_TGKILL, getpid(), tid, signal, 0, 0, 0), "tgkill");
    }

    /**
     * Pins the calling thread to the CPUs set in {@code cpuMask} (bit n of word n/64 is CPU n; as many words as
     * the host has CPUs).
     */
    public static void setCurrentThreadAffinity(long[] cpuMask) {
        try (Arena arena = Arena.ofConfined()) {
            // The kernel takes a set of any length: shorter than its own is zero-filled, longer is cut.
            long bytes = Math.max(128, 8L * cpuMask.length);
            MemorySegment set = arena.allocate(bytes, 8);
            MemorySegment.copy(cpuMask, 0, set, JAVA_LONG, 0, cpuMask.length);
            check(syscall(SYS_SCHED_SETAFFINITY, 0, bytes, set.address(), 0, 0, 0), "sched_setaffinity");
        }
    }

    /**
     * Gives {@code signal}, process-wide, a handler that does nothing, with SA_RESTART: a thread that has it
     * unblocked takes it without effect, except that a blocking call SA_RESTART does not restart returns EINTR
     * (KVM_RUN among them, which is the point). The handler is libc's abs(3), a function of one int that
     * touches no memory and no errno and calls nothing, which is all a handler that must do nothing needs: Java
     * code cannot be a signal handler (an upcall may not run in a signal's context), and Javisor has no native
     * code of its own. Idempotent.
     */
    public static void installNoOpHandler(int signal) {
        try (Arena arena = Arena.ofConfined()) {
            MemorySegment action = arena.allocate(SIGACTION_SIZE, 8); // zeroed: an empty sa_mask, no restorer yet
            action.set(JAVA_LONG, 0, Signals.NO_OP_HANDLER);
            action.set(JAVA_INT, SIGACTION_FLAGS_OFFSET, SA_RESTART);
            MemorySegment slot = ERRNO_SLOT.get();
            int r;
            try {
                // an int result: only the register's low half is the answer
                r = (int) (long) Signals.SIGACTION.invokeExact(slot, (long) signal, action.address(), 0L, 0L, 0L, 0L,
                        0L);
            } catch (Throwable t) {
                throw rethrow(t);
            }
            if (r != 0) {
                throw new NativeException("sigaction", slot.get(JAVA_INT, ERRNO_OFFSET));
            }
        }
    }

    /** Unblocks {@code signal} in the calling thread. */
    public static void unblockSignal(int signal) {
        try (Arena arena = Arena.ofConfined()) {
            MemorySegment set = arena.allocateFrom(JAVA_LONG, 1L << (signal - 1));
            check(syscall(SYS_RT_SIGPROCMASK, SIG_UNBLOCK, set.address(), 0, KERNEL_SIGSET_SIZE, 0, 0),
                    "rt_sigprocmask");
        }
    }

    /** prctl(2) with integer arguments; returns its non-negative result. */
    public static int prctl(int option, long arg2, long arg3, long arg4, long arg5) {
        return (int) check(syscall(SYS_PRCTL, option, arg2, arg3, arg4, arg5, 0), "prctl(" + option + ")");
    }

    /**
     * seccomp(2): {@code operation} with {@code flags} on the calling thread; {@code args} is the operation's
     * argument in native memory (a struct sock_fprog for SECCOMP_SET_MODE_FILTER). Returns the call's result: 0,
     * or a listener's descriptor with SECCOMP_FILTER_FLAG_NEW_LISTENER.
     */
    public static int seccomp(int operation, int flags, MemorySegment args) {
        requireNative(args, "seccomp");
        return (int) check(syscall(SYS_SECCOMP, operation, flags, args.address(), 0, 0, 0), "seccomp");
    }
}
