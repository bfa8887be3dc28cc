package javisor.sys.net;

import java.io.IOException;
import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;

import javisor.sys.Errno;
import javisor.sys.LibC;
import javisor.sys.NativeException;

import static java.lang.foreign.ValueLayout.JAVA_INT;
import static java.lang.foreign.ValueLayout.JAVA_SHORT;

/**
 * A Linux tap device (Documentation/networking/tuntap.rst): Ethernet frames in and out through a file
 * descriptor, each preceded by a 12-byte virtio-net header (struct virtio_net_hdr_v1: IFF_VNET_HDR with
 * TUNSETVNETHDRSZ 12), the header a virtio 1.x driver puts before its frames too. So a frame goes between the
 * tap and guest memory in one readv or writev, the only copy being the kernel's.
 *
 * <p>The descriptor is non-blocking: a read with nothing queued returns {@link LibC#WOULD_BLOCK}, and the
 * reader polls {@link #fd()}. Frames the reader does not take wait in the kernel's queue (the device's
 * {@code txqueuelen}); beyond it the kernel drops them and counts them in {@link #droppedByKernel()}. One thread
 * reads and one thread writes at a time (each has its iovec array here).
 */
public final class Tap implements AutoCloseable {
    /** sizeof(struct virtio_net_hdr_v1). */
    public static final int VNET_HDR_SIZE = 12;
    /** TUNSETOFFLOAD flags (linux/if_tun.h): what the kernel may hand us unfinished. */
    public static final int TUN_F_CSUM = 0x01;
    public static final int TUN_F_TSO4 = 0x02;
    public static final int TUN_F_TSO6 = 0x04;
    public static final int TUN_F_TSO_ECN = 0x08;
    public static final int TUN_F_UFO = 0x10;
    /** IFNAMSIZ - 1: the longest interface name. */
    public static final int MAX_NAME = 15;

    // linux/if_tun.h: _IOW('T', 202, int) and friends.
    static final long TUNSETIFF = 0x400454caL;
    static final long TUNSETOFFLOAD = 0x400454d0L;
    static final long TUNSETVNETHDRSZ = 0x400454d8L;
    static final short IFF_TAP = 0x0002;
    static final short IFF_NO_PI = 0x1000;
    static final short IFF_VNET_HDR = 0x4000;
    // linux/sockios.h, linux/if.h
    static final long SIOCGIFFLAGS = 0x8913;
    static final long SIOCSIFFLAGS = 0x8914;
    static final short IFF_UP = 0x1;
    private static final int AF_INET = 2;
    private static final int SOCK_DGRAM = 2;
    /** sizeof(struct ifreq): the name, then a union whose first member here is short ifr_flags. */
    static final int IFREQ_SIZE = 40;

    private final String name;
    private final int fd;
    private final boolean created;
    private final int supportedOffloads;
    // The iovec arrays of the reading and the writing thread, made once: a frame costs no allocation here.
    private final Arena arena = Arena.ofShared();
    private final MemorySegment readIov = LibC.iovecs(arena, LibC.UIO_MAXIOV);
    private final MemorySegment writeIov = LibC.iovecs(arena, LibC.UIO_MAXIOV);
    private volatile boolean closed;

    private Tap(String name, int fd, boolean created, int supportedOffloads) {
        this.name = name;
        this.fd = fd;
        this.created = created;
        this.supportedOffloads = supportedOffloads;
    }

    /** A tap could not be opened or set up; the message names the device and what to do. */
    public static final class TapException extends RuntimeException {
        private static final long serialVersionUID = 1L;

        TapException(String message, Throwable cause) {
            super(message, cause);
        }
    }

    /**
     * Attaches to the tap {@code name}, creating it (and setting it up) when there is none and this process may
     * (CAP_NET_ADMIN). A tap Javisor created lives as long as this descriptor, as any tap not made persistent.
     *
     * @throws IllegalArgumentException for a name Linux would not take
     * @throws TapException             naming the tap and the reason, with what to do about it
     */
    public static Tap open(String name) {
        checkName(name);
        boolean existed = Files.exists(Path.of("/sys/class/net", name));
        int fd;
        try {
            fd = LibC.open("/dev/net/tun", LibC.O_RDWR | LibC.O_NONBLOCK | LibC.O_CLOEXEC);
        } catch (NativeException e) {
            throw new TapException("tap " + name + ": cannot open /dev/net/tun (" + LibC.strerror(e.errno())
                    + (e.errno() == Errno.ENOENT ? "; load the tun module: modprobe tun" : "") + ")", e);
        }
        try (Arena arena = Arena.ofConfined()) {
            MemorySegment ifreq = ifreq(arena, name);
            ifreq.set(JAVA_SHORT, 16, (short) (IFF_TAP | IFF_NO_PI | IFF_VNET_HDR));
            try {
                LibC.ioctl(fd, TUNSETIFF, ifreq.address(), "TUNSETIFF");
            } catch (NativeException e) {
                throw new TapException("tap " + name + ": " + attachProblem(name, existed, e.errno()), e);
            }
            MemorySegment size = arena.allocateFrom(JAVA_INT, VNET_HDR_SIZE);
            try {
                LibC.ioctl(fd, TUNSETVNETHDRSZ, size.address(), "TUNSETVNETHDRSZ");
            } catch (NativeException e) {
                throw new TapException("tap " + name + ": the kernel refused a " + VNET_HDR_SIZE
                        + "-byte virtio-net header (" + LibC.strerror(e.errno()) + ")", e);
            }
            int offloads = probeOffloads(fd);
            if (!existed) {
                setUp(arena, name);
            }
            return new Tap(name, fd, !existed, offloads);
        } catch (RuntimeException e) {
            LibC.close(fd);
            throw e;
        }
    }

    /** Whether Linux takes {@code name} for an interface: 1 to 15 printable characters, no '/', ':' or spaces. */
    public static boolean validName(String name) {
        return !name.isEmpty() && name.length() <= MAX_NAME && !name.equals(".") && !name.equals("..")
                && name.chars().allMatch(c -> c > ' ' && c < 0x7f && c != '/' && c != ':');
    }

    static void checkName(String name) {
        if (!validName(name)) {
            throw new IllegalArgumentException("\"" + name + "\" is not a network interface name (1 to " + MAX_NAME
                    + " printable characters, no '/', ':' or spaces)");
        }
    }

    private static String attachProblem(String name, boolean existed, int errno) {
        return switch (errno) {
            case Errno.EPERM -> existed
                    ? "not allowed to attach to it (it belongs to another user; ip tuntap add " + name
                            + " mode tap user USER makes one a user may take)"
                    : "there is none, and this process may not create one (it needs CAP_NET_ADMIN): create it first "
                            + "with ip tuntap add " + name + " mode tap user $USER";
            case Errno.EBUSY -> "in use by another process";
            case Errno.EINVAL -> "there is an interface of that name which is not a tap device";
            default -> "TUNSETIFF failed: " + LibC.strerror(errno);
        };
    }

    /** The largest set of offloads the kernel accepts, tried from the most to none; left off until negotiated. */
    private static int probeOffloads(int fd) {
        int all = TUN_F_CSUM | TUN_F_TSO4 | TUN_F_TSO6 | TUN_F_TSO_ECN;
        int[] tries = {all | TUN_F_UFO, all, TUN_F_CSUM | TUN_F_TSO4 | TUN_F_TSO6, TUN_F_CSUM};
        int supported = 0;
        for (int t : tries) {
            if (LibC.ioctlRaw(fd, TUNSETOFFLOAD, t) == 0) {
                supported = t;
                break;
            }
        }
        LibC.ioctl(fd, TUNSETOFFLOAD, 0, "TUNSETOFFLOAD");
        return supported;
    }

    /** Brings a tap this process created up (IFF_UP), as a freshly created one is down. */
    private static void setUp(Arena arena, String name) {
        int sock = LibC.socket(AF_INET, SOCK_DGRAM, 0);
        try {
            MemorySegment ifreq = ifreq(arena, name);
            LibC.ioctl(sock, SIOCGIFFLAGS, ifreq.address(), "SIOCGIFFLAGS");
            ifreq.set(JAVA_SHORT, 16, (short) (ifreq.get(JAVA_SHORT, 16) | IFF_UP));
            LibC.ioctl(sock, SIOCSIFFLAGS, ifreq.address(), "SIOCSIFFLAGS");
        } finally {
            LibC.close(sock);
        }
    }

    private static MemorySegment ifreq(Arena arena, String name) {
        MemorySegment ifreq = arena.allocate(IFREQ_SIZE, 8);
        byte[] bytes = name.getBytes(StandardCharsets.US_ASCII);
        MemorySegment.copy(MemorySegment.ofArray(bytes), 0, ifreq, 0, bytes.length);
        return ifreq;
    }

    public String name() {
        return name;
    }

    /** The descriptor, for poll(2). */
    public int fd() {
        return fd;
    }

    /** Whether this process created the tap (it goes when the tap is closed). */
    public boolean created() {
        return created;
    }

    /** The TUN_F_* offloads the kernel accepted for this tap. */
    public int supportedOffloads() {
        return supportedOffloads;
    }

    /**
     * TUNSETOFFLOAD: which unfinished frames (partial checksums, TSO and UFO super-frames) the kernel may hand
     * to {@link #read}: those the guest driver said it takes.
     *
     * @throws IllegalArgumentException for flags outside {@link #supportedOffloads()}
     */
    public void setOffloads(int flags) {
        if ((flags & ~supportedOffloads) != 0) {
            throw new IllegalArgumentException("tap " + name + ": offloads 0x" + Integer.toHexString(flags)
                    + " beyond the supported 0x" + Integer.toHexString(supportedOffloads));
        }
        LibC.ioctl(fd, TUNSETOFFLOAD, flags, "TUNSETOFFLOAD");
    }

    /**
     * Reads one frame, header first, into {@code into} (native memory); returns its length with the header, or
     * {@link LibC#WOULD_BLOCK} when none is queued. A frame longer than the buffers is cut short by the kernel:
     * give a tail buffer big enough for the largest frame to see its true length.
     */
    public long read(List<MemorySegment> into) {
        return LibC.readv(fd, into, readIov);
    }

    /** Writes one frame, header first, from {@code from}; returns the bytes taken or {@link LibC#WOULD_BLOCK}. */
    public long write(List<MemorySegment> from) {
        return LibC.writev(fd, from, writeIov);
    }

    /**
     * Frames the kernel dropped on their way to this reader because its queue was full (tx_dropped), or -1 when
     * this process cannot see the tap's statistics (it moved to another network namespace).
     */
    public long droppedByKernel() {
        try {
            return Long.parseLong(Files.readString(Path.of("/sys/class/net", name, "statistics", "tx_dropped"))
                    .strip());
        } catch (IOException | NumberFormatException e) {
            return -1;
        }
    }

    @Override
    public void close() {
        if (!closed) {
            closed = true;
            LibC.close(fd);
            arena.close();
        }
    }

    @Override
    public String toString() {
        return "tap " + name;
    }
}
