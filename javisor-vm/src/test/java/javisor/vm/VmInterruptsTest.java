package javisor.vm;

import org.junit.jupiter.api.Test;

import static org.assertj.core.api.Assertions.assertThat;

/** The MSI address the hypervisor sends to a vCPU (KVM_SIGNAL_MSI; Intel SDM vol. 3, 11.11.1 "Message Address"). */
class VmInterruptsTest {
    @Test
    void anXapicIdSitsInAddressBits19To12() {
        assertThat(VmInterrupts.msiAddress(0)).isEqualTo(0xfee0_0000L);
        assertThat(VmInterrupts.msiAddress(5)).isEqualTo(0xfee0_5000L);
        assertThat(VmInterrupts.msiAddress(255)).isEqualTo(0xfeef_f000L);
    }

    @Test
    void anX2apicIdAbove255PutsItsUpperBitsInTheHighAddressWord() {
        // KVM_X2APIC_API_USE_32BIT_IDS: destination = address_hi[31:8] << 8 | address_lo[19:12].
        long address = VmInterrupts.msiAddress(0x3ff);
        assertThat(address >>> 32).isEqualTo(0x300);
        assertThat(address & 0xffff_ffffL).isEqualTo(0xfeef_f000L);
        int destination = (int) ((address >>> 32) & ~0xffL) | (int) ((address >>> 12) & 0xff);
        assertThat(destination).isEqualTo(0x3ff);
        assertThat(VmInterrupts.msiAddress(256) >>> 32).isEqualTo(0x100);
    }
}
