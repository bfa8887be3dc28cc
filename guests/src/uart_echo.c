/*
 * uart_echo.elf - reads one line from COM1 with the UART's receive interrupt (GSI 4, through the I/O APIC),
 * echoing each character as it comes, then reports it and exits with a code derived from it: the sum of its
 * bytes modulo 256. A test types the line (through `vm console`, say) and checks the exit code.
 *
 * Output: "uart_echo: type a line\n", the echo, then "\nuart_echo: got \"LINE\", sum 0xS\n".
 * Exit: the sum (a line ends at \r or \n; at most 100 bytes are kept). VM: one vCPU, RAM 0..4 MiB or more.
 */
#include "javisor_rt.h"

#define UART_VECTOR 0x44
#define UART_GSI    4
#define COM1_IER    (JAVISOR_COM1 + 1)
#define COM1_LSR    (JAVISOR_COM1 + 5)
#define IER_RX_AVAILABLE 0x01
#define LSR_DATA_READY   0x01

static char text[101];
static uint32_t length;
static volatile uint32_t ended;

static void on_uart(struct jv_frame *f)
{
    (void)f;
    while (!ended && (inb(COM1_LSR) & LSR_DATA_READY)) {
        char c = (char)inb(JAVISOR_COM1);
        if (c == '\r' || c == '\n') {
            ended = 1;
        } else {
            if (length < sizeof text - 1)
                text[length++] = c;
            outb(JAVISOR_COM1, (uint8_t)c);
        }
    }
    jv_lapic_eoi();
}

void guest_main(void)
{
    jv_platform_init();
    jv_set_handler(UART_VECTOR, on_uart);
    jv_ioapic_route(UART_GSI, UART_VECTOR, jv_lapic_id(), 0);
    jv_printf("uart_echo: type a line\n");
    outb(COM1_IER, IER_RX_AVAILABLE);
    while (!ended)
        jv_wait_for_interrupt();
    uint32_t sum = 0;
    for (uint32_t i = 0; i < length; i++)
        sum += (uint8_t)text[i];
    text[length] = 0;
    jv_printf("\nuart_echo: got \"%s\", sum 0x%x\n", text, sum & 0xff);
    guest_exit(sum & 0xff);
}
