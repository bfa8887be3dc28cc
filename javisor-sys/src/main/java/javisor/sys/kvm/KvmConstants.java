package javisor.sys.kvm;

/** Constants of the KVM API ({@code <linux/kvm.h>}) that Javisor uses by name. */
public final class KvmConstants {
    private KvmConstants() {
    }

    public static final int API_VERSION = 12;

    // Capabilities (KVM_CHECK_EXTENSION)
    public static final int CAP_IRQCHIP = 0;
    public static final int CAP_USER_MEMORY = 3;
    public static final int CAP_SET_TSS_ADDR = 4;
    public static final int CAP_EXT_CPUID = 7;
    public static final int CAP_NR_VCPUS = 9;
    public static final int CAP_NR_MEMSLOTS = 10;
    public static final int CAP_MP_STATE = 14;
    public static final int CAP_IRQFD = 32;
    public static final int CAP_PIT2 = 33;
    public static final int CAP_IOEVENTFD = 36;
    public static final int CAP_SET_IDENTITY_MAP_ADDR = 37;
    public static final int CAP_MAX_VCPUS = 66;
    public static final int CAP_SYNC_REGS = 74;
    public static final int CAP_SIGNAL_MSI = 77;
    public static final int CAP_READONLY_MEM = 81;
    public static final int CAP_X2APIC_API = 129;
    public static final int CAP_IMMEDIATE_EXIT = 136;
    public static final int CAP_EXIT_ON_EMULATION_FAILURE = 204;

    // Exit reasons (kvm_run.exit_reason)
    public static final int EXIT_UNKNOWN = 0;
    public static final int EXIT_EXCEPTION = 1;
    public static final int EXIT_IO = 2;
    public static final int EXIT_HYPERCALL = 3;
    public static final int EXIT_DEBUG = 4;
    public static final int EXIT_HLT = 5;
    public static final int EXIT_MMIO = 6;
    public static final int EXIT_IRQ_WINDOW_OPEN = 7;
    public static final int EXIT_SHUTDOWN = 8;
    public static final int EXIT_FAIL_ENTRY = 9;
    public static final int EXIT_INTR = 10;
    public static final int EXIT_INTERNAL_ERROR = 17;
    public static final int EXIT_SYSTEM_EVENT = 24;

    public static final int EXIT_IO_IN = 0;
    public static final int EXIT_IO_OUT = 1;

    public static final int INTERNAL_ERROR_EMULATION = 1;
    public static final long INTERNAL_ERROR_EMULATION_FLAG_INSTRUCTION_BYTES = 1;

    public static final int SYSTEM_EVENT_SHUTDOWN = 1;
    public static final int SYSTEM_EVENT_RESET = 2;
    public static final int SYSTEM_EVENT_CRASH = 3;

    // Memory slot flags
    public static final int MEM_LOG_DIRTY_PAGES = 1;
    public static final int MEM_READONLY = 2;

    // KVM_IRQFD flags
    public static final int IRQFD_FLAG_DEASSIGN = 1;
    public static final int X2APIC_API_USE_32BIT_IDS = 1;

    // kvm_run's kvm_valid_regs and kvm_dirty_regs bits, and KVM_CAP_SYNC_REGS's answer
    public static final int SYNC_X86_REGS = 1;
    public static final int SYNC_X86_SREGS = 2;

    // KVM_IOEVENTFD flags (the kvm_ioeventfd_flag_nr_* bits)
    public static final int IOEVENTFD_FLAG_DATAMATCH = 1;
    public static final int IOEVENTFD_FLAG_PIO = 2;
    public static final int IOEVENTFD_FLAG_DEASSIGN = 4;

    // Multiprocessing states
    public static final int MP_STATE_RUNNABLE = 0;
    public static final int MP_STATE_UNINITIALIZED = 1;
    public static final int MP_STATE_HALTED = 3;
}
