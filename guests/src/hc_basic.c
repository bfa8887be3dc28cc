/*
 * hc_basic.elf (Multiboot ELF32) and hc_basic64.elf (ELF64, long mode): the hypercalls that need no
 * second VM and no second vCPU, with their error paths. One line per check: "ok <name>" or
 * "FAIL <name> got <value> (<errname>), want <value> (<errname>)"; then "hc_basic: passed" and exit 0x61
 * (64-bit: 0x63), or "hc_basic: <n> failed" and exit 0x62 (64-bit: 0x64).
 *
 * The 32-bit build compares GetVmId with "vmid=N" from the command line (without the word it only
 * checks the id is not negative). Its VM needs RAM 0..4 MiB or more, one vCPU and no IVC window.
 * Only javisor.h and javisor_hc.h are used, so the same source builds for both widths.
 */
#include "javisor.h"
#include "javisor_hc.h"
#include "multiboot.h"

#if defined(__x86_64__)
#define NAME "hc_basic64"
#define EXIT_OK 0x63
#define EXIT_FAIL 0x64
#else
#define NAME "hc_basic"
#define EXIT_OK 0x61
#define EXIT_FAIL 0x62
#endif

static uint32_t failures;

/* Decimal when it fits in 31 bits (error codes, ids), else hex. */
static void put_signed(int64_t v)
{
    uint64_t m = v < 0 ? 0 - (uint64_t)v : (uint64_t)v;
    if (v < 0)
        serial_putc('-');
    if (m < 0x80000000u)
        serial_put_dec((uint32_t)m);
    else
        serial_put_hex(m);
}

static void check(const char *name, jv_result got, jv_result want)
{
    if (got == want) {
        serial_puts("ok ");
        serial_puts(name);
        serial_putc('\n');
        return;
    }
    failures++;
    serial_puts("FAIL ");
    serial_puts(name);
    serial_puts(" got ");
    put_signed(got);
    serial_puts(" (");
    serial_puts(jv_errname(got));
    serial_puts("), want ");
    put_signed(want);
    serial_puts(" (");
    serial_puts(jv_errname(want));
    serial_puts(")\n");
}

#if !defined(__x86_64__)
/* The N of word "vmid=N" (decimal), or -1. */
static int32_t vmid_from(const char *s)
{
    for (int i = 0; i < 4096 && s[i]; i++) {
        if ((i > 0 && s[i - 1] != ' ') || s[i] != 'v' || s[i + 1] != 'm' || s[i + 2] != 'i' || s[i + 3] != 'd'
                || s[i + 4] != '=')
            continue;
        const char *d = s + i + 5;
        int32_t n = 0, digits = 0;
        while (*d >= '0' && *d <= '9' && digits < 9) {
            n = n * 10 + (*d++ - '0');
            digits++;
        }
        if (digits && (*d == ' ' || *d == '\0'))
            return n;
    }
    return -1;
}
#endif

/* GetVmId with known values in the argument registers: the ABI says they come back unchanged. */
static int registers_preserved(void)
{
    jv_reg di = (jv_reg)0x11223344, si = (jv_reg)0x55667788, dx = (jv_reg)0x99aabbcc, cx = (jv_reg)0xddeeff00;
#if defined(__x86_64__)
    register uint64_t r8 __asm__("r8") = 0x0123456789abcdefull;
    register uint64_t r9 __asm__("r9") = 0xfedcba9876543210ull;
    uint64_t ax = JAVISOR_HC_GET_VM_ID;
    di |= 0xa5a5a5a500000000ull;
    __asm__ volatile("outl %%eax, %w6"
                     : "+a"(ax), "+D"(di), "+S"(si), "+d"(dx), "+c"(cx), "+r"(r8)
                     : "Nd"((uint16_t)JAVISOR_HC_PORT), "r"(r9)
                     : "memory");
    return di == 0xa5a5a5a511223344ull && si == 0x55667788 && dx == 0x99aabbcc && cx == 0xddeeff00
           && r8 == 0x0123456789abcdefull && (int64_t)ax >= 0;
#else
    uint32_t ax = JAVISOR_HC_GET_VM_ID;
    __asm__ volatile("outl %%eax, %w5"
                     : "+a"(ax), "+D"(di), "+S"(si), "+d"(dx), "+c"(cx)
                     : "Nd"((uint16_t)JAVISOR_HC_PORT)
                     : "memory");
    return di == 0x11223344 && si == 0x55667788 && dx == 0x99aabbcc && cx == 0xddeeff00 && (int32_t)ax >= 0;
#endif
}

static const char hello[] = NAME ": hello from the guest";
static char big[4097];
static uint64_t out_addr __attribute__((aligned(8)));
static uint64_t out_size __attribute__((aligned(8)));

#if defined(__x86_64__)
void guest_main(void)
#else
void guest_main(uint32_t magic, const struct multiboot_info *mbi)
#endif
{
    serial_puts(NAME ": start\n");

    jv_result id = jv_get_vm_id();
    serial_puts("vm id ");
    put_signed(id);
    serial_putc('\n');
#if !defined(__x86_64__)
    const char *cmdline = "";
    uint32_t ram_end = 0;
    if (magic == MULTIBOOT_BOOTLOADER_MAGIC && mbi) {
        if ((mbi->flags & MULTIBOOT_INFO_CMDLINE) && mbi->cmdline)
            cmdline = (const char *)(uintptr_t)mbi->cmdline;
        if (mbi->flags & MULTIBOOT_INFO_MEMORY)
            ram_end = (mbi->mem_upper + 1024) * 1024;
    }
    int32_t want_id = vmid_from(cmdline);
    if (want_id >= 0)
        check("get_vm_id", id, want_id);
    else
        check("get_vm_id_not_negative", id < 0 ? id : 0, 0);
#else
    check("get_vm_id_not_negative", id < 0 ? id : 0, 0);
#endif

    check("debug", jv_debug_str(hello), 0);
    check("debug_outside_ram", jv_debug((const char *)(uintptr_t)0xfffff000u, 16), JAVISOR_EFAULT);
    check("debug_too_long", jv_debug(big, sizeof big), JAVISOR_EINVAL);
    check("debug_length_2^31", jv_hc(JAVISOR_HC_DEBUG, (jv_reg)(uintptr_t)hello, (jv_reg)0x80000000u, 0, 0),
          JAVISOR_EINVAL);
#if !defined(__x86_64__)
    if (ram_end > 64)
        check("debug_past_end_of_ram", jv_debug((const char *)(uintptr_t)(ram_end - 8), 64), JAVISOR_EFAULT);
#else
    check("debug_pointer_2^63", jv_hc(JAVISOR_HC_DEBUG, 1ull << 63, 16, 0, 0), JAVISOR_EFAULT);
    check("debug_length_2^63", jv_hc(JAVISOR_HC_DEBUG, (jv_reg)(uintptr_t)hello, 1ull << 63, 0, 0),
          JAVISOR_EINVAL);
    /* A VMM that cut the number to 32 bits would take this for GetVmId. */
    check("unknown_2^32+10", jv_hc((1ull << 32) + JAVISOR_HC_GET_VM_ID, 0, 0, 0, 0), JAVISOR_ENOSYS);
#endif

    check("unknown_99", jv_hc(99, 0, 0, 0, 0), JAVISOR_ENOSYS);
    check("unknown_12", jv_hc(12, 0, 0, 0, 0), JAVISOR_ENOSYS);
    check("unknown_0xffffffff", jv_hc((jv_reg)0xffffffffu, 0, 0, 0, 0), JAVISOR_ENOSYS);
    check("hypervisor_disable", jv_hypervisor_disable(), JAVISOR_EPERM);
    check("prepare_disable", jv_prepare_disable(), JAVISOR_EPERM);
    check("registers_preserved", registers_preserved() ? 0 : JAVISOR_EINVAL, 0);

    /* This VM has one vCPU and no IVC window. */
    check("cpu_up_self", jv_cpu_up(0, 0x100000, 0), JAVISOR_EINVAL);
    check("cpu_up_no_such_vcpu", jv_cpu_up(1, 0x100000, 0), JAVISOR_EINVAL);
    out_size = 0x1000;
    check("ivc_publish_without_window", jv_ivc_publish(1, &out_addr, &out_size), JAVISOR_EINVAL);
    check("ivc_notify_without_channel", jv_ivc_notify(id < 0 ? 0 : (jv_reg)id, 1), JAVISOR_ENOENT);

    if (failures == 0) {
        serial_puts(NAME ": passed\n");
        guest_exit(EXIT_OK);
    }
    serial_puts(NAME ": ");
    serial_put_dec(failures);
    serial_puts(" failed\n");
    guest_exit(EXIT_FAIL);
}
