package javisor.vcpu.hypercall;

import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.BooleanSupplier;

import javisor.sys.kvm.Regs;
import javisor.sys.kvm.Regs.Reg;
import javisor.vcpu.VCpuExit;
import org.junit.jupiter.api.Test;

import static org.assertj.core.api.Assertions.assertThat;

class HypercallAbiTest {
    private static final Regs CALL = Regs.initial().with(Reg.RAX, 10).with(Reg.RDI, 0x1000).with(Reg.RSI, 2)
            .with(Reg.RDX, 3).with(Reg.RCX, 4).with(Reg.R8, 5).with(Reg.R9, 0xffff_ffffL);

    @Test
    void registersWithClearUpperHalvesAreDecodedWithoutAskingTheMode() {
        AtomicInteger asked = new AtomicInteger();
        VCpuExit.Hypercall h = HypercallAbi.decode(CALL, counting(asked, true));
        assertThat(h.nr()).isEqualTo(10);
        assertThat(h.args()).containsExactly(0x1000, 2, 3, 4, 5, 0xffff_ffffL);
        assertThat(asked).as("KVM_GET_SREGS for CS.L").hasValue(0);
    }

    @Test
    void anUpperHalfIsKeptIn64BitCode() {
        AtomicInteger asked = new AtomicInteger();
        VCpuExit.Hypercall h = HypercallAbi.decode(CALL.with(Reg.RSI, 0x1_0000_0002L), counting(asked, true));
        assertThat(h.args()[1]).isEqualTo(0x1_0000_0002L);
        assertThat(asked).hasValue(1);
    }

    @Test
    void upperHalvesAreCutOutside64BitCode() {
        AtomicInteger asked = new AtomicInteger();
        Regs regs = CALL.with(Reg.RAX, 0xdead_0000_0000_000aL).with(Reg.R9, 0x8000_0000_0000_0006L);
        VCpuExit.Hypercall h = HypercallAbi.decode(regs, counting(asked, false));
        assertThat(h.nr()).isEqualTo(10);
        assertThat(h.args()).containsExactly(0x1000, 2, 3, 4, 5, 6);
        assertThat(asked).hasValue(1);
    }

    @Test
    void registersOutsideTheAbiDoNotMatter() {
        AtomicInteger asked = new AtomicInteger();
        HypercallAbi.decode(CALL.with(Reg.RBX, -1).with(Reg.R10, -1).with(Reg.RIP, 0x1_0000_0000L),
                counting(asked, false));
        assertThat(asked).hasValue(0);
    }

    private static BooleanSupplier counting(AtomicInteger asked, boolean longMode) {
        return () -> {
            asked.incrementAndGet();
            return longMode;
        };
    }
}
