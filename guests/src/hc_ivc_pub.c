/*
 * hc_ivc_pub.elf - the publishing half of the IVC demo (with hc_ivc_sub.elf in another VM): publishes
 * channel `key` with 4 KiB of control block and 1 MiB of data, fills the data with a pattern and its
 * checksum, notifies the subscriber (IvcNotify, retried until it reaches one), then waits for the
 * subscriber's notification (an I/O APIC interrupt) and its verdict in the control block.
 *
 * Command line (all optional): key=0x4a56 gsi=5 timeout=30000 (ms, per wait) stall
 *   stall: stop half-way through the data ("hc_ivc_pub: stalled mid-transfer") and halt, for a test that
 *   deletes the publisher while a subscriber waits.
 * Output: "hc_ivc_pub: ..." lines, ending "hc_ivc_pub: passed" (exit 0x67) or "hc_ivc_pub: FAIL ..." (0x68).
 * VM: RAM 16 MiB, one vCPU, IVC window of 2 MiB or more with limit >= 0x101000, interrupt line = gsi:
 *   emu_devices = [["ivc", 0x8000_0000, 0x40_0000, 5, 0xA, [0x20_0000, <subscriber VM id>]]]
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
    jv_printf("hc_ivc_pub: FAIL %s %d\n", what, value);
    guest_exit(0x68);
}

void guest_main(uint32_t magic, const struct multiboot_info *mbi)
{
    jv_platform_init();
    const char *cmdline = jv_cmdline(magic, mbi);
    uint32_t key = jv_cmdline_u32(cmdline, "key", DEMO_KEY);
    uint32_t gsi = jv_cmdline_u32(cmdline, "gsi", DEMO_GSI);
    uint32_t timeout = jv_cmdline_u32(cmdline, "timeout", 30000);
    int stall = jv_cmdline_has(cmdline, "stall");

    jv_set_handler(DEMO_VECTOR, on_notify);
    jv_ioapic_route(gsi, DEMO_VECTOR, jv_lapic_id(), 0);

    jv_result me = jv_get_vm_id();
    if (me < 0)
        fail("GetVmId", me);
    chan_size = DEMO_CHANNEL_SIZE;
    jv_result r = jv_ivc_publish(key, &chan_addr, &chan_size);
    if (r != 0)
        fail("IvcPublish", r);
    uint32_t base = (uint32_t)chan_addr;
    jv_printf("hc_ivc_pub: VM %d published channel 0x%x at 0x%x, 0x%x bytes\n", me, key, base,
              (uint32_t)chan_size);
    if (chan_size < DEMO_CHANNEL_SIZE)
        fail("granted size too small", (int32_t)chan_size);
    if (*(volatile uint64_t *)(uintptr_t)base != (uint32_t)me || *(volatile uint64_t *)(uintptr_t)(base + 8) != key)
        fail("channel header", (int32_t)*(volatile uint32_t *)(uintptr_t)base);

    struct demo_ctrl *ctrl = (struct demo_ctrl *)(uintptr_t)(base + JAVISOR_IVC_HEADER_SIZE);
    uint32_t *data = (uint32_t *)(uintptr_t)(base + DEMO_DATA_OFFSET);
    uint32_t words = DEMO_DATA_SIZE / 4;
    uint32_t seed = (uint32_t)jv_tsc();

    /* Fill and checksum in one pass: a 1 MiB loop, so a few hundred ms of emulated CPL0 on PVM. */
    uint32_t x = seed, a = 0, b = 0;
    uint32_t stop_at = stall ? words / 2 : words;
    for (uint32_t i = 0; i < stop_at; i++) {
        uint32_t w = x ^ (x >> 16);
        data[i] = w;
        a += w;
        b += a;
        x = x * DEMO_LCG_MUL + DEMO_LCG_ADD;
    }
    if (stall) {
        jv_printf("hc_ivc_pub: stalled mid-transfer\n");
        halt_forever();
    }
    ctrl->magic = DEMO_MAGIC;
    ctrl->length = DEMO_DATA_SIZE;
    ctrl->seed = seed;
    ctrl->sum_a = a;
    ctrl->sum_b = b;
    ctrl->ack_a = 0;
    ctrl->ack_b = 0;
    jv_atomic_store(&ctrl->state, DEMO_READY);
    jv_printf("hc_ivc_pub: wrote %u bytes, checksum a=0x%x b=0x%x\n", DEMO_DATA_SIZE, a, b);

    /* Notify until a subscriber is there to hear it. */
    uint32_t tries = 0;
    for (;;) {
        r = jv_ivc_notify((jv_reg)me, key);
        if (r < 0)
            fail("IvcNotify", r);
        if (r > 0)
            break;
        if (++tries * 10 >= timeout)
            fail("no subscriber before the timeout, tries", (int32_t)tries);
        jv_delay_ms(10);
    }
    jv_printf("hc_ivc_pub: notified %d subscriber(s)\n", r);

    /* The subscriber's verdict comes with a notification. */
    uint32_t waited = 0;
    while (!(notes > 0 && jv_atomic_load(&ctrl->state) >= DEMO_ACK)) {
        if (waited >= timeout) {
            jv_printf("hc_ivc_pub: timeout, state=%u notifications=%u\n", ctrl->state, notes);
            fail("no answer from the subscriber, state", (int32_t)ctrl->state);
        }
        jv_wait_change(&notes, notes, 100);
        waited += 100;
    }
    jv_printf("hc_ivc_pub: notifications received: %u\n", notes);
    if (ctrl->state != DEMO_ACK || ctrl->ack_a != a || ctrl->ack_b != b) {
        jv_printf("hc_ivc_pub: subscriber reports state %u a=0x%x b=0x%x\n", ctrl->state, ctrl->ack_a, ctrl->ack_b);
        fail("subscriber saw a different checksum, state", (int32_t)ctrl->state);
    }
    jv_printf("hc_ivc_pub: subscriber verified the checksum\n");
    r = jv_ivc_unpublish(key);
    if (r != 0)
        fail("IvcUnpublish", r);
    jv_printf("hc_ivc_pub: passed\n");
    guest_exit(0x67);
}
