/*
 * hc_ivc_errors.elf - every IVC error path one VM can reach on its own, and the window's bookkeeping:
 * bad sizes, bad pointers (outside RAM, misaligned, into its own channel), duplicate publish, unknown
 * channels, a full window (-ENOSPC) and the reuse of a freed range. One line per check ("ok <name>" or
 * "FAIL <name> got ..."), then "hc_ivc_errors: passed" and exit 0x65, or "hc_ivc_errors: <n> failed"
 * and exit 0x66.
 *
 * Its VM: RAM 0..4 MiB, one vCPU, and an IVC window with nothing published in it yet:
 *   emu_devices = [["ivc", 0x8000_0000, 0x10_0000, 5, 0xA, [0x4_0000]]]
 * The command line may describe another window: window=0x80000000 wsize=0x100000 limit=0x40000 (the
 * defaults). The window should hold at most 16 channels of `limit` bytes after one page.
 */
#include "javisor_rt.h"

#define MAX_FILL 16

static uint64_t addr __attribute__((aligned(8)));
static uint64_t size __attribute__((aligned(8)));
static uint64_t spare[2] __attribute__((aligned(8)));

static jv_result publish(uint32_t key, uint64_t wanted)
{
    size = wanted;
    addr = 0;
    return jv_ivc_publish(key, &addr, &size);
}

static uint64_t read64(uint32_t a)
{
    return *(volatile uint64_t *)(uintptr_t)a;
}

void guest_main(uint32_t magic, const struct multiboot_info *mbi)
{
    jv_platform_init();     /* an IDT, so a stray exception is reported instead of a triple fault */
    const char *cmdline = jv_cmdline(magic, mbi);
    uint32_t wbase = jv_cmdline_u32(cmdline, "window", 0x80000000u);
    uint32_t wsize = jv_cmdline_u32(cmdline, "wsize", 0x100000);
    uint32_t limit = jv_cmdline_u32(cmdline, "limit", 0x40000);
    jv_printf("hc_ivc_errors: window 0x%x+0x%x, limit 0x%x\n", wbase, wsize, limit);

    jv_result id = jv_get_vm_id();
    jv_check("get_vm_id", id < 0 ? id : 0, 0);
    uint32_t me = (uint32_t)id;

    /* Sizes. */
    jv_check("publish_size_0", publish(1, 0), JAVISOR_EINVAL);
    jv_check("publish_size_2^63", publish(1, 1ull << 63), JAVISOR_EINVAL);
    jv_check("publish_size_2^64-1", publish(1, ~0ull), JAVISOR_EINVAL);
    jv_check("publish_size_above_limit", publish(1, (uint64_t)limit + 1), JAVISOR_EINVAL);

    /* Pointers. */
    size = 0x1000;
    jv_check("publish_size_ptr_outside_ram", jv_hc(JAVISOR_HC_IVC_PUBLISH, 1, (jv_reg)(uintptr_t)&addr,
             0xfffff000u, 0), JAVISOR_EFAULT);
    jv_check("publish_addr_ptr_outside_ram", jv_hc(JAVISOR_HC_IVC_PUBLISH, 1, 0xfffff000u,
             (jv_reg)(uintptr_t)&size, 0), JAVISOR_EFAULT);
    spare[0] = 0x1000;
    spare[1] = 0x1000;
    jv_check("publish_size_ptr_misaligned", jv_hc(JAVISOR_HC_IVC_PUBLISH, 1, (jv_reg)(uintptr_t)&addr,
             (jv_reg)(uintptr_t)spare + 4, 0), JAVISOR_EFAULT);
    jv_check("publish_size_ptr_in_empty_window", jv_hc(JAVISOR_HC_IVC_PUBLISH, 1, (jv_reg)(uintptr_t)&addr,
             wbase, 0), JAVISOR_EFAULT);

    /* The first channel. */
    jv_check("publish_first", publish(1, 0x1000), 0);
    uint32_t first = (uint32_t)addr;
    jv_check("publish_first_in_window", first >= wbase && first - wbase < wsize ? 0 : JAVISOR_EINVAL, 0);
    jv_check("publish_first_size", size == 0x1000 ? 0 : JAVISOR_EINVAL, 0);
    jv_printf("first channel at 0x%x, 0x%x bytes\n", first, (uint32_t)size);
    jv_check("header_publisher", read64(first) == me ? 0 : JAVISOR_EINVAL, 0);
    jv_check("header_key", read64(first + 8) == 1 ? 0 : JAVISOR_EINVAL, 0);
    volatile uint32_t *data = (volatile uint32_t *)(uintptr_t)(first + JAVISOR_IVC_HEADER_SIZE);
    data[0] = 0xc0ffee01;
    data[1] = 0xc0ffee02;

    jv_check("publish_size_ptr_in_own_channel", jv_hc(JAVISOR_HC_IVC_PUBLISH, 2, (jv_reg)(uintptr_t)&addr,
             first + JAVISOR_IVC_HEADER_SIZE, 0), JAVISOR_EFAULT);
    jv_check("publish_addr_ptr_in_own_channel", jv_hc(JAVISOR_HC_IVC_PUBLISH, 2, first + 8,
             (jv_reg)(uintptr_t)&size, 0), JAVISOR_EFAULT);
    jv_check("own_channel_unchanged", data[0] == 0xc0ffee01 && data[1] == 0xc0ffee02 && read64(first + 8) == 1
             ? 0 : JAVISOR_EINVAL, 0);

    jv_check("publish_duplicate", publish(1, 0x2000), JAVISOR_EEXIST);
    jv_check("duplicate_left_first_alone", read64(first) == me && read64(first + 8) == 1 && data[0] == 0xc0ffee01
             ? 0 : JAVISOR_EINVAL, 0);
    jv_check("notify_own_channel_no_subscribers", jv_ivc_notify(me, 1), 0);

    /* Unknown channels. */
    jv_check("unpublish_unknown_key", jv_ivc_unpublish(99), JAVISOR_ENOENT);
    jv_check("subscribe_unknown_key", jv_ivc_subscribe(me, 99, &spare[0], &spare[1]), JAVISOR_ENOENT);
    jv_check("subscribe_unknown_vm", jv_ivc_subscribe(me + 100, 1, &spare[0], &spare[1]), JAVISOR_ENOENT);
    jv_check("subscribe_own_channel", jv_ivc_subscribe(me, 1, &spare[0], &spare[1]), JAVISOR_EEXIST);
    jv_check("subscribe_addr_ptr_in_own_channel", jv_hc(JAVISOR_HC_IVC_SUBSCRIBE, me, 1,
             first + JAVISOR_IVC_HEADER_SIZE, (jv_reg)(uintptr_t)&spare[1]), JAVISOR_EFAULT);
    jv_check("unsubscribe_not_subscribed", jv_ivc_unsubscribe(me, 1), JAVISOR_ENOENT);
    jv_check("unsubscribe_unknown_vm", jv_ivc_unsubscribe(me + 100, 1), JAVISOR_ENOENT);
    jv_check("notify_unknown_key", jv_ivc_notify(me, 99), JAVISOR_ENOENT);
    jv_check("notify_unknown_vm", jv_ivc_notify(me + 100, 1), JAVISOR_ENOENT);

    /* Fill the window with channels of the largest size, then one more. */
    uint32_t at[MAX_FILL];
    uint32_t n = (wsize - 0x1000) / limit;
    if (n > MAX_FILL)
        n = MAX_FILL;
    uint32_t filled = 0;
    for (uint32_t i = 0; i < n; i++) {
        jv_result r = publish(10 + i, limit);
        if (!jv_check("publish_to_fill", r, 0))
            break;
        at[i] = (uint32_t)addr;
        filled++;
    }
    jv_check("publish_window_full", publish(10 + n, limit), JAVISOR_ENOSPC);
    jv_check("publish_size_0_when_full", publish(10 + n, 0), JAVISOR_EINVAL);

    /* Free one in the middle: the same range comes back. */
    if (filled == n && n >= 2) {
        uint32_t mid = n / 2;
        jv_check("unpublish_middle", jv_ivc_unpublish(10 + mid), 0);
        jv_check("publish_after_unpublish", publish(40, limit), 0);
        jv_printf("freed 0x%x, got 0x%x\n", at[mid], (uint32_t)addr);
        jv_check("reuse_same_gpa", (uint32_t)addr == at[mid] ? 0 : JAVISOR_EINVAL, 0);
        jv_check("header_key_of_reused_range", read64((uint32_t)addr + 8) == 40 ? 0 : JAVISOR_EINVAL, 0);
        jv_check("unpublish_reused", jv_ivc_unpublish(40), 0);
        jv_check("unpublish_twice", jv_ivc_unpublish(10 + mid), JAVISOR_ENOENT);
        for (uint32_t i = 0; i < n; i++)
            if (i != mid)
                jv_check("unpublish_fill", jv_ivc_unpublish(10 + i), 0);
    } else {
        for (uint32_t i = 0; i < filled; i++)
            jv_ivc_unpublish(10 + i);
    }
    jv_check("unpublish_first", jv_ivc_unpublish(1), 0);
    jv_check("unpublish_first_again", jv_ivc_unpublish(1), JAVISOR_ENOENT);
    jv_check("notify_after_unpublish", jv_ivc_notify(me, 1), JAVISOR_ENOENT);

    /* Everything released: the window is empty again. */
    jv_check("publish_in_empty_window", publish(1, limit), 0);
    jv_check("empty_window_starts_at_base", (uint32_t)addr == wbase ? 0 : JAVISOR_EINVAL, 0);
    jv_check("unpublish_last", jv_ivc_unpublish(1), 0);

    if (jv_check_failures == 0) {
        jv_printf("hc_ivc_errors: passed\n");
        guest_exit(0x65);
    }
    jv_printf("hc_ivc_errors: %u failed\n", jv_check_failures);
    guest_exit(0x66);
}
