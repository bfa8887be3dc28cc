package javisor.sys.kvm;

import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;

import javisor.sys.Errno;
import javisor.sys.LibC;
import javisor.sys.NativeException;

import static java.lang.foreign.ValueLayout.JAVA_INT;

/** The KVM system handle: an open {@code /dev/kvm}. */
public final class Kvm implements AutoCloseable {
    public static final String DEVICE = "/dev/kvm";

    private final int fd;
    private boolean closed;

    private Kvm(int fd) {
        this.fd = fd;
    }

    /** Opens /dev/kvm; throws {@link NativeException} naming the file when it cannot be opened. */
    public static Kvm open() {
        return new Kvm(LibC.open(DEVICE, LibC.O_RDWR | LibC.O_CLOEXEC));
    }

    /**
     * Why KVM cannot be used here, or empty when it can: checked once at start so the message can say
     * what to fix (no /dev/kvm, no permission, wrong API version, a missing capability).
     */
    public static Optional<String> unavailabilityCause(int... requiredCaps) {
        return unavailabilityCause(DEVICE, requiredCaps);
    }

    /** As {@link #unavailabilityCause(int...)}, for the KVM device at {@code device}. */
    public static Optional<String> unavailabilityCause(String device, int... requiredCaps) {
        Kvm kvm;
        try {
            kvm = new Kvm(LibC.open(device, LibC.O_RDWR | LibC.O_CLOEXEC));
        } catch (NativeException e) {
            return Optional.of(switch (e.errno()) {
                case Errno.ENOENT -> device + " does not exist: load the kvm module (kvm_intel, kvm_amd) or run"
                        + " on a host with hardware virtualization";
                case Errno.EACCES, Errno.EPERM -> "no permission to open " + device
                        + ": add this user to the kvm group or run as root";
                default -> "cannot open " + device + ": " + e.getMessage();
            });
        }
        try (kvm) {
            int version = kvm.apiVersion();
            if (version != KvmConstants.API_VERSION) {
                return Optional.of("KVM API version is " + version + ", Javisor needs " + KvmConstants.API_VERSION);
            }
            for (int cap : requiredCaps) {
                if (kvm.checkExtension(cap) <= 0) {
                    return Optional.of("KVM lacks capability " + cap + " (KVM_CAP_" + capabilityName(cap) + ")");
                }
            }
            return Optional.empty();
        }
    }

    public static String capabilityName(int cap) {
        return switch (cap) {
            case KvmConstants.CAP_IRQCHIP -> "IRQCHIP";
            case KvmConstants.CAP_USER_MEMORY -> "USER_MEMORY";
            case KvmConstants.CAP_SET_TSS_ADDR -> "SET_TSS_ADDR";
            case KvmConstants.CAP_EXT_CPUID -> "EXT_CPUID";
            case KvmConstants.CAP_MP_STATE -> "MP_STATE";
            case KvmConstants.CAP_IRQFD -> "IRQFD";
            case KvmConstants.CAP_PIT2 -> "PIT2";
            case KvmConstants.CAP_IOEVENTFD -> "IOEVENTFD";
            case KvmConstants.CAP_SET_IDENTITY_MAP_ADDR -> "SET_IDENTITY_MAP_ADDR";
            case KvmConstants.CAP_READONLY_MEM -> "READONLY_MEM";
            case KvmConstants.CAP_IMMEDIATE_EXIT -> "IMMEDIATE_EXIT";
            case KvmConstants.CAP_NR_VCPUS -> "NR_VCPUS";
            case KvmConstants.CAP_NR_MEMSLOTS -> "NR_MEMSLOTS";
            case KvmConstants.CAP_MAX_VCPUS -> "MAX_VCPUS";
            case KvmConstants.CAP_SIGNAL_MSI -> "SIGNAL_MSI";
            case KvmConstants.CAP_X2APIC_API -> "X2APIC_API";
            case KvmConstants.CAP_EXIT_ON_EMULATION_FAILURE -> "EXIT_ON_EMULATION_FAILURE";
            default -> String.valueOf(cap);
        };
    }

    public int apiVersion() {
        return LibC.ioctl(fd, KvmIoctls.KVM_GET_API_VERSION, 0, "KVM_GET_API_VERSION");
    }

    /** KVM_CHECK_EXTENSION: 0 when the capability is absent, else its value (often 1). */
    public int checkExtension(int cap) {
        return LibC.ioctl(fd, KvmIoctls.KVM_CHECK_EXTENSION, cap, "KVM_CHECK_EXTENSION");
    }

    public int vcpuMmapSize() {
        return LibC.ioctl(fd, KvmIoctls.KVM_GET_VCPU_MMAP_SIZE, 0, "KVM_GET_VCPU_MMAP_SIZE");
    }

    /** KVM_GET_SUPPORTED_CPUID: the CPUID leaves KVM can give a guest on this host. */
    public List<CpuidEntry> supportedCpuid() {
        int capacity = 256;
        while (true) {
            try (Arena arena = Arena.ofConfined()) {
                MemorySegment buf = arena.allocate(KvmStructs.KVM_CPUID2.byteSize()
                        + capacity * KvmStructs.KVM_CPUID_ENTRY2.byteSize(), 8);
                buf.set(JAVA_INT, 0, capacity);
                try {
                    LibC.ioctl(fd, KvmIoctls.KVM_GET_SUPPORTED_CPUID, buf.address(), "KVM_GET_SUPPORTED_CPUID");
                    return CpuidBuffer.read(buf);
                } catch (NativeException e) {
                    if (e.errno() != Errno.E2BIG || capacity >= 4096) {
                        throw e;
                    }
                    capacity *= 2; // the buffer was too small
                }
            }
        }
    }

    public VmFd createVm() {
        int vmFd = LibC.ioctl(fd, KvmIoctls.KVM_CREATE_VM, 0, "KVM_CREATE_VM");
        return new VmFd(vmFd, vcpuMmapSize());
    }

    @Override
    public void close() {
        if (!closed) {
            closed = true;
            LibC.close(fd);
        }
    }

    /** Reads and writes a kvm_cpuid2 buffer. */
    static final class CpuidBuffer {
        private CpuidBuffer() {
        }

        static List<CpuidEntry> read(MemorySegment buf) {
            int n = buf.get(JAVA_INT, 0);
            long header = KvmStructs.KVM_CPUID2.byteSize();
            long size = KvmStructs.KVM_CPUID_ENTRY2.byteSize();
            List<CpuidEntry> entries = new ArrayList<>(n);
            for (int i = 0; i < n; i++) {
                long o = header + i * size;
                entries.add(new CpuidEntry(buf.get(JAVA_INT, o), buf.get(JAVA_INT, o + 4), buf.get(JAVA_INT, o + 8),
                        buf.get(JAVA_INT, o + 12), buf.get(JAVA_INT, o + 16), buf.get(JAVA_INT, o + 20),
                        buf.get(JAVA_INT, o + 24)));
            }
            return entries;
        }

        static MemorySegment write(Arena arena, List<CpuidEntry> entries) {
            long header = KvmStructs.KVM_CPUID2.byteSize();
            long size = KvmStructs.KVM_CPUID_ENTRY2.byteSize();
            MemorySegment buf = arena.allocate(header + entries.size() * size, 8);
            buf.set(JAVA_INT, 0, entries.size());
            for (int i = 0; i < entries.size(); i++) {
                CpuidEntry e = entries.get(i);
                long o = header + i * size;
                buf.set(JAVA_INT, o, e.function());
                buf.set(JAVA_INT, o + 4, e.index());
                buf.set(JAVA_INT, o + 8, e.flags());
                buf.set(JAVA_INT, o + 12, e.eax());
                buf.set(JAVA_INT, o + 16, e.ebx());
                buf.set(JAVA_INT, o + 20, e.ecx());
                buf.set(JAVA_INT, o + 24, e.edx());
            }
            return buf;
        }
    }
}
