package javisor.sys.seccomp;

import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.util.ArrayList;
import java.util.List;

import javisor.sys.Errno;
import org.junit.jupiter.api.Test;

import static java.lang.foreign.ValueLayout.ADDRESS;
import static java.lang.foreign.ValueLayout.JAVA_BYTE;
import static java.lang.foreign.ValueLayout.JAVA_INT;
import static java.lang.foreign.ValueLayout.JAVA_SHORT;
import static javisor.sys.seccomp.SeccompAbi.AUDIT_ARCH_X86_64;
import static javisor.sys.seccomp.SeccompAbi.SECCOMP_RET_ALLOW;
import static javisor.sys.seccomp.SeccompAbi.SECCOMP_RET_USER_NOTIF;
import static javisor.sys.seccomp.SeccompAbi.X32_SYSCALL_BIT;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/** The allowlist program's logic, run by {@link BpfInterpreter}: no filter is installed here. */
class SeccompFilterTest {
    private static final int AUDIT_ARCH_I386 = 0x40000003;
    private static final SeccompFilter FILTER = SeccompFilter.ofNames("test", List.of("ioctl", "read", "futex"),
            SECCOMP_RET_USER_NOTIF);

    @Test
    void allowedCallsPassAndEveryOtherNumberGetsTheOtherAction() {
        List<BpfInstruction> p = FILTER.program();
        for (int nr = 0; nr <= SyscallNames.highest() + 100; nr++) {
            int expected = FILTER.allowed().contains(nr) ? SECCOMP_RET_ALLOW : SECCOMP_RET_USER_NOTIF;
            assertThat(BpfInterpreter.run(p, nr, AUDIT_ARCH_X86_64)).as("call %d", nr).isEqualTo(expected);
        }
        assertThat(BpfInterpreter.run(p, -1, AUDIT_ARCH_X86_64)).isEqualTo(SECCOMP_RET_USER_NOTIF);
    }

    @Test
    void anotherArchitecturesCallIsRefusedEvenWithAnAllowedNumber() {
        // i386's 54 is ioctl too, its 3 read: the same numbers mean other calls, so the arch is tested first.
        for (int nr : List.of(16, 0, 202, 54, 3)) {
            assertThat(BpfInterpreter.run(FILTER.program(), nr, AUDIT_ARCH_I386)).isEqualTo(SECCOMP_RET_USER_NOTIF);
        }
    }

    @Test
    void theX32AbiIsRefusedEvenWithAnAllowedNumber() {
        for (int nr : FILTER.allowed()) {
            assertThat(BpfInterpreter.run(FILTER.program(), nr | X32_SYSCALL_BIT, AUDIT_ARCH_X86_64))
                    .isEqualTo(SECCOMP_RET_USER_NOTIF);
        }
    }

    @Test
    void theProgramTestsTheNumberAloneSoTheKernelCanCacheItsAnswers() {
        // Only nr (0) and arch (4) are loaded, never an argument or the instruction pointer, and every jump is
        // short: the kernel's action cache decides such a filter per number when it is loaded.
        for (BpfInstruction in : FILTER.program()) {
            if (in.code() == (SeccompAbi.BPF_LD | SeccompAbi.BPF_W | SeccompAbi.BPF_ABS)) {
                assertThat(in.k()).isIn(0, 4);
            }
            assertThat(in.jt()).isLessThanOrEqualTo(1);
            assertThat(in.jf()).isLessThanOrEqualTo(1);
        }
    }

    @Test
    void theHottestCallIsTestedFirst() {
        List<BpfInstruction> p = FILTER.program();
        // after the arch check and the x32 check: the first JEQ on a number is the list's first entry
        assertThat(p.get(6).k()).isEqualTo(SyscallNames.number("ioctl"));
        assertThat(p).hasSize(6 + 2 * 3 + 1);
    }

    @Test
    void anEmptyListRefusesEverything() {
        SeccompFilter none = new SeccompFilter("none", List.of(), SeccompFilter.errno(Errno.EPERM));
        assertThat(BpfInterpreter.run(none.program(), 0, AUDIT_ARCH_X86_64))
                .isEqualTo(SeccompAbi.SECCOMP_RET_ERRNO | Errno.EPERM);
    }

    @Test
    void aListOfEveryCallStaysWithinTheKernelsLimitAndJumpsStayShort() {
        List<Integer> all = new ArrayList<>(SyscallNames.all().keySet());
        SeccompFilter big = new SeccompFilter("all", all, SECCOMP_RET_USER_NOTIF);
        assertThat(big.program().size()).isLessThanOrEqualTo(SeccompAbi.BPF_MAXINSNS);
        assertThat(BpfInterpreter.run(big.program(), SyscallNames.highest(), AUDIT_ARCH_X86_64))
                .isEqualTo(SECCOMP_RET_ALLOW);
    }

    @Test
    void badNumbersAreRefusedWhenTheFilterIsMade() {
        assertThatThrownBy(() -> new SeccompFilter("bad", List.of(X32_SYSCALL_BIT | 1), SECCOMP_RET_USER_NOTIF))
                .hasMessageContaining("bad");
        assertThatThrownBy(() -> SeccompFilter.ofNames("bad", List.of("no_such_call"), SECCOMP_RET_USER_NOTIF))
                .hasMessageContaining("no_such_call");
        assertThat(new SeccompFilter("dup", List.of(1, 1, 0), SECCOMP_RET_ALLOW).allowed()).containsExactly(1, 0);
    }

    @Test
    void theEncodedProgramIsTheInstructionsAsStructSockFilter() {
        try (Arena arena = Arena.ofConfined()) {
            MemorySegment fprog = FILTER.encode(arena);
            List<BpfInstruction> p = FILTER.program();
            assertThat(fprog.get(JAVA_SHORT, SeccompAbi.FPROG_LEN)).isEqualTo((short) p.size());
            MemorySegment filter = fprog.get(ADDRESS, SeccompAbi.FPROG_FILTER).reinterpret(8L * p.size());
            for (int i = 0; i < p.size(); i++) {
                BpfInstruction in = p.get(i);
                assertThat(filter.get(JAVA_SHORT, 8L * i) & 0xffff).isEqualTo(in.code());
                assertThat(filter.get(JAVA_BYTE, 8L * i + 2) & 0xff).isEqualTo(in.jt());
                assertThat(filter.get(JAVA_BYTE, 8L * i + 3) & 0xff).isEqualTo(in.jf());
                assertThat(filter.get(JAVA_INT, 8L * i + 4)).isEqualTo(in.k());
            }
        }
    }
}
