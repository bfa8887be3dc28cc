package javisor.sys.seccomp;

import java.lang.foreign.MemoryLayout;
import java.lang.foreign.StructLayout;

import static java.lang.foreign.ValueLayout.ADDRESS;
import static java.lang.foreign.ValueLayout.JAVA_BYTE;
import static java.lang.foreign.ValueLayout.JAVA_INT;
import static java.lang.foreign.ValueLayout.JAVA_LONG;
import static java.lang.foreign.ValueLayout.JAVA_SHORT;

/**
 * The kernel's seccomp ABI on x86_64: the constants of {@code <linux/seccomp.h>}, {@code <linux/filter.h>},
 * {@code <linux/audit.h>} and {@code <linux/prctl.h>} a filter needs, and the struct layouts, each under its C
 * name. {@code SeccompAbiTest} checks every public constant against the C macro of the same name and every layout
 * against the C struct.
 */
public final class SeccompAbi {
    private SeccompAbi() {
    }

    // <linux/prctl.h>
    public static final int PR_SET_NO_NEW_PRIVS = 38;
    public static final int PR_GET_SECCOMP = 21;

    // <linux/seccomp.h>: seccomp(2) operations
    public static final int SECCOMP_SET_MODE_FILTER = 1;
    public static final int SECCOMP_GET_ACTION_AVAIL = 2;
    public static final int SECCOMP_GET_NOTIF_SIZES = 3;
    /** The value of PR_GET_SECCOMP for a thread that runs filters. */
    public static final int SECCOMP_MODE_FILTER = 2;

    public static final int SECCOMP_FILTER_FLAG_LOG = 1 << 1;
    public static final int SECCOMP_FILTER_FLAG_NEW_LISTENER = 1 << 3;
    public static final int SECCOMP_FILTER_FLAG_WAIT_KILLABLE_RECV = 1 << 5;

    public static final int SECCOMP_RET_KILL_PROCESS = 0x80000000;
    public static final int SECCOMP_RET_KILL_THREAD = 0x00000000;
    public static final int SECCOMP_RET_TRAP = 0x00030000;
    public static final int SECCOMP_RET_ERRNO = 0x00050000;
    public static final int SECCOMP_RET_USER_NOTIF = 0x7fc00000;
    public static final int SECCOMP_RET_LOG = 0x7ffc0000;
    public static final int SECCOMP_RET_ALLOW = 0x7fff0000;
    public static final int SECCOMP_RET_DATA = 0x0000ffff;

    public static final int SECCOMP_USER_NOTIF_FLAG_CONTINUE = 1;

    /** _IOWR('!', 0, struct seccomp_notif). */
    public static final long SECCOMP_IOCTL_NOTIF_RECV = 0xc0502100L;
    /** _IOWR('!', 1, struct seccomp_notif_resp). */
    public static final long SECCOMP_IOCTL_NOTIF_SEND = 0xc0182101L;

    // <linux/audit.h>: EM_X86_64 | __AUDIT_ARCH_64BIT | __AUDIT_ARCH_LE
    public static final int AUDIT_ARCH_X86_64 = 0xc000003e;
    /** <asm/unistd.h>: __X32_SYSCALL_BIT, set in the number of an x32-ABI call (whose arch is x86_64 too). */
    public static final int X32_SYSCALL_BIT = 0x40000000;

    // <linux/bpf_common.h>: the classic BPF opcodes a filter here uses
    public static final int BPF_LD = 0x00;
    public static final int BPF_JMP = 0x05;
    public static final int BPF_RET = 0x06;
    public static final int BPF_W = 0x00;
    public static final int BPF_ABS = 0x20;
    public static final int BPF_JEQ = 0x10;
    public static final int BPF_JGE = 0x30;
    public static final int BPF_K = 0x00;
    /** <linux/bpf_common.h>: the longest program the kernel takes. */
    public static final int BPF_MAXINSNS = 4096;

    /** struct sock_filter: one classic BPF instruction. */
    public static final StructLayout SOCK_FILTER = MemoryLayout.structLayout(
            JAVA_SHORT.withName("code"),
            JAVA_BYTE.withName("jt"),
            JAVA_BYTE.withName("jf"),
            JAVA_INT.withName("k")).withName("sock_filter");

    /** struct sock_fprog: the program seccomp(2) takes. */
    public static final StructLayout SOCK_FPROG = MemoryLayout.structLayout(
            JAVA_SHORT.withName("len"),
            MemoryLayout.paddingLayout(6),
            ADDRESS.withName("filter")).withName("sock_fprog");

    /** struct seccomp_data: what a filter reads (its offsets are the BPF_ABS operands). */
    public static final StructLayout SECCOMP_DATA = MemoryLayout.structLayout(
            JAVA_INT.withName("nr"),
            JAVA_INT.withName("arch"),
            JAVA_LONG.withName("instruction_pointer"),
            MemoryLayout.sequenceLayout(6, JAVA_LONG).withName("args")).withName("seccomp_data");

    /** struct seccomp_notif: one call a USER_NOTIF filter held for the listener. */
    public static final StructLayout SECCOMP_NOTIF = MemoryLayout.structLayout(
            JAVA_LONG.withName("id"),
            JAVA_INT.withName("pid"),
            JAVA_INT.withName("flags"),
            SECCOMP_DATA.withName("data")).withName("seccomp_notif");

    /** struct seccomp_notif_resp: the listener's answer. */
    public static final StructLayout SECCOMP_NOTIF_RESP = MemoryLayout.structLayout(
            JAVA_LONG.withName("id"),
            JAVA_LONG.withName("val"),
            JAVA_INT.withName("error"),
            JAVA_INT.withName("flags")).withName("seccomp_notif_resp");

    // Offsets taken from the layouts above, which SeccompAbiTest checks against the C structs.
    static final int DATA_NR = (int) offset(SECCOMP_DATA, "nr");
    static final int DATA_ARCH = (int) offset(SECCOMP_DATA, "arch");
    static final long FILTER_CODE = offset(SOCK_FILTER, "code");
    static final long FILTER_JT = offset(SOCK_FILTER, "jt");
    static final long FILTER_JF = offset(SOCK_FILTER, "jf");
    static final long FILTER_K = offset(SOCK_FILTER, "k");
    static final long FPROG_LEN = offset(SOCK_FPROG, "len");
    static final long FPROG_FILTER = offset(SOCK_FPROG, "filter");
    static final long NOTIF_ID = offset(SECCOMP_NOTIF, "id");
    static final long NOTIF_PID = offset(SECCOMP_NOTIF, "pid");
    static final long NOTIF_NR = offset(SECCOMP_NOTIF, "data") + DATA_NR;
    static final long NOTIF_ARCH = offset(SECCOMP_NOTIF, "data") + DATA_ARCH;
    static final long NOTIF_IP = offset(SECCOMP_NOTIF, "data") + offset(SECCOMP_DATA, "instruction_pointer");
    static final long RESP_ID = offset(SECCOMP_NOTIF_RESP, "id");
    static final long RESP_VAL = offset(SECCOMP_NOTIF_RESP, "val");
    static final long RESP_ERROR = offset(SECCOMP_NOTIF_RESP, "error");
    static final long RESP_FLAGS = offset(SECCOMP_NOTIF_RESP, "flags");

    private static long offset(StructLayout layout, String field) {
        return layout.byteOffset(MemoryLayout.PathElement.groupElement(field));
    }
}
