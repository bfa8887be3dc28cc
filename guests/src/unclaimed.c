/*
 * unclaimed.elf - checks what a VMM does with accesses that hit nothing: reads of an MMIO
 * address with no RAM and no device (0xd0000000; paging is off, so that is physical) and of
 * an I/O port with no device (0x510) must give all ones, as on a PC bus, and writes there
 * must be dropped without stopping the VM.
 * Prints "unclaimed OK\n" and stops with 0x50, else prints what it read and stops with 0x51.
 */
#include "javisor.h"

#define NOWHERE_MMIO 0xd0000000u
#define NOWHERE_PORT 0x510

void guest_main(void)
{
    uint32_t mmio = read32(NOWHERE_MMIO);
    write32(NOWHERE_MMIO, 0x12345678);
    uint8_t port = inb(NOWHERE_PORT);
    outb(NOWHERE_PORT, 0x55);
    uint32_t mmio_again = read32(NOWHERE_MMIO);

    if (mmio == 0xffffffff && port == 0xff && mmio_again == 0xffffffff) {
        serial_puts("unclaimed OK\n");
        guest_exit(0x50);
    }
    serial_puts("unclaimed FAILED: mmio=");
    serial_put_hex(mmio);
    serial_puts(" port=");
    serial_put_hex(port);
    serial_puts(" mmio_again=");
    serial_put_hex(mmio_again);
    serial_putc('\n');
    guest_exit(0x51);
}
