/*
 * hostile.elf - a guest that attacks its hypervisor, one attack per run, chosen by a word on the command
 * line. It prints "hostile MODE start", attacks, and for the attacks that end prints "hostile MODE done ..."
 * and stops with exit code 0x21 (javisor run: 67). The Java side (HostileGuestTest) runs each beside a
 * well-behaved VM and checks that only the hostile one is affected and that nothing leaks.
 *
 *   ports       every I/O port 0..0xffff read and written at widths 1, 2 and 4 (writes of 0; not written:
 *               the ports whose writes end the VM or speak for it: hypercall 0xe0-0xe3, debug exit
 *               0xf4-0xf7, i8042 command 0x64, port 0x92, ACPI 0x600-0x60f, and COM1 0x3f8-0x3ff, which
 *               carries this guest's report)
 *   mmio        a read and a write of 0 every 256 KiB from the end of RAM to 4 GiB, and every 4 KiB of the top
 *               32 MiB where the platform's devices live
 *   triple      an IDT of limit 0, then int3: a triple fault (the VM must stop as failed)
 *   hypercalls  every hypercall number 0..0xffff with wild arguments (all ones, then pointers at the end of
 *               RAM and sizes past it), except SystemDown (9) and CpuDown (8), which would end this report
 *   ivc         2000 rounds of publish (sizes up to 1 MiB), subscribe (to itself and to VMs 0..3), notify,
 *               unsubscribe and unpublish with keys 0..7; needs an IVC window
 *   cpus        500 rounds of CpuUp of vCPU 1 (which goes down again at once), plus CpuUp of ids that do not
 *               exist; needs 2 vCPUs
 *   sipi        300 INIT/SIPI rounds to vCPU 1 (which counts and halts), plus INIT/SIPI to APIC ids that do not
 *               exist; needs 2 vCPUs
 *   spin        never exits: a loop with interrupts off (only a kick gets the vCPU out)
 *   flood       writes to the console without end
 */
#include "javisor_rt.h"

#define EXIT_DONE 0x21
#define RAM_END_DEFAULT 0x1000000u

static const char *mode;

static int same(const char *a, const char *b)
{
    while (*a && *a == *b) {
        a++;
        b++;
    }
    return *a == *b;
}

static void done(const char *what, uint32_t a, uint32_t b)
{
    jv_printf("hostile %s done %u %u\n", what, a, b);
    guest_exit(EXIT_DONE);
}

static int port_is_spared(uint32_t p)
{
    return (p >= JAVISOR_HC_PORT && p <= JAVISOR_HC_PORT + 3) || (p >= 0xf4 && p <= 0xf7) || p == 0x64
        || p == 0x92 || (p >= 0x600 && p <= 0x60f) || (p >= 0x3f8 && p <= 0x3ff);
}

static void ports(void)
{
    uint32_t ones = 0;
    for (uint32_t p = 0; p <= 0xffff; p++) {
        uint16_t port = (uint16_t)p;
        if (inb(port) == 0xff) {
            ones++;
        }
        inw(port);
        inl(port);
        if (!port_is_spared(p) && !(p + 1 >= 0xe0 && p <= 0xe3) && !(p + 3 >= 0xe0 && p <= 0xe3)) {
            outb(port, 0);
            if (!port_is_spared(p + 1)) {
                outw(port, 0);
            }
            if (!port_is_spared(p + 1) && !port_is_spared(p + 2) && !port_is_spared(p + 3)) {
                outl(port, 0);
            }
        }
    }
    done("ports", 0x10000, ones);
}

static void mmio(uint32_t ram_end)
{
    uint32_t ones = 0, n = 0;
    for (uint64_t a = ram_end; a < 0x100000000ull; a += (a >= 0xfe000000u ? 0x1000 : 0x40000)) {
        if (read32((uint32_t)a) == 0xffffffffu) {
            ones++;
        }
        write32((uint32_t)a, 0);
        n++;
    }
    done("mmio", n, ones);
}

static void triple(void)
{
    struct { uint16_t limit; uint32_t base; } __attribute__((packed)) none = {0, 0};
    __asm__ volatile("lidt %0\n\tint3" : : "m"(none));
    jv_printf("hostile triple survived\n");
    guest_exit(0x22);
}

static void hypercalls(uint32_t ram_end)
{
    uint32_t ok = 0, failed = 0;
    static const uint32_t wild[][4] = {
        {0xffffffffu, 0xffffffffu, 0xffffffffu, 0xffffffffu},
        {0, 0, 0, 0},
    };
    for (uint32_t nr = 0; nr <= 0xffff; nr++) {
        if (nr == JAVISOR_HC_SYSTEM_DOWN || nr == JAVISOR_HC_CPU_DOWN) {
            continue;
        }
        for (uint32_t w = 0; w < 2; w++) {
            jv_result r = jv_hc(nr, wild[w][0], wild[w][1], wild[w][2], wild[w][3]);
            if (r < 0) failed++; else ok++;
        }
    }
    /* pointers at the last bytes of RAM and just past it, sizes past everything */
    for (uint32_t nr = 0; nr <= 16; nr++) {
        if (nr == JAVISOR_HC_SYSTEM_DOWN || nr == JAVISOR_HC_CPU_DOWN) {
            continue;
        }
        jv_result r = jv_hc(nr, ram_end - 4, ram_end - 8, 0x7fffffff, ram_end);
        if (r < 0) failed++; else ok++;
    }
    /* the hypervisor must still answer properly */
    jv_result id = jv_get_vm_id();
    jv_printf("hostile hypercalls vm id %d\n", id);
    done("hypercalls", ok, failed);
}

static void ivc(void)
{
    static uint64_t addr, size;
    uint32_t ok = 0, failed = 0;
    for (uint32_t i = 0; i < 2000; i++) {
        uint32_t key = i & 7;
        size = (uint64_t)((i * 2654435761u) % (1u << 20)) + 1;
        jv_result r = jv_ivc_publish(key, &addr, &size);
        if (r < 0) failed++; else ok++;
        r = jv_ivc_subscribe(jv_get_vm_id(), key, &addr, &size);
        if (r < 0) failed++; else ok++;
        r = jv_ivc_subscribe(i & 3, (i >> 2) & 7, &addr, &size);
        if (r < 0) failed++; else ok++;
        jv_ivc_notify(jv_get_vm_id(), key);
        jv_ivc_notify(i & 3, key);
        if (i % 3 == 0) {
            jv_ivc_unsubscribe(jv_get_vm_id(), key);
            jv_ivc_unsubscribe(i & 3, (i >> 2) & 7);
        }
        if (i % 5 == 0) {
            jv_ivc_unpublish((key + 3) & 7);
        }
    }
    for (uint32_t key = 0; key < 8; key++) {
        for (uint32_t vm = 0; vm < 4; vm++) {
            jv_ivc_unsubscribe(vm, key);
        }
        jv_ivc_unsubscribe(jv_get_vm_id(), key);
        jv_ivc_unpublish(key);
    }
    done("ivc", ok, failed);
}

static volatile uint32_t ap_runs;
static uint8_t ap_stack[4096] __attribute__((aligned(16)));

static void ap_down(uint32_t cpu, void *arg)
{
    (void)cpu;
    (void)arg;
    jv_atomic_add(&ap_runs, 1);
    jv_cpu_down();
}

static void cpus(void)
{
    uint32_t up = 0, busy = 0;
    for (uint32_t i = 0; i < 500; i++) {
        jv_result r = jv_start_cpu(1, ap_down, 0, ap_stack, sizeof ap_stack);
        if (r == 0) up++; else busy++;
        jv_cpu_up(2 + (i & 0xff), (uint32_t)(uintptr_t)jv_ap_entry32, 0);
        jv_cpu_up(0xffffffffu, 0, 0);
    }
    done("cpus", up, busy);
}

static void ap_sipi(uint32_t apic_id)
{
    (void)apic_id;
    jv_atomic_add(&ap_runs, 1);
    for (;;) {
        __asm__ volatile("cli; hlt");
    }
}

static void sipi(void)
{
    int vector = jv_sipi_install(0x7000, ap_sipi);
    for (uint32_t i = 0; i < 300; i++) {
        jv_sipi_start(1, (uint8_t)vector);
        jv_sipi_start(7 + (i & 0x3f), (uint8_t)vector);
    }
    jv_delay_ms(200);
    done("sipi", 300, ap_runs);
}

void guest_main(uint32_t magic, const struct multiboot_info *mbi)
{
    jv_platform_init();
    const char *cmdline = jv_cmdline(magic, mbi);
    uint32_t ram_end = jv_cmdline_u32(cmdline, "ram_end", RAM_END_DEFAULT);
    static const char *const modes[] = {"ports", "mmio", "triple", "hypercalls", "ivc", "cpus", "sipi", "spin",
                                        "flood"};
    mode = "none";
    for (uint32_t i = 0; i < sizeof modes / sizeof modes[0]; i++) {
        if (jv_cmdline_has(cmdline, modes[i])) {
            mode = modes[i];
        }
    }
    jv_printf("hostile %s start\n", mode);
    if (same(mode, "ports")) {
        ports();
    } else if (same(mode, "mmio")) {
        mmio(ram_end);
    } else if (same(mode, "triple")) {
        triple();
    } else if (same(mode, "hypercalls")) {
        hypercalls(ram_end);
    } else if (same(mode, "ivc")) {
        ivc();
    } else if (same(mode, "cpus")) {
        cpus();
    } else if (same(mode, "sipi")) {
        sipi();
    } else if (same(mode, "spin")) {
        __asm__ volatile("cli\n1: jmp 1b");
    } else if (same(mode, "flood")) {
        for (uint32_t n = 0;; n++) {
            serial_putc((char)('a' + n % 26));
        }
    }
    jv_printf("hostile: no such mode (ports mmio triple hypercalls ivc cpus sipi spin flood)\n");
    guest_exit(0x23);
}
