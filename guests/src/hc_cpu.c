/*
 * hc_cpu.elf - paravirtual SMP: vCPU 0 starts vCPUs 1..N-1 with CpuUp (entry jv_ap_entry32, a 32-bit
 * function; argument: its stack top), each prints "cpu <n> up" under the console lock and counts itself
 * in. vCPU 0 checks CpuUp's errors (no such vCPU, itself, a running vCPU), then the last AP calls
 * CpuDown, vCPU 0 starts it again and it reports in a second time ("cpu <n> up again"). Then SystemDown(0x33).
 *
 * Command line (optional): cpus=4 (the VM's vCPU count; default: what CPUID leaf 1 reports)
 * Output (the AP lines in any order):
 *   hc_cpu: starting 3 APs
 *   cpu 1 up / cpu 2 up / cpu 3 up
 *   ok cpu_up_9 / ok cpu_up_self / ok cpu_up_running
 *   cpu 3 up again
 *   ok cpu_down_and_up_again
 *   hc_cpu: passed
 * Exit: SystemDown(0x33) on success (javisor run exits with 0x67); debug-exit 0x34 on a failure.
 * VM: cpu_num = 4, RAM 0..4 MiB or more.
 */
#include "javisor_rt.h"

#define MAX_APS (JV_MAX_CPUS - 1)
#define WAIT_MS 10000

static uint8_t stacks[JV_MAX_CPUS][JV_AP_STACK_SIZE] __attribute__((aligned(16)));
static volatile uint32_t up_count;
static volatile uint32_t reports[JV_MAX_CPUS];
static volatile uint32_t down_cpu;      /* the AP that goes down after its first report */
static volatile uint32_t going_down;

static void ap_main(uint32_t cpu, void *arg)
{
    (void)arg;
    if (cpu >= JV_MAX_CPUS) {
        jv_printf("cpu %u: no slot\n", cpu);
        return;
    }
    uint32_t n = jv_atomic_add(&reports[cpu], 1) + 1;
    jv_printf("cpu %u up%s\n", cpu, n > 1 ? " again" : "");
    if (jv_lapic_id() != cpu)
        jv_printf("cpu %u: APIC id %u\n", cpu, jv_lapic_id());
    jv_atomic_add(&up_count, 1);
    if (cpu == down_cpu && n == 1) {
        jv_atomic_store(&going_down, 1);
        jv_result r = jv_cpu_down();
        jv_printf("FAIL cpu_down returned %d (%s)\n", r, jv_errname(r));
    }
    /* Returning halts this vCPU with interrupts off: a vCPU that runs, as far as CpuUp is concerned. */
}

/* Waits, in hlt between looks, until *v >= want or WAIT_MS passed. */
static int wait_for(const volatile uint32_t *v, uint32_t want)
{
    for (uint32_t ms = 0; ms < WAIT_MS; ms += 5) {
        if (jv_atomic_load(v) >= want)
            return 1;
        jv_delay_ms(5);
    }
    return jv_atomic_load(v) >= want;
}

static __attribute__((noreturn)) void finish(void)
{
    if (jv_check_failures) {
        jv_printf("hc_cpu: %u failed\n", jv_check_failures);
        guest_exit(0x34);
    }
    jv_printf("hc_cpu: passed\n");
    jv_result r = jv_system_down(0x33);
    jv_printf("hc_cpu: SystemDown returned %d (%s)\n", r, jv_errname(r));
    guest_exit(0x34);
}

void guest_main(uint32_t magic, const struct multiboot_info *mbi)
{
    jv_platform_init();
    uint32_t cpus = jv_cmdline_u32(jv_cmdline(magic, mbi), "cpus", jv_cpuid_cpu_count());
    if (cpus < 2 || cpus > JV_MAX_CPUS) {
        jv_printf("hc_cpu: needs 2..%u vCPUs, has %u\n", JV_MAX_CPUS, cpus);
        guest_exit(0x34);
    }
    uint32_t aps = cpus - 1;
    down_cpu = cpus - 1;
    jv_printf("hc_cpu: starting %u APs\n", aps);

    for (uint32_t c = 1; c < cpus; c++) {
        jv_result r = jv_start_cpu(c, ap_main, 0, stacks[c], sizeof stacks[c]);
        if (r != 0)
            jv_check("cpu_up", r, 0);
    }
    if (!wait_for(&up_count, aps)) {
        jv_printf("FAIL only %u of %u APs reported in\n", up_count, aps);
        jv_check_failures++;
        finish();
    }

    jv_check("cpu_up_9", jv_start_cpu(9 < cpus ? JV_MAX_CPUS + 1 : 9, ap_main, 0, stacks[0], 64), JAVISOR_EINVAL);
    jv_check("cpu_up_self", jv_start_cpu(0, ap_main, 0, stacks[0], 64), JAVISOR_EINVAL);
    if (aps >= 2)
        jv_check("cpu_up_running", jv_start_cpu(1, ap_main, 0, stacks[1], sizeof stacks[1]), JAVISOR_EBUSY);

    /* The last AP has gone down (or is about to): start it again, retrying while it is still running. */
    if (!wait_for(&going_down, 1)) {
        jv_printf("FAIL cpu %u did not go down\n", down_cpu);
        jv_check_failures++;
        finish();
    }
    jv_result r;
    uint32_t tries = 0;
    do {
        r = jv_start_cpu(down_cpu, ap_main, 0, stacks[down_cpu], sizeof stacks[down_cpu]);
        if (r != JAVISOR_EBUSY)
            break;
        jv_delay_ms(5);
    } while (++tries < 200);
    jv_check("cpu_up_after_down", r, 0);
    if (r == 0 && !wait_for(&reports[down_cpu], 2)) {
        jv_printf("FAIL cpu %u did not report in again\n", down_cpu);
        jv_check_failures++;
    } else if (r == 0) {
        jv_check("cpu_down_and_up_again", 0, 0);
    }
    finish();
}
