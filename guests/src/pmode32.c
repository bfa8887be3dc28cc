/*
 * pmode32.elf - a plain ELF32 (no Multiboot header), for a loader that enters it in flat
 * 32-bit protected mode with paging off. Checks that this is so and that RAM far from the
 * image (3 MiB, so the VM needs at least 4 MiB) reads back what was written.
 * Prints "protected mode OK\n" and stops with 0x20; on a failed check says why and stops with 0x21.
 */
#include "javisor.h"

#define CR0_PE (1u << 0)
#define CR0_PG (1u << 31)
#define FAR_RAM 0x300000

static __attribute__((noreturn)) void fail(const char *why, uint32_t value)
{
    serial_puts("protected mode FAILED: ");
    serial_puts(why);
    serial_putc(' ');
    serial_put_hex(value);
    serial_putc('\n');
    guest_exit(0x21);
}

void guest_main(void)
{
    uint32_t cr0;
    __asm__ volatile("mov %%cr0, %0" : "=r"(cr0));
    if (!(cr0 & CR0_PE))
        fail("CR0.PE is clear, cr0=", cr0);
    if (cr0 & CR0_PG)
        fail("paging is on, cr0=", cr0);

    /* Two complementary patterns, so that every bit has been seen both 0 and 1. */
    static const uint32_t patterns[] = { 0x5aa55aa5, 0xa55aa55a };
    for (unsigned i = 0; i < sizeof patterns / sizeof patterns[0]; i++) {
        write32(FAR_RAM, patterns[i]);
        uint32_t got = read32(FAR_RAM);
        if (got != patterns[i])
            fail("RAM at 0x300000 does not keep what was written, read", got);
    }

    serial_puts("protected mode OK\n");
    guest_exit(0x20);
}
