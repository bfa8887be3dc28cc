/*
 * libjavisor32: CPU setup, the IDT and interrupt dispatch, the LAPIC-timer sleeps and the SMP helpers
 * (javisor_rt.h).
 */
#include "javisor_rt.h"

extern char jv_isr_stubs[];
extern char jv_tramp_start[], jv_tramp_end[];
void jv_load_gdt(void);
void jv_irq_dispatch(struct jv_frame *f);

static uint64_t idt[256] __attribute__((aligned(8)));
static struct {
    uint16_t pad;
    uint16_t limit;
    uint32_t base;
} __attribute__((packed, aligned(4))) idtr;
static volatile jv_handler handlers[256];
static volatile uint32_t timer_fired[JV_MAX_CPUS];
void (*volatile jv_sipi_fn)(uint32_t apic_id);

static void load_idt(void)
{
    __asm__ volatile("lidt %0" : : "m"(idtr.limit) : "memory");
}

static void timer_handler(struct jv_frame *f)
{
    (void)f;
    uint32_t id = jv_lapic_id();
    if (id < JV_MAX_CPUS)
        timer_fired[id] = 1;
    jv_lapic_eoi();
}

void jv_platform_init(void)
{
    jv_load_gdt();
    for (uint32_t v = 0; v < 256; v++) {
        uint32_t addr = (uint32_t)(uintptr_t)jv_isr_stubs + 16 * v;
        /* 32-bit interrupt gate, present, DPL 0: offset 15..0, selector, type 0x8e, offset 31..16. */
        idt[v] = (addr & 0xffff) | ((uint64_t)JV_CODE_SEL << 16)
                 | ((uint64_t)(0x8e00 | (addr & 0xffff0000u)) << 32);
    }
    idtr.limit = sizeof idt - 1;
    idtr.base = (uint32_t)(uintptr_t)idt;
    load_idt();
    handlers[JV_VECTOR_TIMER] = timer_handler;
    jv_pic_disable();
    jv_lapic_write(JV_LAPIC_LVT_LINT0, JV_LVT_MASKED);
    jv_lapic_enable(JV_VECTOR_SPURIOUS);
}

void jv_ap_init(void)
{
    jv_load_gdt();
    if (idtr.base)
        load_idt();
    jv_lapic_enable(JV_VECTOR_SPURIOUS);
}

void jv_set_handler(uint8_t vector, jv_handler fn)
{
    handlers[vector] = fn;
}

static const char *const exception_names[32] = {
    "#DE divide error", "#DB debug", "NMI", "#BP breakpoint", "#OF overflow", "#BR bound range",
    "#UD invalid opcode", "#NM no FPU", "#DF double fault", "coprocessor segment overrun",
    "#TS invalid TSS", "#NP segment not present", "#SS stack fault", "#GP general protection",
    "#PF page fault", "reserved 15", "#MF x87 error", "#AC alignment check", "#MC machine check",
    "#XM SIMD error", "#VE virtualization", "#CP control protection",
};

/* Called by the stubs with interrupts off. */
void jv_irq_dispatch(struct jv_frame *f)
{
    jv_handler h = handlers[f->vector & 0xff];
    if (h) {
        h(f);
        return;
    }
    if (f->vector == JV_VECTOR_SPURIOUS)
        return;             /* spurious interrupts take no EOI */
    if (f->vector < 32) {
        /* No console lock: this CPU may hold it already. */
        serial_puts("\nexception ");
        serial_put_dec(f->vector);
        if (exception_names[f->vector]) {
            serial_puts(" (");
            serial_puts(exception_names[f->vector]);
            serial_putc(')');
        }
        serial_puts(" error=");
        serial_put_hex(f->error);
        serial_puts(" eip=");
        serial_put_hex(f->eip);
        serial_puts(" apic=");
        serial_put_dec(jv_lapic_id());
        serial_putc('\n');
        guest_exit(JV_EXIT_EXCEPTION);
    }
    jv_printf("unexpected interrupt vector %u on APIC %u\n", f->vector, jv_lapic_id());
    jv_lapic_eoi();
}

/* Arms the one-shot timer for about `ms` milliseconds at 1 GHz / 128 = 7812.5 kHz. */
static volatile uint32_t *arm_timer(uint32_t ms)
{
    uint32_t id = jv_lapic_id();
    volatile uint32_t *fired = &timer_fired[id < JV_MAX_CPUS ? id : 0];
    if (ms > 500000)
        ms = 500000;
    uint32_t count = (uint32_t)(((uint64_t)ms * 15625) >> 1);
    *fired = 0;
    jv_lapic_timer_oneshot(JV_VECTOR_TIMER, count ? count : 1, JV_LAPIC_DIV_128);
    return fired;
}

static uint32_t save_if(void)
{
    uint32_t flags;
    __asm__ volatile("pushf; pop %0; cli" : "=r"(flags) : : "memory");
    return flags & 0x200;
}

static void restore_if(uint32_t was)
{
    if (was)
        jv_irq_enable();
}

void jv_delay_ms(uint32_t ms)
{
    uint32_t was = save_if();
    volatile uint32_t *fired = arm_timer(ms);
    while (!*fired)
        jv_wait_for_interrupt();
    restore_if(was);
}

uint32_t jv_wait_change(const volatile uint32_t *counter, uint32_t seen, uint32_t timeout_ms)
{
    uint32_t was = save_if();
    volatile uint32_t *fired = arm_timer(timeout_ms);
    uint32_t now;
    while ((now = *counter) == seen && !*fired)
        jv_wait_for_interrupt();
    jv_lapic_timer_stop();
    restore_if(was);
    return now;
}

/* ---- SMP ---- */

jv_result jv_start_cpu(uint32_t cpu, jv_ap_main fn, void *arg, void *stack, uint32_t size)
{
    uint32_t *top = (uint32_t *)(((uintptr_t)stack + size) & ~(uintptr_t)15) - 4;
    top[0] = (uint32_t)(uintptr_t)fn;
    top[1] = (uint32_t)(uintptr_t)arg;
    top[2] = 0;
    top[3] = 0;
    return jv_cpu_up(cpu, (jv_reg)(uintptr_t)jv_ap_entry32, (jv_reg)(uintptr_t)top);
}

int jv_sipi_install(uint32_t page_addr, void (*fn)(uint32_t apic_id))
{
    if ((page_addr & 0xfff) || page_addr == 0 || page_addr >= 0x100000)
        return -1;
    jv_sipi_fn = fn;
    volatile char *dst = (volatile char *)(uintptr_t)page_addr;
    for (const char *s = jv_tramp_start; s < jv_tramp_end; s++)
        *dst++ = *s;
    __asm__ volatile("" ::: "memory");
    return (int)(page_addr >> 12);
}

void jv_sipi_start(uint32_t apic_id, uint8_t vector)
{
    jv_lapic_send_init(apic_id);
    jv_lapic_send_sipi(apic_id, vector);
    jv_lapic_send_sipi(apic_id, vector);
}

uint32_t jv_cpuid_cpu_count(void)
{
    uint32_t a = 1, b, c = 0, d;
    __asm__ volatile("cpuid" : "+a"(a), "=b"(b), "+c"(c), "=d"(d));
    uint32_t n = (b >> 16) & 0xff;
    return n ? n : 1;
}
