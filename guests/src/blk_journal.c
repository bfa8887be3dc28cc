/*
 * blk_journal.elf - a virtio-blk journal for crash tests: it writes numbered 4 KiB records round the disk,
 * flushes after every batch and says on COM1 which records the flush covered, so that a test that kills the
 * hypervisor (kill -9) knows exactly what must be on the image afterwards.
 *
 * The disk is a ring of 4 KiB slots (capacity / 8 sectors). Record `seq` (1, 2, ...) goes to slot
 * seq % slots, written by one request, and holds 1024 little-endian words: word 0 JOURNAL_MAGIC, word 1 seq,
 * word 2 the slot, word i (3..1023) seq * 0x9e3779b1 + i. A slot is either all zeros (never written) or one
 * intact record; nothing else is allowed, before or after a crash.
 *
 * At start it reads the whole disk and checks that: each slot zero or an intact record of its slot; it then
 * carries on after the highest record found, so the journal of a VM booted again after a crash continues.
 *
 * Command line (all optional):
 *   blk=0xd0000000  the disk's registers     gsi=16   its interrupt (IOAPIC input)
 *   batch=4         records written between two flushes
 *   count=0         flushes before it powers off (0: never, it runs until it is killed)
 * Output:
 *   blk_journal: <slots> slots, <records> records, next <seq>   after the check of the disk, before any write
 *   flushed <seq>                    after each flush: every record up to seq is on the disk (the last
 *                                    `slots` of them, the older ones having been overwritten)
 *   blk_journal: done                after `count` flushes, then power-off
 *   blk_journal: FAIL <why> <value>  on a bad slot or a failed request, and debug exit 0x77
 */
#include "javisor_rt.h"
#include "javisor_virtio.h"

#define VECTOR 0x54
#define FAILED 0x77
#define JOURNAL_MAGIC 0x4c4e524au   /* "JRNL" */
#define SLOT_BYTES 4096u
#define SLOT_SECTORS (SLOT_BYTES / JV_VBLK_SECTOR)
#define WORDS (SLOT_BYTES / 4)
#define SCAN_SLOTS 16               /* slots read per request while checking the disk */

static struct jv_vq_mem mem;
static struct jv_vblk d;
static uint32_t record[WORDS] __attribute__((aligned(4096)));
static uint32_t scan[SCAN_SLOTS * WORDS] __attribute__((aligned(4096)));
static volatile uint32_t irqs;
static uint32_t irqs_seen;

static void on_irq(struct jv_frame *f)
{
    (void)f;
    jv_vio_ack_interrupt(d.base);
    irqs++;
    jv_lapic_eoi();
}

/* Sleeps until the device's interrupt, 10 ms at most, and never gives up: the test kills us when it likes. */
static int wait_irq(void *arg)
{
    (void)arg;
    irqs_seen = jv_wait_change(&irqs, irqs_seen, 10);
    return 0;
}

static __attribute__((noreturn)) void fail(const char *why, uint32_t value)
{
    jv_printf("blk_journal: FAIL %s %u\n", why, value);
    guest_exit(FAILED);
}

static uint32_t word(uint32_t seq, uint32_t i)
{
    return seq * 0x9e3779b1u + i;
}

/* 0 for a zero slot, the record's seq for an intact record of `slot`, and a failure otherwise. */
static uint32_t check_slot(const uint32_t *w, uint32_t slot, uint32_t slots)
{
    int zero = 1;
    for (uint32_t i = 0; i < WORDS && zero; i++)
        zero = w[i] == 0;
    if (zero)
        return 0;
    uint32_t seq = w[1];
    if (w[0] != JOURNAL_MAGIC || w[2] != slot || seq == 0 || seq % slots != slot)
        fail("bad record header in slot", slot);
    for (uint32_t i = 3; i < WORDS; i++)
        if (w[i] != word(seq, i))
            fail("torn record in slot", slot);
    return seq;
}

void guest_main(uint32_t magic, const struct multiboot_info *mbi)
{
    jv_platform_init();
    const char *cmdline = jv_cmdline(magic, mbi);
    uintptr_t blk = jv_cmdline_u32(cmdline, "blk", 0xd0000000u);
    uint32_t batch = jv_cmdline_u32(cmdline, "batch", 4);
    uint32_t count = jv_cmdline_u32(cmdline, "count", 0);
    jv_set_handler(VECTOR, on_irq);
    jv_ioapic_route(jv_cmdline_u32(cmdline, "gsi", 16), VECTOR, jv_lapic_id(), 0);
    d.wait = wait_irq;
    int r = jv_vblk_init(&d, blk, &mem, JV_VBLK_F_FLUSH);
    if (r)
        fail("init", (uint32_t)-r);
    if (d.capacity < SLOT_SECTORS * 2 || d.capacity > 0xffffffffu)
        fail("capacity in sectors", (uint32_t)d.capacity);
    uint32_t slots = (uint32_t)d.capacity / SLOT_SECTORS;

    uint32_t highest = 0, records = 0;
    for (uint32_t first = 0; first < slots; first += SCAN_SLOTS) {
        uint32_t n = slots - first < SCAN_SLOTS ? slots - first : SCAN_SLOTS;
        r = jv_vblk_rw(&d, JV_VBLK_T_IN, (uint64_t)first * SLOT_SECTORS, scan, n * SLOT_BYTES);
        if (r != JV_VBLK_S_OK)
            fail("read status", (uint32_t)r);
        for (uint32_t s = 0; s < n; s++) {
            uint32_t seq = check_slot(scan + s * WORDS, first + s, slots);
            records += seq != 0;
            if (seq > highest)
                highest = seq;
        }
    }
    jv_printf("blk_journal: %u slots, %u records, next %u\n", slots, records, highest + 1);

    uint32_t seq = highest;
    for (uint32_t flushes = 0; count == 0 || flushes < count; flushes++) {
        for (uint32_t b = 0; b < batch; b++) {
            seq++;
            uint32_t slot = seq % slots;
            record[0] = JOURNAL_MAGIC;
            record[1] = seq;
            record[2] = slot;
            for (uint32_t i = 3; i < WORDS; i++)
                record[i] = word(seq, i);
            r = jv_vblk_rw(&d, JV_VBLK_T_OUT, (uint64_t)slot * SLOT_SECTORS, record, SLOT_BYTES);
            if (r != JV_VBLK_S_OK)
                fail("write status", (uint32_t)r);
        }
        r = jv_vblk_flush(&d);
        if (r != JV_VBLK_S_OK)
            fail("flush status", (uint32_t)r);
        jv_printf("flushed %u\n", seq);
    }
    jv_printf("blk_journal: done\n");
    power_off();
    halt_forever();
}
