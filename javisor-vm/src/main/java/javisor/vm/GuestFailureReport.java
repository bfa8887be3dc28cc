package javisor.vm;

import java.util.Arrays;
import java.util.HexFormat;

import javisor.sys.kvm.Segment;
import javisor.sys.kvm.SpecialRegs;
import javisor.vcpu.VCpuExit;

/** Turns a failing exit into the report a user needs: what happened, where, the bytes and the registers. */
final class GuestFailureReport {
    private GuestFailureReport() {
    }

    static StopReason.GuestFailure of(int vcpuId, VCpuExit exit) {
        return switch (exit) {
            case VCpuExit.EmulationFailure(byte[] insn, long gpaRip, var regs, var sregs) -> {
                String summary = "vCPU " + vcpuId + ": KVM could not emulate the instruction at guest-physical "
                        + (gpaRip < 0 ? "(untranslatable RIP)" : "0x" + Long.toHexString(gpaRip))
                        + ", bytes [" + HexFormat.ofDelimiter(" ").formatHex(insn) + "]";
                yield new StopReason.GuestFailure(summary, summary + "\n" + regs + "\n" + describe(sregs));
            }
            case VCpuExit.InternalError(int suberror, long[] data, var regs, var sregs) -> {
                String summary = "vCPU " + vcpuId + ": KVM internal error, suberror " + suberror + ", data "
                        + Arrays.stream(data).mapToObj(d -> "0x" + Long.toHexString(d)).toList();
                yield new StopReason.GuestFailure(summary, summary + "\n" + regs + "\n" + describe(sregs));
            }
            case VCpuExit.FailEntry(long reason, var regs, var sregs) -> {
                String summary = "vCPU " + vcpuId + ": the CPU refused to enter the guest, hardware reason 0x"
                        + Long.toHexString(reason);
                yield new StopReason.GuestFailure(summary, summary + "\n" + regs + "\n" + describe(sregs));
            }
            case VCpuExit.Shutdown s -> new StopReason.GuestFailure("vCPU " + vcpuId
                    + ": triple fault (the guest CPU shut down)", "triple fault on vCPU " + vcpuId);
            default -> new StopReason.GuestFailure("vCPU " + vcpuId + ": unexpected exit " + exit,
                    "unexpected exit " + exit);
        };
    }

    static String describe(SpecialRegs s) {
        return "cs=" + segment(s.cs()) + " ss=" + segment(s.ss()) + "\n"
                + String.format("cr0=%016x cr3=%016x cr4=%016x efer=%016x%ngdt=%x/%x idt=%x/%x",
                s.cr0(), s.cr3(), s.cr4(), s.efer(), s.gdt().base(), s.gdt().limit(), s.idt().base(),
                s.idt().limit());
    }

    private static String segment(Segment g) {
        return String.format("%04x(base=%x limit=%x type=%x%s%s)", g.selector(), g.base(), g.limit(), g.type(),
                g.l() ? " L" : "", g.db() ? " D" : "");
    }
}
