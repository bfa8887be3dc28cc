/*
 * spin.elf - prints "spinning\n" and then loops forever with interrupts off: a vCPU that
 * never exits on its own, for testing that stop and kick get it out of KVM_RUN.
 */
#include "javisor.h"

void guest_main(void)
{
    serial_puts("spinning\n");
    __asm__ volatile("cli\n"
                     "1: jmp 1b");
    __builtin_unreachable();
}
