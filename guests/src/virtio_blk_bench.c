/*
 * virtio_blk_bench.elf - virtio-blk throughput for bench/: sequential 1 MiB writes and reads, then random
 * 4 KiB writes and reads, each phase timed with the TSC, through the SDK's javisor_virtio.h. The same
 * image runs under Javisor and under QEMU (-M microvm, where the device's address and interrupt differ:
 * they come from the command line).
 *
 * Command line (words anywhere, so QEMU's "kernel path first" line works too):
 *   blk=0xd0000000  the disk's registers          gsi=16     its interrupt (IOAPIC input)
 *   mib=64          MiB each sequential phase moves (wrapping at the end of the disk)
 *   rand=2000       requests each random phase makes
 *   depth=1         requests kept in flight (1-32)
 *   warm=0          random 4 KiB reads first, timed as phase "warmup": a VMM whose I/O path warms up (a JIT)
 *                   reaches its steady state before the measured phases
 *   poll            spin on the used ring instead of sleeping in hlt until the interrupt
 * Buffers live at 16 MiB and up (depth MiB): the VM needs 16 + depth MiB of RAM, and a disk of at least
 * 1 MiB. Output, one line per phase:
 *   virtio_blk_bench <phase> n=<requests> bytes=<bytes> tsc=0x<TSC ticks from first submit to last answer>
 * (warmup, if asked, then seqwrite, seqread, randwrite, randread), then
 *   virtio_blk_bench stalls: late=<n> renotified=<n> interrupts=<n> requests=<n>
 * (late: the 20 ms timer woke the guest and found an answer whose interrupt had not come; renotified: 500 ms
 * without an answer, so the guest rang the doorbell again; the device's interrupts taken, and the requests of
 * the phases, FLUSH not counted), then "virtio_blk_bench done" (exit 0x74); "virtio_blk_bench: FAIL <why>" and exit 0x75 on
 * any error.
 */
#include "javisor_rt.h"
#include "javisor_virtio.h"

#define VECTOR 0x52
#define PASS 0x74
#define FAILED 0x75
#define BUFFERS 0x1000000u
#define MIB (1024u * 1024u)
#define MAX_DEPTH 32

#define TICK_VECTOR 0x53
#define TICK_COUNT 1250000u     /* 20 ms at KVM's 1 GHz APIC clock divided by 16 */
#define STALL_TICKS 25          /* 500 ms without an answer: far longer than any request takes */

static struct jv_vq_mem mem;
static struct jv_vblk d;
static volatile uint32_t irqs;
static volatile uint32_t ticks;
static uint32_t irqs_seen;
static uint32_t quiet_ticks;
static uint32_t late;             /* wake-ups by the timer with an answer on the used ring, no interrupt for it */
static uint32_t renotified;       /* 500 ms without an answer: the doorbell rung again */
static uint32_t requests;         /* answers taken, FLUSH included */

static void on_irq(struct jv_frame *f)
{
    (void)f;
    jv_vio_ack_interrupt(d.base);
    irqs++;
    jv_lapic_eoi();
}

static void on_tick(struct jv_frame *f)
{
    (void)f;
    ticks++;
    jv_lapic_eoi();
}

/*
 * Sleeps until the next interrupt. Called with interrupts off: sti's shadow covers hlt, so an interrupt that
 * came meanwhile wakes it at once. A periodic timer (set up once: no cost per wait) wakes it too, so that a
 * lost interrupt or doorbell shows as a stall, counted and reported, instead of a hang.
 */
static int wait_irq(void *arg)
{
    (void)arg;
    if (irqs == irqs_seen)
        jv_wait_for_interrupt();
    if (irqs != irqs_seen) {
        irqs_seen = irqs;
        quiet_ticks = 0;
    } else if (d.used->idx != d.used_idx) {
        /* Woken by the timer, the answer there, its interrupt not: rare by chance (the device raises the
           interrupt microseconds after the used entry), often if interrupts get lost. */
        late++;
        quiet_ticks = 0;
    } else if (++quiet_ticks >= STALL_TICKS) {
        quiet_ticks = 0;
        renotified++;
        jv_vblk_notify(&d);
    }
    return 0;
}

static __attribute__((noreturn)) void fail(const char *why, int value)
{
    jv_printf("virtio_blk_bench: FAIL %s %d\n", why, value);
    guest_exit(FAILED);
}

static uint32_t lcg = 12345;

static uint32_t next_random(void)
{
    lcg = lcg * 1103515245u + 12345u;
    return lcg >> 8;
}

/*
 * n requests of `bytes` each, `depth` in flight, at consecutive places (wrapping at the end of the disk) or
 * random ones; prints the phase's line. Data buffers are taken round-robin: their contents do not matter.
 */
static void phase(const char *name, uint32_t type, uint32_t n, uint32_t bytes, uint32_t depth, int random)
{
    uint32_t sectors_per = bytes / 512;
    /* Whole requests that fit on the disk (a 32-bit division: no libgcc for 64-bit ones). */
    uint32_t slots = (uint32_t)(d.capacity >= 0xffffffffu ? 0xffffffffu : d.capacity) / sectors_per;
    uint32_t submitted = 0, done = 0, in_flight = 0;
    uint64_t t0 = jv_tsc();
    while (done < n) {
        while (in_flight < depth && submitted < n) {
            uint32_t pos = random ? next_random() % slots : submitted % slots;
            uint32_t buffer = submitted % depth;
            struct jv_vblk_buf b = {(void *)(uintptr_t)(BUFFERS + buffer * MIB), bytes, type == JV_VBLK_T_IN};
            int head = jv_vblk_submit(&d, type, (uint64_t)pos * sectors_per, &b, 1);
            if (head < 0)
                fail("submit", head);
            submitted++;
            in_flight++;
        }
        jv_vblk_notify(&d);
        uint32_t id, len;
        int r = jv_vq_wait(&d, &id, &len);
        if (r)
            fail("wait", r);
        int s = jv_vblk_complete(&d, id);
        requests++;
        if (s != JV_VBLK_S_OK)
            fail("status", s);
        done++;
        in_flight--;
    }
    uint64_t t1 = jv_tsc();
    jv_printf("virtio_blk_bench %s n=%u bytes=%u tsc=0x%llx\n", name, n, n * bytes, t1 - t0);
}

void guest_main(uint32_t magic, const struct multiboot_info *mbi)
{
    jv_platform_init();
    const char *cmdline = jv_cmdline(magic, mbi);
    uintptr_t blk = jv_cmdline_u32(cmdline, "blk", 0xd0000000u);
    uint32_t mib = jv_cmdline_u32(cmdline, "mib", 64);
    uint32_t rand = jv_cmdline_u32(cmdline, "rand", 2000);
    uint32_t depth = jv_cmdline_u32(cmdline, "depth", 1);
    if (depth < 1 || depth > MAX_DEPTH)
        fail("depth must be 1 to 32, got", (int)depth);
    if (magic == MULTIBOOT_BOOTLOADER_MAGIC && (mbi->flags & 1)
        && (mbi->mem_upper + 1024) / 1024 < BUFFERS / MIB + depth)
        fail("RAM (MiB) too small for the buffers:", (int)((mbi->mem_upper + 1024) / 1024));

    if (!jv_cmdline_has(cmdline, "poll")) {
        jv_set_handler(VECTOR, on_irq);
        jv_set_handler(TICK_VECTOR, on_tick);
        jv_ioapic_route(jv_cmdline_u32(cmdline, "gsi", 16), VECTOR, jv_lapic_id(), 0);
        jv_lapic_timer_periodic(TICK_VECTOR, TICK_COUNT, JV_LAPIC_DIV_16);
        d.wait = wait_irq;
    }
    int r = jv_vblk_init(&d, blk, &mem, JV_VBLK_F_FLUSH);
    if (r)
        fail("init", r);
    if (d.capacity < MIB / 512)
        fail("disk smaller than 1 MiB: sectors", (int)d.capacity);
    jv_printf("virtio_blk_bench: %u sectors, queue %u, depth %u\n", (uint32_t)d.capacity, d.qsize, depth);

    uint32_t warm = jv_cmdline_u32(cmdline, "warm", 0);
    if (warm)
        phase("warmup", JV_VBLK_T_IN, warm, 4096, depth, 1);
    phase("seqwrite", JV_VBLK_T_OUT, mib, MIB, depth, 0);
    if (jv_vblk_flush(&d) != JV_VBLK_S_OK)
        fail("flush", 0);
    phase("seqread", JV_VBLK_T_IN, mib, MIB, depth, 0);
    phase("randwrite", JV_VBLK_T_OUT, rand, 4096, depth, 1);
    phase("randread", JV_VBLK_T_IN, rand, 4096, depth, 1);
    if (jv_vblk_flush(&d) != JV_VBLK_S_OK)
        fail("flush", 1);
    jv_lapic_timer_stop();
    jv_printf("virtio_blk_bench stalls: late=%u renotified=%u interrupts=%u requests=%u\n", late, renotified, irqs,
              requests);
    jv_printf("virtio_blk_bench done\n");
    guest_exit(PASS);
}
