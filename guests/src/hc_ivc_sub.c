/*
 * hc_ivc_sub.elf - the subscribing half of the IVC demo (with hc_ivc_pub.elf in another VM): subscribes
 * to channel `key` of VM `pub` (retrying every 10 ms while it gets -ENOENT, i.e. until the publisher
 * has published), waits for the publisher's notification (an I/O APIC interrupt on `gsi`), checks the
 * checksum of the 1 MiB of data, writes its verdict into the control block and notifies back.
 *
 * Command line (all optional): pub=1 key=0x4a56 gsi=5 timeout=30000 (ms, per wait) expect=<code>
 *   expect=<code>: only subscribe (retrying on -ENOENT) and compare the result with <code>, e.g.
 *   expect=-13 in a VM the publisher's access policy leaves out; exit 0x69 if it matches.
 * Output: "hc_ivc_sub: ..." lines, ending "hc_ivc_sub: passed" (exit 0x69) or "hc_ivc_sub: FAIL ..." (0x6a).
 * If no notification comes before the timeout (the publisher stalled or was deleted), it reports the
 * channel's state, calls IvcNotify (0 once the publisher is gone: nobody to notify) and IvcUnsubscribe,
 * and exits 0x71 with "hc_ivc_sub: publisher gone, channel left" if those returned 0 and 0.
 * VM: RAM 16 MiB, one vCPU, IVC window of 2 MiB or more with limit >= 0x101000, interrupt line = gsi:
 *   emu_devices = [["ivc", 0x8000_0000, 0x40_0000, 5, 0xA, [0x20_0000]]]
 */
#include "javisor_rt.h"
#include "ivc_demo.h"

static volatile uint32_t notes;     /* IVC interrupts received */
static uint64_t chan_addr __attribute__((aligned(8)));
static uint64_t chan_size __attribute__((aligned(8)));

static void on_notify(struct jv_frame *f)
{
    (void)f;
    notes++;
    jv_lapic_eoi();
}

static __attribute__((noreturn)) void fail(const char *what, int32_t value)
{
    jv_printf("hc_ivc_sub: FAIL %s %d\n", what, value);
    guest_exit(0x6a);
}

void guest_main(uint32_t magic, const struct multiboot_info *mbi)
{
    jv_platform_init();
    const char *cmdline = jv_cmdline(magic, mbi);
    uint32_t pub = jv_cmdline_u32(cmdline, "pub", 1);
    uint32_t key = jv_cmdline_u32(cmdline, "key", DEMO_KEY);
    uint32_t gsi = jv_cmdline_u32(cmdline, "gsi", DEMO_GSI);
    uint32_t timeout = jv_cmdline_u32(cmdline, "timeout", 30000);
    int expect_only = jv_cmdline_has(cmdline, "expect");
    int32_t expect = (int32_t)jv_cmdline_u32(cmdline, "expect", 0);

    jv_set_handler(DEMO_VECTOR, on_notify);
    jv_ioapic_route(gsi, DEMO_VECTOR, jv_lapic_id(), 0);
    jv_printf("hc_ivc_sub: VM %d subscribing to channel 0x%x of VM %u\n", jv_get_vm_id(), key, pub);

    jv_result r;
    uint32_t tries = 0;
    for (;;) {
        r = jv_ivc_subscribe(pub, key, &chan_addr, &chan_size);
        if (r != JAVISOR_ENOENT)
            break;
        if (++tries * 10 >= timeout)
            break;
        jv_delay_ms(10);
    }
    if (expect_only) {
        if (r == 0)
            jv_ivc_unsubscribe(pub, key);
        if (r != expect)
            fail("IvcSubscribe", r);
        jv_printf("hc_ivc_sub: IvcSubscribe gave %d (%s) as expected\n", r, jv_errname(r));
        jv_printf("hc_ivc_sub: passed\n");
        guest_exit(0x69);
    }
    if (r != 0)
        fail("IvcSubscribe", r);
    uint32_t base = (uint32_t)chan_addr;
    jv_printf("hc_ivc_sub: subscribed after %u retries: 0x%x bytes at 0x%x\n", tries, (uint32_t)chan_size, base);
    if (chan_size < DEMO_CHANNEL_SIZE)
        fail("channel too small", (int32_t)chan_size);
    if (*(volatile uint64_t *)(uintptr_t)base != pub || *(volatile uint64_t *)(uintptr_t)(base + 8) != key)
        fail("channel header", (int32_t)*(volatile uint32_t *)(uintptr_t)base);

    /* Wait for the data and for the notification that says so; polling alone does not count. */
    struct demo_ctrl *ctrl = (struct demo_ctrl *)(uintptr_t)(base + JAVISOR_IVC_HEADER_SIZE);
    uint32_t waited = 0;
    while (!(notes > 0 && jv_atomic_load(&ctrl->state) == DEMO_READY)) {
        if (waited >= timeout) {
            uint32_t state = ctrl->state;
            jv_printf("hc_ivc_sub: timeout after %u ms, state=%u notifications=%u header=%u/0x%x\n", waited,
                      state, notes, *(volatile uint32_t *)(uintptr_t)base,
                      *(volatile uint32_t *)(uintptr_t)(base + 8));
            if (state == DEMO_READY)
                fail("data ready but no notification, notifications", (int32_t)notes);
            jv_result n = jv_ivc_notify(pub, key);
            jv_result u = jv_ivc_unsubscribe(pub, key);
            jv_printf("hc_ivc_sub: IvcNotify %d, IvcUnsubscribe %d\n", n, u);
            if (n == 0 && u == 0) {
                jv_printf("hc_ivc_sub: publisher gone, channel left\n");
                guest_exit(0x71);
            }
            fail("publisher silent, IvcNotify", n);
        }
        jv_wait_change(&notes, notes, 100);
        waited += 100;
    }
    jv_printf("hc_ivc_sub: notifications received: %u\n", notes);

    uint32_t len = ctrl->length;
    if (ctrl->magic != DEMO_MAGIC || len == 0 || len > chan_size - DEMO_DATA_OFFSET || (len & 3))
        fail("bad control block, length", (int32_t)len);
    uint32_t a, b;
    demo_checksum((const uint32_t *)(uintptr_t)(base + DEMO_DATA_OFFSET), len / 4, &a, &b);
    int good = a == ctrl->sum_a && b == ctrl->sum_b;
    jv_printf("hc_ivc_sub: read %u bytes, checksum a=0x%x b=0x%x: %s\n", len, a, b, good ? "match" : "MISMATCH");
    ctrl->ack_a = a;
    ctrl->ack_b = b;
    jv_atomic_store(&ctrl->state, good ? DEMO_ACK : DEMO_NACK);
    r = jv_ivc_notify(pub, key);
    if (r != 1)
        fail("IvcNotify to the publisher", r);
    r = jv_ivc_unsubscribe(pub, key);
    if (r != 0)
        fail("IvcUnsubscribe", r);
    if (!good)
        fail("checksum mismatch, expected a", (int32_t)ctrl->sum_a);
    jv_printf("hc_ivc_sub: passed\n");
    guest_exit(0x69);
}
