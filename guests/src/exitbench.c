/*
 * exitbench.elf - exit round trips for bench/: runs loops of one kind of exit each, as the Multiboot
 * command line asks, times each loop with the TSC, prints one line per loop and stops with debug-exit
 * code 0. Words (anywhere in the line, so QEMU's "kernel path first" command line works too):
 *
 *   out=N      N port writes (outb) to 0x3ff, the 16550's scratch register: a UART device handler
 *   in=N       N port reads (inb) of 0xf4, the debug-exit port: its handler returns 0
 *   mw=N       N 32-bit MMIO writes to maddr (default 0x200000: a read-only region under Javisor and
 *              bench/kvm-loop, so each write exits to the VMM)
 *   mr=N       N 32-bit MMIO reads of raddr (default 0xd0000000: nothing there, reads exit to the VMM)
 *   hc=N       N hypercalls GET_VM_ID (docs/hypercalls.md: the number in EAX, `outl` to port 0xe0, the result
 *              back in EAX), each reloading EAX first
 *   maddr=0xA  raddr=0xA   the addresses (hex, or decimal)
 *
 * N is rounded up to a multiple of 16 (the loops are unrolled 16 times, so that the loop itself
 * adds one emulated instruction per exit, the exiting instruction excepted). Every kernel-mode
 * instruction is emulated under KVM-PVM, so the guest does nothing else. Output, per loop run:
 *
 *   exitbench out n=<count> tsc=<TSC ticks for the loop>
 *
 * then `exitbench done\n`. A word with a bad number prints `exitbench: bad <word>\n` and stops
 * with 0x7e.
 */
#include "javisor.h"
#include "multiboot.h"
#include "javisor_hypercall.h"

#define MAX_CMDLINE 1024
#define UNROLL 16

#define SCRATCH_PORT (JAVISOR_COM1 + 7)
#define DEFAULT_MMIO_WRITE 0x200000u
#define DEFAULT_MMIO_READ 0xd0000000u

static inline uint64_t rdtsc(void)
{
    uint32_t lo, hi;
    __asm__ volatile("rdtsc" : "=a"(lo), "=d"(hi));
    return ((uint64_t)hi << 32) | lo;
}

/* The value of word "key=" in s (decimal or 0x hex), or `def` when absent; stops on a bad number. */
static uint32_t word_value(const char *s, const char *key, uint32_t def)
{
    for (int i = 0; i < MAX_CMDLINE && s[i]; i++) {
        if (i > 0 && s[i - 1] != ' ')
            continue;
        int k = 0;
        while (key[k] && s[i + k] == key[k])
            k++;
        if (key[k] || s[i + k] != '=')
            continue;
        const char *d = s + i + k + 1;
        uint32_t v = 0;
        int digits = 0;
        if (d[0] == '0' && d[1] == 'x') {
            for (d += 2; digits < 8; d++, digits++) {
                if (*d >= '0' && *d <= '9')
                    v = v * 16 + (uint32_t)(*d - '0');
                else if (*d >= 'a' && *d <= 'f')
                    v = v * 16 + (uint32_t)(*d - 'a' + 10);
                else
                    break;
            }
        } else {
            for (; *d >= '0' && *d <= '9' && digits < 9; d++, digits++)
                v = v * 10 + (uint32_t)(*d - '0');
        }
        if (digits == 0 || (*d != '\0' && *d != ' ')) {
            serial_puts("exitbench: bad ");
            serial_puts(key);
            serial_putc('\n');
            guest_exit(0x7e);
        }
        return v;
    }
    return def;
}

static void pio_out(uint32_t iters)
{
    __asm__ volatile("1:\n\t.rept 16\n\toutb %%al, %%dx\n\t.endr\n\tdec %0\n\tjnz 1b"
                     : "+c"(iters) : "a"(0x5a), "d"(SCRATCH_PORT) : "memory");
}

static void pio_in(uint32_t iters)
{
    uint32_t v = 0;
    __asm__ volatile("1:\n\t.rept 16\n\tinb %%dx, %%al\n\t.endr\n\tdec %0\n\tjnz 1b"
                     : "+c"(iters), "+a"(v) : "d"(JAVISOR_DEBUG_EXIT_PORT) : "memory");
}

static void mmio_write(uint32_t iters, uint32_t addr)
{
    __asm__ volatile("1:\n\t.rept 16\n\tmovl %%eax, (%%edx)\n\t.endr\n\tdec %0\n\tjnz 1b"
                     : "+c"(iters) : "a"(0xdeadbeef), "d"(addr) : "memory");
}

static void hypercall(uint32_t iters)
{
    uint32_t v;
    __asm__ volatile("1:\n\t.rept 16\n\tmovl %2, %%eax\n\toutl %%eax, %3\n\t.endr\n\tdec %0\n\tjnz 1b"
                     : "+c"(iters), "=&a"(v) : "i"(JAVISOR_HC_GET_VM_ID), "i"(JAVISOR_HC_PORT) : "memory");
}

static void mmio_read(uint32_t iters, uint32_t addr)
{
    uint32_t v = 0;
    __asm__ volatile("1:\n\t.rept 16\n\tmovl (%%edx), %%eax\n\t.endr\n\tdec %0\n\tjnz 1b"
                     : "+c"(iters), "+a"(v) : "d"(addr) : "memory");
}

static void report(const char *what, uint32_t count, uint64_t ticks)
{
    serial_puts("exitbench ");
    serial_puts(what);
    serial_puts(" n=");
    serial_put_dec(count);
    serial_puts(" tsc=");
    serial_put_hex(ticks);
    serial_putc('\n');
}

void guest_main(uint32_t magic, const struct multiboot_info *mbi)
{
    const char *cmdline = "";
    if (magic == MULTIBOOT_BOOTLOADER_MAGIC && (mbi->flags & MULTIBOOT_INFO_CMDLINE) && mbi->cmdline)
        cmdline = (const char *)(uintptr_t)mbi->cmdline;

    static const char *const kinds[] = {"out", "in", "mw", "mr", "hc"};
    uint32_t maddr = word_value(cmdline, "maddr", DEFAULT_MMIO_WRITE);
    uint32_t raddr = word_value(cmdline, "raddr", DEFAULT_MMIO_READ);
    for (int k = 0; k < 5; k++) {
        uint32_t n = word_value(cmdline, kinds[k], 0);
        if (n == 0)
            continue;
        uint32_t iters = (n + UNROLL - 1) / UNROLL;
        uint64_t t0 = rdtsc();
        switch (k) {
        case 0: pio_out(iters); break;
        case 1: pio_in(iters); break;
        case 2: mmio_write(iters, maddr); break;
        case 3: mmio_read(iters, raddr); break;
        default: hypercall(iters); break;
        }
        uint64_t t1 = rdtsc();
        report(kinds[k], iters * UNROLL, t1 - t0);
    }
    serial_puts("exitbench done\n");
    guest_exit(0);
}
