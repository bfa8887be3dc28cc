import java.io.FileOutputStream;
import java.io.FileDescriptor;
import java.io.IOException;
import java.lang.foreign.MemorySegment;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.file.Files;
import java.nio.file.Path;

import javisor.sys.HostMapping;
import javisor.sys.kvm.DescriptorTable;
import javisor.sys.kvm.Kvm;
import javisor.sys.kvm.KvmConstants;
import javisor.sys.kvm.KvmRun;
import javisor.sys.kvm.Regs;
import javisor.sys.kvm.Segment;
import javisor.sys.kvm.SpecialRegs;
import javisor.sys.kvm.VcpuFd;
import javisor.sys.kvm.VmFd;

import static java.lang.foreign.ValueLayout.JAVA_INT_UNALIGNED;
import static java.lang.foreign.ValueLayout.JAVA_LONG_UNALIGNED;

/**
 * kvm-loop.c's twin in Java: the same minimal VMM (one VM, one vCPU, in-kernel irqchip and PIT, guest RAM at 0,
 * an optional read-only page, one switch on the exit reason) on javisor-sys's KVM handles and nothing else of
 * Javisor. Between the C loop and Javisor it separates what the JVM and FFM cost per exit from what Javisor's exit
 * dispatch (exit records, bus lookup, device models, run-loop checks) adds. Native access stays in javisor-sys,
 * as everywhere in the project.
 *
 * <p>Usage: {@code java -p LIB --add-modules javisor.sys --enable-native-access=javisor.sys -cp OUT KvmLoop
 * [-m MiB] [-r GPA] [-c CMDLINE] KERNEL.elf}; exit status as kvm-loop.c: (v << 1) | 1 after a debug-exit write of
 * v, 0 after power-off, 4 guest failure. bench/run-all compiles this with javac against Javisor's jars and runs it
 * with the launcher's JVM flags.
 */
public final class KvmLoop {
    private KvmLoop() {
    }

    public static void main(String[] args) throws IOException {
        long memMiB = 128;
        long roGpa = -1;
        String cmdline = "";
        String kernel = null;
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
        Kvm kvm = Kvm.open();
        VmFd vm = kvm.createVm();
        HostMapping ram = HostMapping.anonymous(ramSize);
        long host = ram.hostAddress();
        // Memory slots before the irqchip, as Javisor (after it each one waits out an SRCU grace period).
        if (roGpa >= 0 && roGpa < ramSize) {
            vm.setUserMemoryRegion(0, 0, 0, roGpa, host);
            if (roGpa + 0x1000 < ramSize) {
                vm.setUserMemoryRegion(2, 0, roGpa + 0x1000, ramSize - roGpa - 0x1000, host + roGpa + 0x1000);
            }
        } else {
            vm.setUserMemoryRegion(0, 0, 0, ramSize, host);
        }
        if (roGpa >= 0) {
            HostMapping page = HostMapping.anonymous(0x1000);
            vm.setUserMemoryRegion(1, KvmConstants.MEM_READONLY, roGpa, 0x1000, page.hostAddress());
        }
        vm.setTssAddr(0xfffbd000L);
        vm.createIrqchip();
        vm.createPit2(1); // KVM_PIT_SPEAKER_DUMMY

        VcpuFd vcpu = vm.createVcpu(0);
        vcpu.setCpuid2(kvm.supportedCpuid());
        MemorySegment mem = ram.segment();
        long entry = loadElf(Path.of(kernel), mem);
        // Flat GDT at 0x500; Multiboot info at 0x6000 (memory sizes, command line at 0x7000).
        mem.set(JAVA_LONG_UNALIGNED, 0x508, 0x00cf9b000000ffffL);
        mem.set(JAVA_LONG_UNALIGNED, 0x510, 0x00cf93000000ffffL);
        mem.set(JAVA_INT_UNALIGNED, 0x6000, 0x5);
        mem.set(JAVA_INT_UNALIGNED, 0x6004, 639);
        mem.set(JAVA_INT_UNALIGNED, 0x6008, (int) ((ramSize - 0x100000) >> 10));
        mem.set(JAVA_INT_UNALIGNED, 0x6010, 0x7000);
        mem.asSlice(0x7000).setString(0, cmdline);

        Segment code = new Segment(0, 0xffffffff, 0x08, 0xb, true, 0, true, true, false, true, false, false);
        Segment data = new Segment(0, 0xffffffff, 0x10, 0x3, true, 0, true, true, false, true, false, false);
        SpecialRegs reset = vcpu.getSregs();
        vcpu.setSregs(reset.withSegments(code, data)
                .withTables(new DescriptorTable(0x500, 23), reset.idt(), reset.tr())
                .withControl(0x11, 0, 0, 0)); // CR0: PE, ET
        vcpu.setRegs(Regs.initial().with(Regs.Reg.RAX, 0x2BADB002L).with(Regs.Reg.RBX, 0x6000)
                .with(Regs.Reg.RIP, entry));
        System.exit(loop(vcpu, vcpu.kvmRun()));
    }

    /** Copies the ELF32 PT_LOAD segments to their physical addresses; returns the entry point. */
    private static long loadElf(Path path, MemorySegment ram) throws IOException {
        byte[] img = Files.readAllBytes(path);
        ByteBuffer b = ByteBuffer.wrap(img).order(ByteOrder.LITTLE_ENDIAN);
        if (img.length < 52 || b.getInt(0) != 0x464c457f || img[4] != 1) {
            System.err.println("KvmLoop: not an ELF32 image");
            System.exit(2);
        }
        int phoff = b.getInt(28);
        int phentsize = b.getShort(42) & 0xffff;
        int phnum = b.getShort(44) & 0xffff;
        for (int i = 0; i < phnum; i++) {
            int p = phoff + i * phentsize;
            if (b.getInt(p) != 1) {
                continue;
            }
            int offset = b.getInt(p + 4);
            int paddr = b.getInt(p + 12);
            int filesz = b.getInt(p + 16);
            int memsz = b.getInt(p + 20);
            MemorySegment.copy(MemorySegment.ofArray(img), offset, ram, paddr, filesz);
            ram.asSlice(paddr + (long) filesz, memsz - filesz).fill((byte) 0);
        }
        return b.getInt(24) & 0xffffffffL;
    }

    /** Javisor's hypercall trap as kvm-loop.c answers it: GET_VM_ID (10) is VM 1, anything else -ENOSYS. */
    private static void hypercall(VcpuFd vcpu) {
        Regs regs = vcpu.getRegs();
        long nr = vcpu.getSregs().cs().l() ? regs.rax() : regs.rax() & 0xffff_ffffL;
        vcpu.setRegs(regs.with(Regs.Reg.RAX, nr == 10 ? 1 : -38));
    }

    private static int loop(VcpuFd vcpu, KvmRun run) throws IOException {
        FileOutputStream console = new FileOutputStream(FileDescriptor.out);
        long[] uart = new long[8];
        for (;;) {
            int r = vcpu.run();
            if (r < 0) {
                if (r == -4 || r == -11) { // EINTR, EAGAIN
                    continue;
                }
                System.err.println("KvmLoop: KVM_RUN failed, errno " + -r);
                return 6;
            }
            switch (run.exitReason()) {
                case KvmConstants.EXIT_IO -> {
                    boolean out = run.ioDirection() == KvmConstants.EXIT_IO_OUT;
                    int size = run.ioSize();
                    int port = run.ioPort();
                    int count = run.ioCount();
                    long data = run.ioDataOffset();
                    for (int i = 0; i < count; i++, data += size) {
                        if (out) {
                            long v = run.readData(data, size);
                            if (port == 0x3f8) {
                                console.write((int) v);
                            } else if (port > 0x3f8 && port <= 0x3ff) {
                                uart[port - 0x3f8] = v;
                            } else if (port == 0xf4) {
                                return (int) (((v << 1) | 1) & 0xff);
                            } else if (port == 0x604 && size == 2 && v == 0x2000) {
                                return 0;
                            } else if (port == 0xe0 && size == 4) {
                                hypercall(vcpu);
                            }
                        } else {
                            long fill = port == 0xf4 ? 0 : port == 0x3fd ? 0x60
                                    : port >= 0x3f8 && port <= 0x3ff ? uart[port - 0x3f8] : -1;
                            run.writeData(data, size, fill);
                        }
                    }
                }
                case KvmConstants.EXIT_MMIO -> {
                    if (!run.mmioIsWrite()) {
                        run.writeData(KvmRun.mmioDataOffset(), run.mmioLen(), -1);
                    }
                }
                case KvmConstants.EXIT_INTR, KvmConstants.EXIT_HLT -> {
                }
                default -> {
                    System.err.println("KvmLoop: guest failed or unhandled exit, reason " + run.exitReason());
                    return 4;
                }
            }
        }
    }
}
