/*
 * emulfail.elf - prints "about to fail\n", then runs an instruction that KVM on PVM cannot
 * emulate at CPL0, so the vCPU stops with KVM_EXIT_INTERNAL_ERROR (suberror 1, emulation
 * failure). Tests check that the VMM reports that as a clean VM failure.
 * On hardware virtualization the instruction just runs and the guest stops with 0x60.
 */
#include "javisor.h"

void guest_main(void)
{
    serial_puts("about to fail\n");
    /* fwait with no x87 exception pending is a no-op on real CPUs, so nothing else changes. */
    __asm__ volatile("fwait");
    serial_puts("no emulation failure\n");
    guest_exit(0x60);
}
