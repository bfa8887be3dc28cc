/*
 * hc_hook.elf - makes one of the embedder's hypercalls (docs/hypercalls.md, "The embedder's range"): number
 * 0x40000000 with a0 = 6, a1 = 7, prints "hc_hook: 0x40000000(6, 7) = R" and exits with debug-exit code R & 0xff.
 * With no hook R is -38 (ENOSYS); a hook that multiplies gives 42. VM: one vCPU, RAM 0..4 MiB or more.
 */
#include "javisor.h"
#include "javisor_hc.h"
#include "multiboot.h"

void guest_main(uint32_t magic, const struct multiboot_info *mbi)
{
    (void)magic;
    (void)mbi;
    jv_result r = jv_hc(0x40000000u, 6, 7, 0, 0);
    serial_puts("hc_hook: 0x40000000(6, 7) = ");
    if (r < 0) {
        serial_putc('-');
        serial_put_dec((uint32_t)(0 - r));
    } else {
        serial_put_dec((uint32_t)r);
    }
    serial_putc('\n');
    guest_exit((uint32_t)r & 0xff);
}
