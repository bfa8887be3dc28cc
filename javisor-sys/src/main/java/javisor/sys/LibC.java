package javisor.sys;

import java.lang.foreign.Arena;
import java.lang.foreign.FunctionDescriptor;
import java.lang.foreign.Linker;
import java.lang.foreign.MemoryLayout;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.StructLayout;
import java.lang.foreign.SymbolLookup;
import java.lang.invoke.MethodHandle;
import java.lang.invoke.VarHandle;

import static java.lang.foreign.ValueLayout.ADDRESS;
import static java.lang.foreign.ValueLayout.JAVA_INT;
import static java.lang.foreign.ValueLayout.JAVA_LONG;

/**
 * The gateway to the C library: every downcall Javisor makes, linked once, each public method a checked
 * wrapper that throws {@link NativeException} with the call's name and errno.
 *
 * <p>Start-up matters (each distinct downcall shape costs 5-18 ms to link), so the handles used on every run
 * are few and share shapes, and rarely used ones sit in lazily initialised holders.
 */
public final class LibC {
    private LibC() {
    }

    private static final Linker LINKER = Linker.nativeLinker();
    private static final SymbolLookup LIBC = LINKER.defaultLookup();
    private static final StructLayout CAPTURE_LAYOUT = Linker.Option.captureStateLayout();
    private static final VarHandle ERRNO = CAPTURE_LAYOUT.varHandle(MemoryLayout.PathElement.groupElement("errno"));
    private static final Linker.Option CAPTURE_ERRNO = Linker.Option.captureCallState("errno");

    /** errno capture is per thread: a vCPU thread's errno must not be read from another thread's slot. */
    private static final ThreadLocal<MemorySegment> ERRNO_SLOT =
            ThreadLocal.withInitial(() -> Arena.ofAuto().allocate(CAPTURE_LAYOUT));

    // ioctl(int, unsigned long, ...): one shape serves every ioctl (pointers are passed as their address).
    private static final MethodHandle IOCTL = link("ioctl",
            FunctionDescriptor.of(JAVA_INT, JAVA_INT, JAVA_LONG, JAVA_LONG), true,
            Linker.Option.firstVariadicArg(2));
    private static final MethodHandle OPEN = link("open",
            FunctionDescriptor.of(JAVA_INT, ADDRESS, JAVA_INT), true, Linker.Option.firstVariadicArg(2));
    private static final MethodHandle CLOSE = link("close", FunctionDescriptor.of(JAVA_INT, JAVA_INT), true);
    private static final MethodHandle MMAP = link("mmap",
            FunctionDescriptor.of(JAVA_LONG, JAVA_LONG, JAVA_LONG, JAVA_INT, JAVA_INT, JAVA_INT, JAVA_LONG), true);
    private static final MethodHandle MUNMAP = link("munmap",
            FunctionDescriptor.of(JAVA_INT, JAVA_LONG, JAVA_LONG), true);

    public static final int O_RDONLY = 0;
    public static final int O_RDWR = 2;
    public static final int O_CLOEXEC = 0x80000;

    public static final int PROT_NONE = 0;
    public static final int PROT_READ = 1;
    public static final int PROT_WRITE = 2;
    public static final int MAP_SHARED = 0x01;
    public static final int MAP_PRIVATE = 0x02;
    public static final int MAP_ANONYMOUS = 0x20;
    public static final int MAP_NORESERVE = 0x4000;
    private static final long MAP_FAILED = -1L;

    @SuppressWarnings("restricted") // the symbols are libc's own, linked with the signatures from their man pages
    private static MethodHandle link(String name, FunctionDescriptor descriptor, boolean captureErrno,
                                     Linker.Option... extra) {
        MemorySegment symbol = LIBC.find(name)
                .orElseThrow(() -> new UnsatisfiedLinkError("libc has no symbol " + name));
        Linker.Option[] options = extra;
        if (captureErrno) {
            options = java.util.Arrays.copyOf(extra, extra.length + 1);
            options[extra.length] = CAPTURE_ERRNO;
        }
        MethodHandle handle = LINKER.downcallHandle(symbol, descriptor, options);
        return handle;
    }

    private static MemorySegment errnoSlot() {
        return ERRNO_SLOT.get();
    }

    private static int lastErrno(MemorySegment slot) {
        return (int) ERRNO.get(slot, 0L);
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

    /** ioctl with an integer or pointer argument; returns the ioctl's non-negative result. */
    public static int ioctl(int fd, long request, long arg, String name) {
        MemorySegment slot = errnoSlot();
        int r;
        try {
            r = (int) IOCTL.invokeExact(slot, fd, request, arg);
        } catch (Throwable t) {
            throw rethrow(t);
        }
        if (r < 0) {
            throw new NativeException(name, lastErrno(slot));
        }
        return r;
    }

    /**
     * ioctl that reports errno instead of throwing: returns the result, or minus errno. For the hot path
     * (KVM_RUN) where EINTR is an expected answer, not an error.
     */
    public static int ioctlRaw(int fd, long request, long arg) {
        MemorySegment slot = errnoSlot();
        int r;
        try {
            r = (int) IOCTL.invokeExact(slot, fd, request, arg);
        } catch (Throwable t) {
            throw rethrow(t);
        }
        return r < 0 ? -lastErrno(slot) : r;
    }

    public static int open(String path, int flags) {
        MemorySegment slot = errnoSlot();
        int fd;
        try (Arena arena = Arena.ofConfined()) {
            fd = (int) OPEN.invokeExact(slot, arena.allocateFrom(path), flags);
        } catch (Throwable t) {
            throw rethrow(t);
        }
        if (fd < 0) {
            throw new NativeException("open(" + path + ")", lastErrno(slot));
        }
        return fd;
    }

    public static void close(int fd) {
        MemorySegment slot = errnoSlot();
        int r;
        try {
            r = (int) CLOSE.invokeExact(slot, fd);
        } catch (Throwable t) {
            throw rethrow(t);
        }
        if (r < 0) {
            throw new NativeException("close", lastErrno(slot));
        }
    }

    /** mmap; returns the mapping's address. */
    public static long mmap(long addr, long length, int prot, int flags, int fd, long offset) {
        MemorySegment slot = errnoSlot();
        long r;
        try {
            r = (long) MMAP.invokeExact(slot, addr, length, prot, flags, fd, offset);
        } catch (Throwable t) {
            throw rethrow(t);
        }
        if (r == MAP_FAILED) {
            throw new NativeException("mmap", lastErrno(slot));
        }
        return r;
    }

    public static void munmap(long addr, long length) {
        MemorySegment slot = errnoSlot();
        int r;
        try {
            r = (int) MUNMAP.invokeExact(slot, addr, length);
        } catch (Throwable t) {
            throw rethrow(t);
        }
        if (r < 0) {
            throw new NativeException("munmap", lastErrno(slot));
        }
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

    /** strerror(3) text for errno; rarely used, so linked on first use. */
    public static String strerror(int errno) {
        try {
            MemorySegment text = (MemorySegment) Rare.STRERROR.invokeExact(errno);
            return cString(text);
        } catch (Throwable t) {
            return "errno " + errno;
        }
    }

    @SuppressWarnings("restricted") // strerror returns a NUL-terminated static string; getString stops at the NUL
    private static String cString(MemorySegment text) {
        return text.reinterpret(4096).getString(0);
    }

    public static int memfdCreate(String name, int flags) {
        MemorySegment slot = errnoSlot();
        int fd;
        try (Arena arena = Arena.ofConfined()) {
            fd = (int) Rare.MEMFD_CREATE.invokeExact(slot, arena.allocateFrom(name), flags);
        } catch (Throwable t) {
            throw rethrow(t);
        }
        if (fd < 0) {
            throw new NativeException("memfd_create", lastErrno(slot));
        }
        return fd;
    }

    public static void ftruncate(int fd, long length) {
        MemorySegment slot = errnoSlot();
        int r;
        try {
            r = (int) Rare.FTRUNCATE.invokeExact(slot, fd, length);
        } catch (Throwable t) {
            throw rethrow(t);
        }
        if (r < 0) {
            throw new NativeException("ftruncate", lastErrno(slot));
        }
    }

    /** pthread_self() of the calling thread, the handle {@link #pthreadKill} takes. */
    public static long pthreadSelf() {
        try {
            return (long) Threads.PTHREAD_SELF.invokeExact();
        } catch (Throwable t) {
            throw rethrow(t);
        }
    }

    public static void pthreadKill(long thread, int signal) {
        int r;
        try {
            r = (int) Threads.PTHREAD_KILL.invokeExact(thread, signal);
        } catch (Throwable t) {
            throw rethrow(t);
        }
        if (r != 0) {
            throw new NativeException("pthread_kill", r); // pthread functions return the error number
        }
    }

    /** Pins the calling thread to the CPUs set in {@code cpuMask} (bit n = CPU n, up to 1024 CPUs). */
    public static void setCurrentThreadAffinity(long[] cpuMask) {
        MemorySegment slot = errnoSlot();
        int r;
        try (Arena arena = Arena.ofConfined()) {
            MemorySegment set = arena.allocate(128);
            for (int i = 0; i < cpuMask.length && i < 16; i++) {
                set.setAtIndex(JAVA_LONG, i, cpuMask[i]);
            }
            r = (int) Threads.SCHED_SETAFFINITY.invokeExact(slot, 0, 128L, set);
        } catch (Throwable t) {
            throw rethrow(t);
        }
        if (r < 0) {
            throw new NativeException("sched_setaffinity", lastErrno(slot));
        }
    }

    public static final int SIG_BLOCK = 0;

    /**
     * Blocks {@code signal} in the calling thread and returns the thread's previous mask as the kernel's
     * 64-bit sigset (bit n-1 = signal n).
     */
    public static long blockSignal(int signal) {
        try (Arena arena = Arena.ofConfined()) {
            MemorySegment set = arena.allocate(128); // glibc sigset_t
            MemorySegment old = arena.allocate(128);
            set.set(JAVA_LONG, 0, 1L << (signal - 1));
            int r = (int) Threads.PTHREAD_SIGMASK.invokeExact(SIG_BLOCK, set, old);
            if (r != 0) {
                throw new NativeException("pthread_sigmask", r);
            }
            return old.get(JAVA_LONG, 0);
        } catch (Throwable t) {
            throw rethrow(t);
        }
    }

    /** Takes {@code signal} off the calling thread's pending set if it is there; true if it was. */
    public static boolean consumePendingSignal(int signal) {
        MemorySegment slot = errnoSlot();
        try (Arena arena = Arena.ofConfined()) {
            MemorySegment set = arena.allocate(128);
            set.set(JAVA_LONG, 0, 1L << (signal - 1));
            MemorySegment zeroTimeout = arena.allocate(16);
            int r = (int) Threads.SIGTIMEDWAIT.invokeExact(slot, set, MemorySegment.NULL, zeroTimeout);
            return r == signal;
        } catch (Throwable t) {
            throw rethrow(t);
        }
    }

    public static int getpid() {
        try {
            return (int) Threads.GETPID.invokeExact();
        } catch (Throwable t) {
            throw rethrow(t);
        }
    }

    private static final class Rare {
        static final MethodHandle STRERROR = link("strerror", FunctionDescriptor.of(ADDRESS, JAVA_INT), false);
        static final MethodHandle MEMFD_CREATE = link("memfd_create",
                FunctionDescriptor.of(JAVA_INT, ADDRESS, JAVA_INT), true);
        static final MethodHandle FTRUNCATE = link("ftruncate",
                FunctionDescriptor.of(JAVA_INT, JAVA_INT, JAVA_LONG), true);
    }

    private static final class Threads {
        static final MethodHandle PTHREAD_SELF = link("pthread_self", FunctionDescriptor.of(JAVA_LONG), false);
        static final MethodHandle PTHREAD_KILL = link("pthread_kill",
                FunctionDescriptor.of(JAVA_INT, JAVA_LONG, JAVA_INT), false);
        static final MethodHandle SCHED_SETAFFINITY = link("sched_setaffinity",
                FunctionDescriptor.of(JAVA_INT, JAVA_INT, JAVA_LONG, ADDRESS), true);
        static final MethodHandle PTHREAD_SIGMASK = link("pthread_sigmask",
                FunctionDescriptor.of(JAVA_INT, JAVA_INT, ADDRESS, ADDRESS), false);
        static final MethodHandle SIGTIMEDWAIT = link("sigtimedwait",
                FunctionDescriptor.of(JAVA_INT, ADDRESS, ADDRESS, ADDRESS), true);
        static final MethodHandle GETPID = link("getpid", FunctionDescriptor.of(JAVA_INT), false);
    }
}
