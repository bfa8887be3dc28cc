package javisor.sys.seccomp;

import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.util.ArrayList;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Set;

import static java.lang.foreign.ValueLayout.ADDRESS;
import static java.lang.foreign.ValueLayout.JAVA_BYTE;
import static java.lang.foreign.ValueLayout.JAVA_INT;
import static java.lang.foreign.ValueLayout.JAVA_SHORT;

/**
 * An allowlist filter for one kind of thread: the x86_64 system calls {@code allowed} pass, every other call gets
 * {@code otherAction} (a SECCOMP_RET_ value), and so does any call that is not a native x86_64 one: another
 * architecture's ({@code int 0x80}'s i386 calls) or the x32 ABI's (numbers with bit 30 set).
 *
 * <p>The program tests the number alone, never an argument. That keeps it inside what the kernel's per-filter
 * action cache can decide (since Linux 5.11 it runs the filter once per number when it is loaded and, for a
 * number whose answer is always ALLOW, skips the filter on every later call): a vCPU's KVM_RUN pays nothing for
 * it. Each test is followed by its own RET, so jump offsets are 0 or 1 whatever the list's length.
 *
 * @param name        what the filter is for ("vcpu", "device-io"), in reports
 * @param allowed     the allowed numbers, in the order they are tested (the hottest first)
 * @param otherAction the SECCOMP_RET_ action for every other call
 */
public record SeccompFilter(String name, List<Integer> allowed, int otherAction) {
    public SeccompFilter {
        Set<Integer> distinct = new LinkedHashSet<>(allowed);
        for (int nr : distinct) {
            if (nr < 0 || nr >= SeccompAbi.X32_SYSCALL_BIT) {
                throw new IllegalArgumentException(name + ": " + nr + " is not an x86_64 system call number");
            }
        }
        allowed = List.copyOf(distinct);
        if (2 * allowed.size() + 7 > SeccompAbi.BPF_MAXINSNS) {
            throw new IllegalArgumentException(name + ": " + allowed.size() + " calls make too long a program");
        }
    }

    /** A filter of the calls named {@code names} (as {@link SyscallNames} spells them). */
    public static SeccompFilter ofNames(String name, List<String> names, int otherAction) {
        return new SeccompFilter(name, names.stream().map(SyscallNames::number).toList(), otherAction);
    }

    /** SECCOMP_RET_ERRNO with {@code errno}: the call fails with it and is not run. */
    public static int errno(int errno) {
        return SeccompAbi.SECCOMP_RET_ERRNO | (errno & SeccompAbi.SECCOMP_RET_DATA);
    }

    /** The classic BPF program, run by the kernel on struct seccomp_data at every call of the thread. */
    public List<BpfInstruction> program() {
        List<BpfInstruction> p = new ArrayList<>(2 * allowed.size() + 7);
        p.add(BpfInstruction.loadWord(SeccompAbi.DATA_ARCH));
        p.add(BpfInstruction.jumpIfEqual(SeccompAbi.AUDIT_ARCH_X86_64, 1, 0));
        p.add(BpfInstruction.ret(otherAction));
        p.add(BpfInstruction.loadWord(SeccompAbi.DATA_NR));
        p.add(BpfInstruction.jumpIfAtLeast(SeccompAbi.X32_SYSCALL_BIT, 0, 1));
        p.add(BpfInstruction.ret(otherAction));
        for (int nr : allowed) {
            p.add(BpfInstruction.jumpIfEqual(nr, 0, 1));
            p.add(BpfInstruction.ret(SeccompAbi.SECCOMP_RET_ALLOW));
        }
        p.add(BpfInstruction.ret(otherAction));
        return p;
    }

    /** The program as a struct sock_fprog in {@code arena}, the instructions right after it. */
    public MemorySegment encode(Arena arena) {
        List<BpfInstruction> program = program();
        long size = SeccompAbi.SOCK_FILTER.byteSize();
        MemorySegment filter = arena.allocate(size * program.size(), SeccompAbi.SOCK_FILTER.byteAlignment());
        for (int i = 0; i < program.size(); i++) {
            BpfInstruction in = program.get(i);
            MemorySegment at = filter.asSlice(i * size, size);
            at.set(JAVA_SHORT, SeccompAbi.FILTER_CODE, (short) in.code());
            at.set(JAVA_BYTE, SeccompAbi.FILTER_JT, (byte) in.jt());
            at.set(JAVA_BYTE, SeccompAbi.FILTER_JF, (byte) in.jf());
            at.set(JAVA_INT, SeccompAbi.FILTER_K, in.k());
        }
        MemorySegment fprog = arena.allocate(SeccompAbi.SOCK_FPROG);
        fprog.set(JAVA_SHORT, SeccompAbi.FPROG_LEN, (short) program.size());
        fprog.set(ADDRESS, SeccompAbi.FPROG_FILTER, filter);
        return fprog;
    }
}
