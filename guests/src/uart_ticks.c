/*
 * uart_ticks.elf - output that moves only while interrupts are delivered: a periodic LAPIC timer starts a
 * line "tick N\n" every `period_us` (default 20000), and every character of it is written by the handler of
 * the UART's THR-empty interrupt (COM1, GSI 4, through the I/O APIC). The main loop only waits in hlt.
 * Enabling the THR-empty interrupt while THR is empty raises it at once (as on a 16550), which is how each
 * line starts; a tick that finds the last line still going is skipped, so a slow host does not pile them up.
 *
 * Command line (optional): period_us=20000
 * Output: "uart_ticks: a line every N us, each character from the THR-empty interrupt", then "tick 1",
 * "tick 2", ... forever. VM: one vCPU, RAM 0..4 MiB or more.
 */
#include "javisor_rt.h"

#define TIMER_VECTOR 0x40
#define UART_VECTOR  0x44
#define UART_GSI     4
#define COM1_IER     (JAVISOR_COM1 + 1)
#define COM1_IIR     (JAVISOR_COM1 + 2)
#define IER_THR_EMPTY 0x02
#define IIR_ID_MASK   0x0f
#define IIR_THR_EMPTY 0x02

static char line[24];
static volatile uint32_t pos, len;   /* line[pos..len) is still to send */
static uint32_t lines;

static void on_uart(struct jv_frame *f)
{
    (void)f;
    /* Reading IIR acknowledges the THR-empty interrupt. */
    if ((inb(COM1_IIR) & IIR_ID_MASK) == IIR_THR_EMPTY && pos < len)
        outb(JAVISOR_COM1, line[pos++]);
    jv_lapic_eoi();
}

static void start_line(uint32_t n)
{
    char digits[10];
    uint32_t k = 0, i = 0;
    do {
        digits[k++] = '0' + n % 10;
        n /= 10;
    } while (n);
    for (const char *p = "tick "; *p; p++)
        line[i++] = *p;
    while (k)
        line[i++] = digits[--k];
    line[i++] = '\n';
    pos = 0;
    len = i;
}

static void on_tick(struct jv_frame *f)
{
    (void)f;
    if (pos == len) {
        start_line(++lines);
        outb(COM1_IER, 0);
        outb(COM1_IER, IER_THR_EMPTY);   /* THR is empty: the interrupt comes at once */
    }
    jv_lapic_eoi();
}

void guest_main(uint32_t magic, const struct multiboot_info *mbi)
{
    jv_platform_init();
    uint32_t period_us = jv_cmdline_u32(jv_cmdline(magic, mbi), "period_us", 20000);
    if (period_us < 1000 || period_us > 1000000)
        period_us = 20000;
    jv_set_handler(UART_VECTOR, on_uart);
    jv_set_handler(TIMER_VECTOR, on_tick);
    jv_ioapic_route(UART_GSI, UART_VECTOR, jv_lapic_id(), 0);
    jv_printf("uart_ticks: a line every %u us, each character from the THR-empty interrupt\n", period_us);
    jv_lapic_timer_periodic(TIMER_VECTOR, period_us * 125 / 2, JV_LAPIC_DIV_16);   /* 62.5 counts per us */
    for (;;)
        jv_wait_for_interrupt();
}
