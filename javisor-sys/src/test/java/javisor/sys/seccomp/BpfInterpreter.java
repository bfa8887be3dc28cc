package javisor.sys.seccomp;

import java.util.List;

/**
 * Runs the classic BPF instructions {@link SeccompFilter} emits (load a word of seccomp_data, JEQ and JGE against a
 * constant, RET a constant) the way the kernel does, so a filter's logic is tested without installing it. Anything
 * else, a jump out of the program, or a program that can fall off its end, fails: the kernel's checker would
 * refuse those too.
 */
final class BpfInterpreter {
    private BpfInterpreter() {
    }

    /** The action {@code program} returns for a call {@code nr} of architecture {@code arch}. */
    static int run(List<BpfInstruction> program, int nr, int arch) {
        int a = 0;
        int pc = 0;
        while (true) {
            if (pc < 0 || pc >= program.size()) {
                throw new AssertionError("the program runs off its end at " + pc);
            }
            BpfInstruction in = program.get(pc);
            int code = in.code();
            if (code == (SeccompAbi.BPF_LD | SeccompAbi.BPF_W | SeccompAbi.BPF_ABS)) {
                a = switch (in.k()) {
                    case 0 -> nr;
                    case 4 -> arch;
                    default -> throw new AssertionError("load of seccomp_data offset " + in.k() + " at " + pc);
                };
                pc++;
            } else if (code == (SeccompAbi.BPF_JMP | SeccompAbi.BPF_JEQ | SeccompAbi.BPF_K)) {
                pc += 1 + (a == in.k() ? in.jt() : in.jf());
            } else if (code == (SeccompAbi.BPF_JMP | SeccompAbi.BPF_JGE | SeccompAbi.BPF_K)) {
                pc += 1 + (Integer.compareUnsigned(a, in.k()) >= 0 ? in.jt() : in.jf());
            } else if (code == (SeccompAbi.BPF_RET | SeccompAbi.BPF_K)) {
                return in.k();
            } else {
                throw new AssertionError("unexpected instruction " + in + " at " + pc);
            }
        }
    }
}
