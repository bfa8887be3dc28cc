/*
 * idle.elf - an idle VM for bench/'s memory and VM-rate measures: prints "idle\n" and halts with
 * interrupts off. With an in-kernel LAPIC that HLT blocks inside KVM (no exit to the VMM, no CPU
 * time), so the VM stays up, costing only memory, until the VMM stops it.
 */
#include "javisor.h"

void guest_main(void)
{
    serial_puts("idle\n");
    halt_forever();
}
