/*
 * readonly.elf - checks that a read-only region drops guest writes. Its VM maps RAM at
 * 0..0x200000 and, at 0x200000, a 4 KiB read-only region whose bytes are all zero.
 * The dword there must read 0 before and after writing 0xdeadbeef to it.
 * Prints "readonly OK\n" and stops with 0x40, else "readonly FAILED: <value>\n" and 0x41.
 */
#include "javisor.h"

#define RO_REGION 0x200000

void guest_main(void)
{
    uint32_t before = read32(RO_REGION);
    write32(RO_REGION, 0xdeadbeef);
    uint32_t after = read32(RO_REGION);

    if (before == 0 && after == 0) {
        serial_puts("readonly OK\n");
        guest_exit(0x40);
    }
    serial_puts("readonly FAILED: ");
    if (before != 0) {
        serial_puts("before the write ");
        serial_put_hex(before);
        serial_puts(", after ");
    }
    serial_put_hex(after);
    serial_putc('\n');
    guest_exit(0x41);
}
