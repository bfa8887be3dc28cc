/*
 * longmode64.elf - an ELF64 for a loader that enters it in 64-bit long mode (low 4 GiB
 * identity-mapped). Running this code at all takes a 64-bit code segment; EFER.LMA confirms
 * that long mode is active. Prints "long mode OK\n" and stops with 0x30, else 0x31.
 */
#include "javisor.h"

#define MSR_EFER  0xc0000080
#define EFER_LMA  (1u << 10)

static inline uint64_t rdmsr(uint32_t msr)
{
    uint32_t lo, hi;
    __asm__ volatile("rdmsr" : "=a"(lo), "=d"(hi) : "c"(msr));
    return ((uint64_t)hi << 32) | lo;
}

void guest_main(void)
{
    uint64_t efer = rdmsr(MSR_EFER);
    if (!(efer & EFER_LMA)) {
        serial_puts("long mode FAILED: EFER.LMA is clear, efer=");
        serial_put_hex(efer);
        serial_putc('\n');
        guest_exit(0x31);
    }
    serial_puts("long mode OK\n");
    guest_exit(0x30);
}
