/*
 * hc_sipi.elf - SMP the way a PC does it, no hypercalls: vCPU 0 copies a real-mode trampoline to
 * 0x3000 and sends each AP INIT and two start-up IPIs through its local APIC's ICR (xAPIC, MMIO). An AP
 * starts in real mode at 0x3000, loads the SDK's GDT, enters protected mode, takes the stack of its
 * APIC id and prints "cpu <n> up (sipi)". vCPU 0 waits until every AP reported in.
 *
 * Command line (optional): cpus=N (default: the count CPUID leaf 1 reports)
 * Output: "hc_sipi: starting <n> APs", one "cpu <n> up (sipi)" per AP in any order, "hc_sipi: passed".
 * Exit: 0x6b, or 0x6c with "hc_sipi: FAIL ..." when an AP does not report in within about 10 s.
 * VM: cpu_num >= 2 (up to 16), RAM 0..4 MiB or more; [0x3000, 0x4000) must be free RAM (it is on
 * Javisor: for an image at 1 MiB its boot data stay at 0x500 and [0x6000, 0x8000); QEMU's Multiboot
 * loader uses [0x9000, 0x9558)).
 * Runs unchanged under QEMU: -smp N with -append "cpus=N".
 */
#include "javisor_rt.h"

#define TRAMPOLINE 0x3000

static volatile uint32_t up_count;
static volatile uint32_t seen[JV_MAX_CPUS];

static void ap_main(uint32_t apic_id)
{
    jv_atomic_add(&seen[apic_id], 1);
    jv_printf("cpu %u up (sipi)\n", apic_id);
    jv_atomic_add(&up_count, 1);
}

void guest_main(uint32_t magic, const struct multiboot_info *mbi)
{
    jv_platform_init();
    uint32_t cpus = jv_cmdline_u32(jv_cmdline(magic, mbi), "cpus", jv_cpuid_cpu_count());
    if (cpus < 2 || cpus > JV_MAX_CPUS) {
        jv_printf("hc_sipi: FAIL needs 2..%u vCPUs, has %u\n", JV_MAX_CPUS, cpus);
        guest_exit(0x6c);
    }
    uint32_t self = jv_lapic_id();
    int vector = jv_sipi_install(TRAMPOLINE, ap_main);
    jv_printf("hc_sipi: starting %u APs, trampoline 0x%x (vector 0x%x), BSP APIC %u\n", cpus - 1, TRAMPOLINE,
              (uint32_t)vector, self);
    for (uint32_t id = 0; id < cpus; id++)
        if (id != self)
            jv_sipi_start(id, (uint8_t)vector);

    for (uint32_t ms = 0; ms < 10000 && jv_atomic_load(&up_count) < cpus - 1; ms += 5)
        jv_delay_ms(5);
    uint32_t n = jv_atomic_load(&up_count);
    if (n != cpus - 1) {
        jv_printf("hc_sipi: FAIL %u of %u APs reported in\n", n, cpus - 1);
        guest_exit(0x6c);
    }
    for (uint32_t id = 0; id < cpus; id++) {
        if (id != self && seen[id] != 1) {
            jv_printf("hc_sipi: FAIL APIC %u reported in %u times\n", id, seen[id]);
            guest_exit(0x6c);
        }
    }
    jv_printf("hc_sipi: passed\n");
    guest_exit(0x6b);
}
