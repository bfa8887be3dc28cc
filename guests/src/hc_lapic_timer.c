/*
 * hc_lapic_timer.elf - the SDK's IDT and LAPIC timer: a periodic timer on vector 0x40 every 10 ms
 * (1 GHz APIC clock / 16, 625000 counts), counted by the handler while the CPU waits in hlt; after
 * `ticks` interrupts it stops the timer and reports how many TSC cycles a tick took on average.
 *
 * Command line (optional): ticks=20 period_us=10000
 * Output: "hc_lapic_timer: <ticks> ticks, about <n> TSC cycles each", "hc_lapic_timer: passed".
 * Exit: 0x6d, or 0x6e with "hc_lapic_timer: FAIL ..." if fewer ticks came within a generous bound
 * (10 x the expected time, measured in hlt wake-ups).
 * VM: one vCPU, RAM 0..4 MiB or more. Runs unchanged under QEMU.
 */
#include "javisor_rt.h"

#define VECTOR 0x40

static volatile uint32_t ticks;

static void on_tick(struct jv_frame *f)
{
    (void)f;
    ticks++;
    jv_lapic_eoi();
}

void guest_main(uint32_t magic, const struct multiboot_info *mbi)
{
    jv_platform_init();
    const char *cmdline = jv_cmdline(magic, mbi);
    uint32_t want = jv_cmdline_u32(cmdline, "ticks", 20);
    uint32_t period_us = jv_cmdline_u32(cmdline, "period_us", 10000);
    if (want == 0 || want > 100000 || period_us < 100 || period_us > 1000000) {
        jv_printf("hc_lapic_timer: FAIL bad ticks=%u or period_us=%u\n", want, period_us);
        guest_exit(0x6e);
    }
    jv_set_handler(VECTOR, on_tick);
    uint32_t count = period_us * 125 / 2;     /* 1 GHz / 16 = 62.5 counts per microsecond */
    jv_printf("hc_lapic_timer: periodic, vector 0x%x, initial count %u (divide by 16)\n", VECTOR, count);

    uint64_t t0 = jv_tsc();
    jv_lapic_timer_periodic(VECTOR, count, JV_LAPIC_DIV_16);
    uint32_t wakeups = 0;
    while (ticks < want && wakeups < want * 10 + 100) {
        jv_wait_for_interrupt();
        wakeups++;
    }
    jv_lapic_timer_stop();
    uint64_t t1 = jv_tsc();
    uint32_t got = ticks;
    if (got < want) {
        jv_printf("hc_lapic_timer: FAIL %u of %u ticks after %u wake-ups\n", got, want, wakeups);
        guest_exit(0x6e);
    }
    uint32_t per_tick = ((uint32_t)((t1 - t0) >> 8) / got) << 8;   /* no 64-bit division in 32-bit code */
    jv_printf("hc_lapic_timer: %u ticks, about %u TSC cycles each\n", got, per_tick);
    jv_printf("hc_lapic_timer: passed\n");
    guest_exit(0x6d);
}
