import java.io.IOException;
import java.lang.foreign.Arena;
import java.lang.foreign.FunctionDescriptor;
import java.lang.foreign.Linker;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.SymbolLookup;
import java.lang.foreign.ValueLayout;
import java.lang.invoke.MethodHandle;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.file.Files;
import java.nio.file.Path;

/**
 * kvm-loop.c's twin in Java: the same minimal VMM (one VM, one vCPU, in-kernel irqchip and PIT, guest RAM at 0,
 * an optional read-only page, one switch on the exit reason) through the FFM API, with nothing of Javisor in
 * it. Between the C loop and Javisor it separates what the JVM and FFM cost per exit from what Javisor's exit
 * dispatch (exit decoding, bus lookup, device models, run-loop checks) adds.
 *
 * <p>Usage: {@code java --enable-native-access=ALL-UNNAMED KvmLoop [-m MiB] [-r GPA] [-c CMDLINE] KERNEL.elf};
 * exit status as kvm-loop.c: (v << 1) | 1 after a debug-exit write of v, 0 after power-off, 4 guest failure.
 * Struct offsets and ioctl numbers are those of {@code <linux/kvm.h>} on x86_64 (kvm-loop.c compiles
 * against the header). bench/run-all compiles this with javac and runs it with the launcher's JVM flags.
 */
public final class KvmLoop {
    private static final long CREATE_VM = 0xae01, VCPU_MMAP_SIZE = 0xae04, CREATE_VCPU = 0xae41;
    private static final long SET_USER_MEMORY_REGION = 0x4020ae46L, SET_TSS_ADDR = 0xae47, CREATE_IRQCHIP = 0xae60;
    private static final long CREATE_PIT2 = 0x4040ae77L, RUN = 0xae80, SET_REGS = 0x4090ae82L;
    private static final long GET_SREGS = 0x8138ae83L, SET_SREGS = 0x4138ae84L;
    private static final long GET_SUPPORTED_CPUID = 0xc008ae05L, SET_CPUID2 = 0x4008ae90L;
    private static final int EXIT_IO = 2, EXIT_HLT = 5, EXIT_MMIO = 6, EXIT_SHUTDOWN = 8, EXIT_FAIL_ENTRY = 9;
    private static final int EXIT_INTR = 10, EXIT_INTERNAL_ERROR = 17;
    private static final int EINTR = 4, EAGAIN = 11;

    private static final Linker LINKER = Linker.nativeLinker();
    private static final SymbolLookup LIBC = LINKER.defaultLookup();
    private static final MethodHandle IOCTL = LINKER.downcallHandle(LIBC.find("ioctl").orElseThrow(),
            FunctionDescriptor.of(ValueLayout.JAVA_INT, ValueLayout.JAVA_INT, ValueLayout.JAVA_LONG,
                    ValueLayout.JAVA_LONG),
            Linker.Option.firstVariadicArg(2), Linker.Option.captureCallState("errno"));
    private static final MethodHandle OPEN = LINKER.downcallHandle(LIBC.find("open").orElseThrow(),
            FunctionDescriptor.of(ValueLayout.JAVA_INT, ValueLayout.ADDRESS, ValueLayout.JAVA_INT),
            Linker.Option.firstVariadicArg(2));
    private static final MethodHandle MMAP = LINKER.downcallHandle(LIBC.find("mmap").orElseThrow(),
            FunctionDescriptor.of(ValueLayout.JAVA_LONG, ValueLayout.JAVA_LONG, ValueLayout.JAVA_LONG,
                    ValueLayout.JAVA_INT, ValueLayout.JAVA_INT, ValueLayout.JAVA_INT, ValueLayout.JAVA_LONG));
    private static final MethodHandle WRITE = LINKER.downcallHandle(LIBC.find("write").orElseThrow(),
            FunctionDescriptor.of(ValueLayout.JAVA_LONG, ValueLayout.JAVA_INT, ValueLayout.JAVA_LONG,
                    ValueLayout.JAVA_LONG));
    private static final long ERRNO_OFFSET = Linker.Option.captureStateLayout()
            .byteOffset(java.lang.foreign.MemoryLayout.PathElement.groupElement("errno"));

    private static final MemorySegment ERRNO = Arena.global().allocate(Linker.Option.captureStateLayout());

    private KvmLoop() {
    }

    private static int ioctl(int fd, long request, long arg) throws Throwable {
        return (int) IOCTL.invokeExact(ERRNO, fd, request, arg);
    }

    private static int check(String what, int r) {
        if (r < 0) {
            System.err.println("KvmLoop: " + what + " failed, errno " + ERRNO.get(ValueLayout.JAVA_INT, ERRNO_OFFSET));
            System.exit(6);
        }
        return r;
    }

    private static MemorySegment mmap(long size, int prot, int flags, int fd) throws Throwable {
        long a = (long) MMAP.invokeExact(0L, size, prot, flags, fd, 0L);
        if (a == -1L) {
            System.err.println("KvmLoop: mmap failed");
            System.exit(6);
        }
        return MemorySegment.ofAddress(a).reinterpret(size);
    }

    public static void main(String[] args) throws Throwable {
        long memMiB = 128, roGpa = -1;
        String cmdline = "", kernel = null;
        for (int i = 0; i < args.length; i++) {
            switch (args[i]) {
                case "-m" -> memMiB = Long.decode(args[++i]);
                case "-r" -> roGpa = Long.decode(args[++i]);
                case "-c" -> cmdline = args[++i];
                default -> kernel = args[i];
            }
        }
        if (kernel == null) {
            System.err.println("usage: KvmLoop [-m MiB] [-r GPA] [-c CMDLINE] KERNEL.elf");
            System.exit(2);
        }
        long ramSize = memMiB << 20;
        final int protRw = 3, mapPrivateAnon = 0x22, mapNoReserve = 0x4000, mapShared = 1;
        try (Arena arena = Arena.ofConfined()) {
            int kvm = check("open /dev/kvm", (int) OPEN.invokeExact(arena.allocateFrom("/dev/kvm"), 02000002));
            int vm = check("KVM_CREATE_VM", ioctl(kvm, CREATE_VM, 0));
            check("KVM_SET_TSS_ADDR", ioctl(vm, SET_TSS_ADDR, 0xfffbd000L));
            check("KVM_CREATE_IRQCHIP", ioctl(vm, CREATE_IRQCHIP, 0));
            MemorySegment pit = arena.allocate(64);
            pit.set(ValueLayout.JAVA_INT, 0, 1); // KVM_PIT_SPEAKER_DUMMY
            check("KVM_CREATE_PIT2", ioctl(vm, CREATE_PIT2, pit.address()));

            MemorySegment ram = mmap(ramSize, protRw, mapPrivateAnon | mapNoReserve, -1);
            MemorySegment region = arena.allocate(32);
            if (roGpa >= 0 && roGpa < ramSize) {
                setRegion(vm, region, 0, 0, 0, roGpa, ram.address());
                if (roGpa + 0x1000 < ramSize) {
                    setRegion(vm, region, 2, 0, roGpa + 0x1000, ramSize - roGpa - 0x1000, ram.address() + roGpa + 0x1000);
                }
            } else {
                setRegion(vm, region, 0, 0, 0, ramSize, ram.address());
            }
            if (roGpa >= 0) {
                MemorySegment page = mmap(0x1000, protRw, mapPrivateAnon, -1);
                setRegion(vm, region, 1, 2 /* KVM_MEM_READONLY */, roGpa, 0x1000, page.address());
            }

            int vcpu = check("KVM_CREATE_VCPU", ioctl(vm, CREATE_VCPU, 0));
            int runSize = check("KVM_GET_VCPU_MMAP_SIZE", ioctl(kvm, VCPU_MMAP_SIZE, 0));
            MemorySegment run = mmap(runSize, protRw, mapShared, vcpu);
            MemorySegment cpuid = arena.allocate(8 + 128 * 40);
            cpuid.set(ValueLayout.JAVA_INT, 0, 128);
            check("KVM_GET_SUPPORTED_CPUID", ioctl(kvm, GET_SUPPORTED_CPUID, cpuid.address()));
            check("KVM_SET_CPUID2", ioctl(vcpu, SET_CPUID2, cpuid.address()));

            int entry = loadElf(Path.of(kernel), ram);
            // Flat GDT at 0x500; Multiboot info at 0x6000 (memory sizes, command line at 0x7000).
            ram.set(ValueLayout.JAVA_LONG_UNALIGNED, 0x508, 0x00cf9b000000ffffL);
            ram.set(ValueLayout.JAVA_LONG_UNALIGNED, 0x510, 0x00cf93000000ffffL);
            ram.set(ValueLayout.JAVA_INT_UNALIGNED, 0x6000, 0x5);
            ram.set(ValueLayout.JAVA_INT_UNALIGNED, 0x6004, 639);
            ram.set(ValueLayout.JAVA_INT_UNALIGNED, 0x6008, (int) ((ramSize - 0x100000) >> 10));
            ram.set(ValueLayout.JAVA_INT_UNALIGNED, 0x6010, 0x7000);
            ram.asSlice(0x7000).setString(0, cmdline);

            MemorySegment sregs = arena.allocate(312);
            check("KVM_GET_SREGS", ioctl(vcpu, GET_SREGS, sregs.address()));
            for (int seg = 0; seg < 6; seg++) { // cs, ds, es, fs, gs, ss
                long o = seg * 24L;
                sregs.set(ValueLayout.JAVA_LONG, o, 0);
                sregs.set(ValueLayout.JAVA_INT, o + 8, 0xffffffff);
                sregs.set(ValueLayout.JAVA_SHORT, o + 12, (short) (seg == 0 ? 0x08 : 0x10));
                byte[] attrs = {(byte) (seg == 0 ? 0xb : 0x3), 1, 0, 1, 1, 0, 1, 0, 0}; // type present dpl db s l g avl unusable
                for (int k = 0; k < attrs.length; k++) {
                    sregs.set(ValueLayout.JAVA_BYTE, o + 14 + k, attrs[k]);
                }
            }
            sregs.set(ValueLayout.JAVA_LONG, 192, 0x500);          // gdt.base
            sregs.set(ValueLayout.JAVA_SHORT, 200, (short) 23);    // gdt.limit
            sregs.set(ValueLayout.JAVA_LONG, 224, 0x11);           // cr0: PE, ET
            sregs.set(ValueLayout.JAVA_LONG, 248, 0);              // cr4
            sregs.set(ValueLayout.JAVA_LONG, 264, 0);              // efer
            check("KVM_SET_SREGS", ioctl(vcpu, SET_SREGS, sregs.address()));
            MemorySegment regs = arena.allocate(144);
            regs.set(ValueLayout.JAVA_LONG, 0, 0x2BADB002L);       // rax
            regs.set(ValueLayout.JAVA_LONG, 8, 0x6000);            // rbx
            regs.set(ValueLayout.JAVA_LONG, 128, entry & 0xffffffffL); // rip
            regs.set(ValueLayout.JAVA_LONG, 136, 2);               // rflags
            check("KVM_SET_REGS", ioctl(vcpu, SET_REGS, regs.address()));

            System.exit(loop(vcpu, run));
        }
    }

    private static void setRegion(int vm, MemorySegment r, int slot, int flags, long gpa, long size, long host)
            throws Throwable {
        r.set(ValueLayout.JAVA_INT, 0, slot);
        r.set(ValueLayout.JAVA_INT, 4, flags);
        r.set(ValueLayout.JAVA_LONG, 8, gpa);
        r.set(ValueLayout.JAVA_LONG, 16, size);
        r.set(ValueLayout.JAVA_LONG, 24, host);
        check("KVM_SET_USER_MEMORY_REGION", ioctl(vm, SET_USER_MEMORY_REGION, r.address()));
    }

    /** Copies the ELF32 PT_LOAD segments to their physical addresses; returns the entry point. */
    private static int loadElf(Path path, MemorySegment ram) throws IOException {
        byte[] img = Files.readAllBytes(path);
        ByteBuffer b = ByteBuffer.wrap(img).order(ByteOrder.LITTLE_ENDIAN);
        if (img.length < 52 || b.getInt(0) != 0x464c457f || img[4] != 1) {
            System.err.println("KvmLoop: not an ELF32 image");
            System.exit(2);
        }
        int phoff = b.getInt(28), phentsize = b.getShort(42) & 0xffff, phnum = b.getShort(44) & 0xffff;
        for (int i = 0; i < phnum; i++) {
            int p = phoff + i * phentsize;
            if (b.getInt(p) != 1) {
                continue;
            }
            int offset = b.getInt(p + 4), paddr = b.getInt(p + 12), filesz = b.getInt(p + 16), memsz = b.getInt(p + 20);
            MemorySegment.copy(MemorySegment.ofArray(img), offset, ram, paddr, filesz);
            ram.asSlice(paddr + (long) filesz, memsz - filesz).fill((byte) 0);
        }
        return b.getInt(24);
    }

    private static int loop(int vcpu, MemorySegment run) throws Throwable {
        byte[] uart = new byte[8];
        for (;;) {
            if (ioctl(vcpu, RUN, 0) < 0) {
                int errno = ERRNO.get(ValueLayout.JAVA_INT, ERRNO_OFFSET);
                if (errno == EINTR || errno == EAGAIN) {
                    continue;
                }
                check("KVM_RUN", -1);
            }
            switch (run.get(ValueLayout.JAVA_INT, 8)) {
                case EXIT_IO -> {
                    boolean out = run.get(ValueLayout.JAVA_BYTE, 32) == 1;
                    int size = run.get(ValueLayout.JAVA_BYTE, 33);
                    int port = run.get(ValueLayout.JAVA_SHORT, 34) & 0xffff;
                    int count = run.get(ValueLayout.JAVA_INT, 36);
                    long data = run.get(ValueLayout.JAVA_LONG, 40);
                    for (int i = 0; i < count; i++, data += size) {
                        if (out) {
                            if (port == 0x3f8) {
                                long unused = (long) WRITE.invokeExact(1, run.address() + data, 1L);
                            } else if (port > 0x3f8 && port <= 0x3ff) {
                                uart[port - 0x3f8] = run.get(ValueLayout.JAVA_BYTE, data);
                            } else if (port == 0xf4) {
                                int v = size == 1 ? run.get(ValueLayout.JAVA_BYTE, data) & 0xff
                                        : size == 2 ? run.get(ValueLayout.JAVA_SHORT_UNALIGNED, data) & 0xffff
                                        : run.get(ValueLayout.JAVA_INT_UNALIGNED, data);
                                return ((v << 1) | 1) & 0xff;
                            } else if (port == 0x604 && size == 2
                                    && run.get(ValueLayout.JAVA_SHORT_UNALIGNED, data) == 0x2000) {
                                return 0;
                            }
                        } else {
                            byte fill = port == 0xf4 ? 0 : port == 0x3fd ? 0x60
                                    : port >= 0x3f8 && port <= 0x3ff ? uart[port - 0x3f8] : (byte) 0xff;
                            run.asSlice(data, size).fill(fill);
                        }
                    }
                }
                case EXIT_MMIO -> {
                    if (run.get(ValueLayout.JAVA_BYTE, 52) == 0) {
                        run.asSlice(40, run.get(ValueLayout.JAVA_INT, 48)).fill((byte) 0xff);
                    }
                }
                case EXIT_INTR, EXIT_HLT -> {
                }
                case EXIT_SHUTDOWN, EXIT_FAIL_ENTRY, EXIT_INTERNAL_ERROR -> {
                    System.err.println("KvmLoop: guest failed, exit reason " + run.get(ValueLayout.JAVA_INT, 8));
                    return 4;
                }
                default -> {
                    System.err.println("KvmLoop: unhandled exit reason " + run.get(ValueLayout.JAVA_INT, 8));
                    return 4;
                }
            }
        }
    }
}
