/*
 * emulfail_mmio.elf - prints "about to fail\n", then jumps to 0xd0000000, where the VM has neither RAM nor a
 * device: the vCPU must fetch its next instruction from MMIO, which KVM cannot emulate on any host (VT-x,
 * AMD-V or PVM), so the vCPU stops with KVM_EXIT_INTERNAL_ERROR (emulation failure). emulfail.elf fails
 * only where its fwait needs emulating (PVM); this one fails everywhere, the KVM box included.
 * If the jump came back: "no emulation failure\n" and 0x72.
 */
#include "javisor.h"

#define NOTHING_THERE 0xd0000000u

void guest_main(void)
{
    serial_puts("about to fail\n");
    ((void (*)(void))NOTHING_THERE)();
    serial_puts("no emulation failure\n");
    guest_exit(0x72);
}
