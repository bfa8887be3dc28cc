package javisor.sys.seccomp;

/**
 * One classic BPF instruction (struct sock_filter): {@code code}, the jump offsets {@code jt} and {@code jf} (0-255,
 * counted from the next instruction), and the operand {@code k}.
 */
public record BpfInstruction(int code, int jt, int jf, int k) {
    public BpfInstruction {
        if (code < 0 || code > 0xffff || jt < 0 || jt > 255 || jf < 0 || jf > 255) {
            throw new IllegalArgumentException("not a BPF instruction: " + code + " " + jt + " " + jf + " " + k);
        }
    }

    /** A = the 32-bit word at {@code offset} of struct seccomp_data. */
    static BpfInstruction loadWord(int offset) {
        return new BpfInstruction(SeccompAbi.BPF_LD | SeccompAbi.BPF_W | SeccompAbi.BPF_ABS, 0, 0, offset);
    }

    /** If A == k, skip {@code jt} instructions, else {@code jf}. */
    static BpfInstruction jumpIfEqual(int k, int jt, int jf) {
        return new BpfInstruction(SeccompAbi.BPF_JMP | SeccompAbi.BPF_JEQ | SeccompAbi.BPF_K, jt, jf, k);
    }

    /** If A >= k (unsigned), skip {@code jt} instructions, else {@code jf}. */
    static BpfInstruction jumpIfAtLeast(int k, int jt, int jf) {
        return new BpfInstruction(SeccompAbi.BPF_JMP | SeccompAbi.BPF_JGE | SeccompAbi.BPF_K, jt, jf, k);
    }

    /** End the program with the seccomp action {@code action}. */
    static BpfInstruction ret(int action) {
        return new BpfInstruction(SeccompAbi.BPF_RET | SeccompAbi.BPF_K, 0, 0, action);
    }
}
