/*
 * javisor.h - the guest SDK: port I/O, the COM1 console and the ways a guest stops.
 *
 * Header only and freestanding: it needs nothing but gcc's own <stdint.h>, and works in
 * 32-bit and 64-bit guests. The ports are the ones QEMU uses, so a guest built on this runs
 * unchanged under QEMU and under Javisor.
 */
#ifndef JAVISOR_H
#define JAVISOR_H

#include <stdint.h>

#define JAVISOR_COM1            0x3f8   /* 16550 UART: transmit holding register */
#define JAVISOR_DEBUG_EXIT_PORT 0xf4    /* QEMU isa-debug-exit (iobase=0xf4, iosize=4) */
#define JAVISOR_POWER_OFF_PORT  0x604   /* ACPI PM1a control block of QEMU's machines */
#define JAVISOR_POWER_OFF_VALUE 0x2000  /* SLP_EN with sleep type 0 (S5, soft off) */

/* ---- port I/O ------------------------------------------------------------------------ */

static inline void outb(uint16_t port, uint8_t v)
{
    __asm__ volatile("outb %0, %1" : : "a"(v), "Nd"(port));
}

static inline void outw(uint16_t port, uint16_t v)
{
    __asm__ volatile("outw %0, %1" : : "a"(v), "Nd"(port));
}

static inline void outl(uint16_t port, uint32_t v)
{
    __asm__ volatile("outl %0, %1" : : "a"(v), "Nd"(port));
}

static inline uint8_t inb(uint16_t port)
{
    uint8_t v;
    __asm__ volatile("inb %1, %0" : "=a"(v) : "Nd"(port));
    return v;
}

static inline uint16_t inw(uint16_t port)
{
    uint16_t v;
    __asm__ volatile("inw %1, %0" : "=a"(v) : "Nd"(port));
    return v;
}

static inline uint32_t inl(uint16_t port)
{
    uint32_t v;
    __asm__ volatile("inl %1, %0" : "=a"(v) : "Nd"(port));
    return v;
}

/* ---- physical memory access ------------------------------------------------------------ */

/*
 * One access of exactly the given width, done by a single mov. Device and region tests need
 * that guarantee (a plain pointer dereference may be merged, split or moved by the compiler),
 * and going through asm also keeps gcc from warning about dereferencing constant addresses.
 */
static inline uint8_t read8(uintptr_t addr)
{
    uint8_t v;
    __asm__ volatile("movb (%1), %0" : "=q"(v) : "r"(addr) : "memory");
    return v;
}

static inline uint32_t read32(uintptr_t addr)
{
    uint32_t v;
    __asm__ volatile("movl (%1), %0" : "=r"(v) : "r"(addr) : "memory");
    return v;
}

static inline void write32(uintptr_t addr, uint32_t v)
{
    __asm__ volatile("movl %0, (%1)" : : "r"(v), "r"(addr) : "memory");
}

/* ---- console on COM1 --------------------------------------------------------------------- */

/*
 * Writes straight to the transmit register without polling the line status register: an
 * emulated UART takes a byte at once, and a poll loop would hang on a machine without a UART
 * (or with a broken one) instead of losing the output. Bytes go out as they are: '\n' is not
 * turned into "\r\n", so tests can compare the output byte for byte.
 */
static inline void serial_putc(char c)
{
    outb(JAVISOR_COM1, (uint8_t)c);
}

static inline void serial_puts(const char *s)
{
    while (*s)
        serial_putc(*s++);
}

/* "0x" and the value in lower-case hex without leading zeros: 0x0, 0x9fc00, 0xdeadbeef. */
static inline void serial_put_hex(uint64_t v)
{
    int shift = 60;
    serial_putc('0');
    serial_putc('x');
    while (shift > 0 && ((v >> shift) & 0xf) == 0)
        shift -= 4;
    for (; shift >= 0; shift -= 4)
        serial_putc("0123456789abcdef"[(v >> shift) & 0xf]);
}

/* Unsigned decimal. 32 bits only: a 64-bit division would need libgcc in a 32-bit guest. */
static inline void serial_put_dec(uint32_t v)
{
    char buf[10];
    int n = 0;
    do {
        buf[n++] = (char)('0' + v % 10);
        v /= 10;
    } while (v);
    while (n)
        serial_putc(buf[--n]);
}

/* ---- stopping -------------------------------------------------------------------------- */

/*
 * Stops the VM with exit code v (Javisor's `run` and QEMU then exit with (v << 1) | 1).
 * Returns only if no debug-exit device is there.
 */
static inline void debug_exit(uint32_t v)
{
    outl(JAVISOR_DEBUG_EXIT_PORT, v);
}

/* Clean shutdown (exit status 0). Returns only if the machine has no such power-off port. */
static inline void power_off(void)
{
    outw(JAVISOR_POWER_OFF_PORT, JAVISOR_POWER_OFF_VALUE);
}

/* The last resort: with interrupts off nothing wakes the vCPU, hlt again if something does. */
static inline __attribute__((noreturn)) void halt_forever(void)
{
    for (;;)
        __asm__ volatile("cli; hlt");
}

/* debug_exit(v), and halt if the VM did not stop. */
static inline __attribute__((noreturn)) void guest_exit(uint32_t v)
{
    debug_exit(v);
    halt_forever();
}

#endif /* JAVISOR_H */
