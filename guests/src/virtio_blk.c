/*
 * virtio_blk.elf - a hostile driver for a virtio-blk device (virtio-mmio version 2), on the SDK's
 * javisor_virtio.h: every request type, every error status, and malformed descriptor chains, each bad
 * case followed by a good request to show the device still serves (or, where the device documents
 * DEVICE_NEEDS_RESET, that it says so and serves again after a reset).
 *
 * Command line (all optional):
 *   blk=0xd0000000  the read-write disk's registers     gsi=16    its interrupt (IOAPIC input)
 *   ro=0xADDR       a read-only disk's registers         rogsi=17  its interrupt
 *   rom=0xADDR      a page of read-only guest memory (a region without the W flag) for the DMA checks
 *   sectors=N       the read-write disk's expected capacity
 *   timeout=10000   ms to wait for one answer
 * Both disks must hold the pattern disk_word() below (the read-only one XORed with RO_MASK), the rw disk
 * at least 1280 sectors. The guest writes sectors 100-111 (wr_word), zeroes 200-215, 300-307 and
 * 320-323, and copies the ROM page's first 512 bytes to sector 400: a test can check the image after.
 *
 * Output: "ok <check>" or "FAIL <check>: <why>" per check, then "virtio_blk: passed" (exit 0x72) or
 * "virtio_blk: N checks failed" (exit 0x73). A 32-bit Multiboot guest on the SDK runtime.
 */
#include "javisor_rt.h"
#include "javisor_virtio.h"

#define VECTOR 0x51
#define RO_MASK 0x55aa55aau
#define PASS 0x72
#define FAILED 0x73

static struct jv_vq_mem mem_rw, mem_ro;
static struct jv_vblk rw, ro;
static uint8_t buf[128 * 1024] __attribute__((aligned(4096)));
/* Hand-made requests: headers, a status byte, indirect tables. */
static struct jv_vblk_req hdr __attribute__((aligned(16)));
static volatile uint8_t status;
static struct jv_vq_desc table[8] __attribute__((aligned(16)));
static struct jv_vq_desc table2[2] __attribute__((aligned(16)));

static volatile uint32_t irqs;         /* interrupts taken */
static volatile uint32_t irq_bits;     /* InterruptStatus bits seen, ORed */
static uint32_t irqs_seen;
static uint32_t idle_ticks;
static uint32_t timeout_ms;
static uint32_t failures;
static uintptr_t rom;

static void on_irq(struct jv_frame *f)
{
    (void)f;
    irq_bits |= jv_vio_ack_interrupt(rw.base);
    if (ro.base)
        irq_bits |= jv_vio_ack_interrupt(ro.base);
    irqs++;
    jv_lapic_eoi();
}

/* The driver's wait: sleep in hlt until an interrupt, 10 ms at most; give up after timeout_ms without one. */
static int wait_irq(void *arg)
{
    (void)arg;
    uint32_t now = jv_wait_change(&irqs, irqs_seen, 10);
    if (now != irqs_seen) {
        irqs_seen = now;
        idle_ticks = 0;
        return 0;
    }
    return ++idle_ticks * 10 >= timeout_ms;
}

/* ---- checks ------------------------------------------------------------------------------------ */

static void ok(const char *name)
{
    jv_printf("ok %s\n", name);
}

static int expect(const char *name, int got, int want)
{
    idle_ticks = 0;
    if (got == want) {
        ok(name);
        return 1;
    }
    jv_printf("FAIL %s: got %d, want %d\n", name, got, want);
    failures++;
    return 0;
}

static int expect_true(const char *name, int cond, const char *why, uint32_t value)
{
    idle_ticks = 0;
    if (cond) {
        ok(name);
        return 1;
    }
    jv_printf("FAIL %s: %s 0x%x\n", name, why, value);
    failures++;
    return 0;
}

/* ---- disk contents ------------------------------------------------------------------------------- */

/* 32-bit word k (byte offset 4k) of a fresh disk: what the test writes into the image. */
static inline uint32_t disk_word(uint32_t k)
{
    return k * 2654435761u + 0x4a56u;
}

/* Word k of what the guest writes. */
static inline uint32_t wr_word(uint32_t k)
{
    return (k * 0x01000193u) ^ 0xdeadbeefu;
}

static void fill(void *p, uint32_t sector, uint32_t bytes)
{
    uint32_t *w = p;
    for (uint32_t i = 0; i < bytes / 4; i++)
        w[i] = wr_word(sector * 128 + i);
}

/* -1 if the words match pattern kind (0 disk, 1 written, 2 zero, 3 read-only disk), else the first bad index. */
static int verify(const void *p, uint32_t sector, uint32_t bytes, int kind)
{
    const uint32_t *w = p;
    for (uint32_t i = 0; i < bytes / 4; i++) {
        uint32_t k = sector * 128 + i;
        uint32_t want = kind == 0 ? disk_word(k) : kind == 1 ? wr_word(k) : kind == 2 ? 0 : disk_word(k) ^ RO_MASK;
        if (w[i] != want)
            return (int)i;
    }
    return -1;
}

static void clear(void *p, uint32_t bytes, uint8_t v)
{
    volatile uint8_t *b = p;
    for (uint32_t i = 0; i < bytes; i++)
        b[i] = v;
}

/* Reads `count` sectors at `sector` of d into buf and checks them against pattern `kind`. */
static int read_check(const char *name, struct jv_vblk *d, uint32_t sector, uint32_t count, int kind)
{
    clear(buf, count * 512, 0xcc);
    int s = jv_vblk_rw(d, JV_VBLK_T_IN, sector, buf, count * 512);
    if (s != JV_VBLK_S_OK)
        return expect(name, s, JV_VBLK_S_OK);
    int bad = verify(buf, sector, count * 512, kind);
    return expect_true(name, bad < 0, "data differs at word", (uint32_t)bad);
}

/* prefix + name, in a buffer the next call reuses. */
static const char *named(const char *prefix, const char *name)
{
    static char out[80];
    int n = 0;
    for (const char *p = prefix; *p && n < 40; p++)
        out[n++] = *p;
    for (const char *p = name; *p && n < 79; p++)
        out[n++] = *p;
    out[n] = 0;
    return out;
}

/* The good request after each bad one: the first 8 sectors, as the test wrote them. */
static void still_serves(const char *after)
{
    read_check(named("good_after_", after), &rw, 0, 8, 0);
}

/* ---- hand-made chains ---------------------------------------------------------------------------- */

static void header(uint32_t type, uint64_t sector)
{
    hdr.type = type;
    hdr.reserved = 0;
    hdr.sector = sector;
    status = 0xff;
}

/* Publishes the chain at `head`, waits for its used entry; returns its length, or -1 (another id, or none). */
static int run_chain(uint16_t head)
{
    jv_vq_publish(&rw, head);
    uint32_t id, len;
    if (jv_vq_wait(&rw, &id, &len) != 0)
        return -2;
    return id == head ? (int)len : -1;
}

/* A malformed request must come back untouched: used length 0, the status byte not written. */
static void refused(const char *name, uint16_t head)
{
    int len = run_chain(head);
    if (len == -2) {
        expect_true(name, 0, "no used entry within the timeout, head", head);
    } else if (len != 0 || status != 0xff) {
        jv_printf("FAIL %s: used length %d, status 0x%x (want 0, 0xff untouched)\n", name, len, status);
        failures++;
    } else {
        ok(name);
    }
    still_serves(name);
}

/* Re-initializes rw after a reset-worthy case; checks it serves again. */
static void reinit(const char *name)
{
    int r = jv_vblk_init(&rw, rw.base, &mem_rw, rw.features);
    if (!expect(named("init_after_", name), r, 0))
        return;
    still_serves(name);
}

/* Waits until rw's status has NEEDS_RESET (the device got there on its own thread). */
static uint32_t await_needs_reset(void)
{
    uint32_t s;
    for (uint32_t waited = 0; !((s = jv_vio_status(rw.base)) & JV_VIO_S_NEEDS_RESET) && waited < timeout_ms;
         waited += 10)
        irqs_seen = jv_wait_change(&irqs, irqs_seen, 10);
    return s;
}

/* ---- the checks ------------------------------------------------------------------------------------ */

static void negotiation(void)
{
    uintptr_t b = rw.base;
    expect_true("device_offers_version_1", (rw.offered & JV_VIRTIO_F_VERSION_1) != 0, "features",
                (uint32_t)(rw.offered >> 32));
    uint32_t s = jv_vio_negotiate(b, 0);
    expect_true("legacy_driver_refused", !(s & JV_VIO_S_FEATURES_OK), "status", s);
    s = jv_vio_negotiate(b, JV_VIRTIO_F_VERSION_1 | (1ull << 12));   /* VIRTIO_BLK_F_MQ: not offered */
    expect_true("unoffered_feature_refused", (rw.offered & (1ull << 12)) || !(s & JV_VIO_S_FEATURES_OK), "status",
                s);
    jv_vio_reset(b);
    jv_vio_add_status(b, JV_VIO_S_ACKNOWLEDGE | JV_VIO_S_DRIVER);
    s = jv_vio_add_status(b, JV_VIO_S_DRIVER_OK);
    expect_true("driver_ok_before_features_ok_ignored", !(s & JV_VIO_S_DRIVER_OK), "status", s);
    jv_vio_reset(b);
}

static void requests(uint32_t want_sectors)
{
    if (want_sectors)
        expect_true("capacity", rw.capacity == want_sectors, "capacity", (uint32_t)rw.capacity);
    jv_printf("capacity %u sectors, features 0x%llx\n", (uint32_t)rw.capacity, rw.features);

    clear(buf, JV_VBLK_ID_BYTES + 1, 0);
    int s = jv_vblk_rw(&rw, JV_VBLK_T_GET_ID, 0, buf, JV_VBLK_ID_BYTES);
    if (expect("get_id", s, JV_VBLK_S_OK))
        jv_printf("id \"%s\"\n", (const char *)buf);

    read_check("read", &rw, 0, 8, 0);

    /* One read into two buffers: the device fills them in chain order. */
    clear(buf, 2048, 0xcc);
    struct jv_vblk_buf two[2] = {{buf, 512, 1}, {buf + 512, 1536, 1}};
    s = jv_vblk_request(&rw, JV_VBLK_T_IN, 10, two, 2, 0);
    if (expect("read_two_buffers_status", s, JV_VBLK_S_OK))
        expect_true("read_two_buffers", verify(buf, 10, 2048, 0) < 0, "data differs", 0);

    fill(buf, 100, 4096);
    expect("write", jv_vblk_rw(&rw, JV_VBLK_T_OUT, 100, buf, 4096), JV_VBLK_S_OK);
    read_check("read_back_write", &rw, 100, 8, 1);

    fill(buf, 108, 2048);
    struct jv_vblk_buf three[3] = {{buf, 512, 0}, {buf + 512, 1024, 0}, {buf + 1536, 512, 0}};
    expect("write_three_buffers", jv_vblk_request(&rw, JV_VBLK_T_OUT, 108, three, 3, 0), JV_VBLK_S_OK);
    read_check("read_back_write_three_buffers", &rw, 108, 4, 1);

    expect("flush", jv_vblk_flush(&rw), JV_VBLK_S_OK);

    expect("discard", jv_vblk_range_request(&rw, JV_VBLK_T_DISCARD, 200, 16, 0), JV_VBLK_S_OK);
    read_check("discarded_reads_zero", &rw, 200, 16, 2);
    expect("write_zeroes_unmap", jv_vblk_range_request(&rw, JV_VBLK_T_WRITE_ZEROES, 300, 8, 1), JV_VBLK_S_OK);
    read_check("write_zeroes_unmap_reads_zero", &rw, 300, 8, 2);
    expect("write_zeroes", jv_vblk_range_request(&rw, JV_VBLK_T_WRITE_ZEROES, 320, 4, 0), JV_VBLK_S_OK);
    read_check("write_zeroes_reads_zero", &rw, 320, 4, 2);
    read_check("next_to_zeroes_untouched", &rw, 324, 4, 0);
    expect("flush_again", jv_vblk_flush(&rw), JV_VBLK_S_OK);

    expect("unsupported_type", jv_vblk_rw(&rw, 99, 0, buf, 512), JV_VBLK_S_UNSUPP);
    uint64_t cap = rw.capacity;
    expect("read_past_end", jv_vblk_rw(&rw, JV_VBLK_T_IN, cap - 1, buf, 1024), JV_VBLK_S_IOERR);
    expect("read_at_end", jv_vblk_rw(&rw, JV_VBLK_T_IN, cap, buf, 512), JV_VBLK_S_IOERR);
    expect("read_sector_2^64-1", jv_vblk_rw(&rw, JV_VBLK_T_IN, ~0ull, buf, 512), JV_VBLK_S_IOERR);
    expect("read_part_of_a_sector", jv_vblk_rw(&rw, JV_VBLK_T_IN, 0, buf, 100), JV_VBLK_S_IOERR);
    fill(buf, 0, 1024);
    expect("write_past_end", jv_vblk_rw(&rw, JV_VBLK_T_OUT, cap - 1, buf, 1024), JV_VBLK_S_IOERR);
    read_check("last_sector_untouched", &rw, (uint32_t)cap - 1, 1, 0);
    expect("discard_past_end", jv_vblk_range_request(&rw, JV_VBLK_T_DISCARD, cap - 4, 8, 0), JV_VBLK_S_IOERR);
    expect("discard_with_unmap_flag", jv_vblk_range_request(&rw, JV_VBLK_T_DISCARD, 0, 1, 1), JV_VBLK_S_UNSUPP);
    expect("write_zeroes_reserved_flag", jv_vblk_range_request(&rw, JV_VBLK_T_WRITE_ZEROES, 0, 1, 2),
           JV_VBLK_S_UNSUPP);
    read_check("first_sector_untouched", &rw, 0, 1, 0);
}

static void read_only_disk(void)
{
    expect_true("ro_offers_ro", (ro.offered & JV_VBLK_F_RO) != 0, "features", (uint32_t)ro.offered);
    expect_true("ro_offers_no_discard", !(ro.offered & (JV_VBLK_F_DISCARD | JV_VBLK_F_WRITE_ZEROES)), "features",
                (uint32_t)ro.offered);
    read_check("ro_read", &ro, 0, 8, 3);
    fill(buf, 0, 4096);
    expect("ro_write_refused", jv_vblk_rw(&ro, JV_VBLK_T_OUT, 0, buf, 4096), JV_VBLK_S_IOERR);
    expect("ro_discard_refused", jv_vblk_range_request(&ro, JV_VBLK_T_DISCARD, 0, 8, 0), JV_VBLK_S_IOERR);
    expect("ro_write_zeroes_refused", jv_vblk_range_request(&ro, JV_VBLK_T_WRITE_ZEROES, 0, 8, 0), JV_VBLK_S_IOERR);
    expect("ro_flush", jv_vblk_flush(&ro), JV_VBLK_S_OK);
    read_check("ro_unchanged", &ro, 0, 8, 3);
}

static void malformed_chains(void)
{
    uint16_t q = (uint16_t)rw.qsize;
    uintptr_t h = (uintptr_t)&hdr, st = (uintptr_t)&status;

    header(JV_VBLK_T_IN, 0);
    jv_vq_set_desc(&rw, 0, h, 16, JV_VQ_DESC_F_NEXT, 1);
    jv_vq_set_desc(&rw, 1, 0xe0000000u, 512, JV_VQ_DESC_F_NEXT | JV_VQ_DESC_F_WRITE, 2);
    jv_vq_set_desc(&rw, 2, st, 1, JV_VQ_DESC_F_WRITE, 0);
    refused("buffer_outside_ram", 0);

    header(JV_VBLK_T_IN, 0);
    jv_vq_set_desc(&rw, 0, h, 16, JV_VQ_DESC_F_NEXT, 1);
    jv_vq_set_desc(&rw, 1, 0xfffffffffffff000ull, 0x2000, JV_VQ_DESC_F_NEXT | JV_VQ_DESC_F_WRITE, 2);
    jv_vq_set_desc(&rw, 2, st, 1, JV_VQ_DESC_F_WRITE, 0);
    refused("buffer_wrapping_the_address_space", 0);

    header(JV_VBLK_T_IN, 0);
    jv_vq_set_desc(&rw, 0, h, 16, JV_VQ_DESC_F_NEXT, 1);
    jv_vq_set_desc(&rw, 1, rw.base, 512, JV_VQ_DESC_F_NEXT | JV_VQ_DESC_F_WRITE, 2);
    jv_vq_set_desc(&rw, 2, st, 1, JV_VQ_DESC_F_WRITE, 0);
    refused("buffer_on_the_device_registers", 0);

    header(JV_VBLK_T_IN, 0);
    jv_vq_set_desc(&rw, 0, h, 16, JV_VQ_DESC_F_NEXT, 1);
    jv_vq_set_desc(&rw, 1, (uintptr_t)buf, 512, JV_VQ_DESC_F_NEXT | JV_VQ_DESC_F_WRITE, 0);
    refused("chain_loops", 0);

    /* Every descriptor chained to the next, the last back to the first: longer than the queue. */
    header(JV_VBLK_T_OUT, 0);
    for (uint16_t i = 0; i < q; i++)
        jv_vq_set_desc(&rw, i, h, 16, JV_VQ_DESC_F_NEXT, (uint16_t)((i + 1) % q));
    refused("chain_longer_than_the_queue", 0);

    header(JV_VBLK_T_IN, 0);
    jv_vq_set_desc(&rw, 0, h, 16, JV_VQ_DESC_F_NEXT, (uint16_t)(q + 5));
    refused("next_outside_the_queue", 0);

    /* The longest legal chain: header, q - 2 sectors of data in a descriptor each, status (from sector 1000,
       which the guest leaves as the test wrote it). */
    if (q <= JV_VQ_MAX && (uint32_t)(q - 2) * 512 <= sizeof(buf)) {
        header(JV_VBLK_T_IN, 1000);
        clear(buf, (q - 2) * 512u, 0xcc);
        jv_vq_set_desc(&rw, 0, h, 16, JV_VQ_DESC_F_NEXT, 1);
        for (uint16_t i = 1; i <= q - 2; i++)
            jv_vq_set_desc(&rw, i, (uintptr_t)buf + (i - 1) * 512u, 512, JV_VQ_DESC_F_NEXT | JV_VQ_DESC_F_WRITE,
                           (uint16_t)(i + 1));
        jv_vq_set_desc(&rw, (uint16_t)(q - 1), st, 1, JV_VQ_DESC_F_WRITE, 0);
        int len = run_chain(0);
        expect("chain_as_long_as_the_queue_status", status, JV_VBLK_S_OK);
        expect("chain_as_long_as_the_queue_length", len, (q - 2) * 512 + 1);
        int bad = verify(buf, 1000, (q - 2) * 512u, 0);
        expect_true("chain_as_long_as_the_queue_data", bad < 0, "data differs at word", (uint32_t)bad);
    }

    /* A header of 8 bytes: the device cannot read a request from it. */
    header(JV_VBLK_T_FLUSH, 0);
    jv_vq_set_desc(&rw, 0, h, 8, JV_VQ_DESC_F_NEXT, 1);
    jv_vq_set_desc(&rw, 1, st, 1, JV_VQ_DESC_F_WRITE, 0);
    int len = run_chain(0);
    expect("header_of_8_bytes", status, JV_VBLK_S_IOERR);
    expect("header_of_8_bytes_length", len, 1);
    still_serves("header_of_8_bytes");

    /* The header split over two descriptors is legal (2.6.4: no framing assumed). */
    header(JV_VBLK_T_IN, 16);
    clear(buf, 512, 0xcc);
    jv_vq_set_desc(&rw, 0, h, 8, JV_VQ_DESC_F_NEXT, 1);
    jv_vq_set_desc(&rw, 1, h + 8, 8, JV_VQ_DESC_F_NEXT, 2);
    jv_vq_set_desc(&rw, 2, (uintptr_t)buf, 512, JV_VQ_DESC_F_NEXT | JV_VQ_DESC_F_WRITE, 3);
    jv_vq_set_desc(&rw, 3, st, 1, JV_VQ_DESC_F_WRITE, 0);
    run_chain(0);
    expect("header_in_two_descriptors", status, JV_VBLK_S_OK);
    expect_true("header_in_two_descriptors_data", verify(buf, 16, 512, 0) < 0, "data differs", 0);

    /* The status descriptor device-readable, after a writable data buffer. */
    header(JV_VBLK_T_IN, 0);
    jv_vq_set_desc(&rw, 0, h, 16, JV_VQ_DESC_F_NEXT, 1);
    jv_vq_set_desc(&rw, 1, (uintptr_t)buf, 512, JV_VQ_DESC_F_NEXT | JV_VQ_DESC_F_WRITE, 2);
    jv_vq_set_desc(&rw, 2, st, 1, 0, 0);
    refused("status_device_readable_after_data", 0);

    /* A FLUSH whose status is device-readable: nothing the device may write at all. */
    header(JV_VBLK_T_FLUSH, 0);
    jv_vq_set_desc(&rw, 0, h, 16, JV_VQ_DESC_F_NEXT, 1);
    jv_vq_set_desc(&rw, 1, st, 1, 0, 0);
    refused("status_device_readable", 0);

    header(JV_VBLK_T_FLUSH, 0);
    jv_vq_set_desc(&rw, 0, h, 16, JV_VQ_DESC_F_NEXT, 1);
    jv_vq_set_desc(&rw, 1, st, 0, JV_VQ_DESC_F_WRITE, 0);
    refused("status_of_0_bytes", 0);

    /* An available entry naming no descriptor, then a good request, with one notification for both. */
    header(JV_VBLK_T_FLUSH, 0);
    jv_vq_push(&rw, (uint16_t)(q + 3));
    jv_vq_set_desc(&rw, 0, h, 16, JV_VQ_DESC_F_NEXT, 1);
    jv_vq_set_desc(&rw, 1, st, 1, JV_VQ_DESC_F_WRITE, 0);
    len = run_chain(0);
    expect_true("head_outside_the_queue_skipped", len == 1 && status == JV_VBLK_S_OK, "used length", (uint32_t)len);

    if (rw.features & JV_VIRTIO_F_INDIRECT_DESC) {
        /* A good indirect request first, so the bad ones below fail for their own reason. */
        header(JV_VBLK_T_IN, 24);
        clear(buf, 512, 0xcc);
        table[0] = (struct jv_vq_desc){h, 16, JV_VQ_DESC_F_NEXT, 1};
        table[1] = (struct jv_vq_desc){(uintptr_t)buf, 512, JV_VQ_DESC_F_NEXT | JV_VQ_DESC_F_WRITE, 2};
        table[2] = (struct jv_vq_desc){st, 1, JV_VQ_DESC_F_WRITE, 0};
        jv_vq_set_desc(&rw, 0, (uintptr_t)table, 3 * 16, JV_VQ_DESC_F_INDIRECT, 0);
        run_chain(0);
        expect("indirect", status, JV_VBLK_S_OK);
        expect_true("indirect_data", verify(buf, 24, 512, 0) < 0, "data differs", 0);

        header(JV_VBLK_T_IN, 0);
        jv_vq_set_desc(&rw, 0, (uintptr_t)table, 3 * 16, JV_VQ_DESC_F_INDIRECT | JV_VQ_DESC_F_NEXT, 1);
        jv_vq_set_desc(&rw, 1, st, 1, JV_VQ_DESC_F_WRITE, 0);
        refused("indirect_with_next", 0);

        header(JV_VBLK_T_IN, 0);
        table2[0] = (struct jv_vq_desc){(uintptr_t)table, 3 * 16, JV_VQ_DESC_F_INDIRECT, 0};
        jv_vq_set_desc(&rw, 0, (uintptr_t)table2, 16, JV_VQ_DESC_F_INDIRECT, 0);
        refused("indirect_in_an_indirect_table", 0);

        header(JV_VBLK_T_IN, 0);
        jv_vq_set_desc(&rw, 0, (uintptr_t)table, 3 * 16 - 8, JV_VQ_DESC_F_INDIRECT, 0);
        refused("indirect_table_of_40_bytes", 0);

        header(JV_VBLK_T_IN, 0);
        jv_vq_set_desc(&rw, 0, 0xe0000000u, 3 * 16, JV_VQ_DESC_F_INDIRECT, 0);
        refused("indirect_table_outside_ram", 0);

        header(JV_VBLK_T_IN, 0);
        table[2] = (struct jv_vq_desc){(uintptr_t)buf, 512, JV_VQ_DESC_F_NEXT | JV_VQ_DESC_F_WRITE, 1};
        jv_vq_set_desc(&rw, 0, (uintptr_t)table, 3 * 16, JV_VQ_DESC_F_INDIRECT, 0);
        refused("indirect_chain_loops", 0);

        header(JV_VBLK_T_IN, 0);
        table[2] = (struct jv_vq_desc){st, 1, JV_VQ_DESC_F_WRITE, 0};
        table[1].next = 7;   /* the table has 3 entries */
        jv_vq_set_desc(&rw, 0, (uintptr_t)table, 3 * 16, JV_VQ_DESC_F_INDIRECT, 0);
        refused("indirect_next_outside_the_table", 0);
    } else {
        jv_printf("indirect descriptors not offered: no indirect checks\n");
    }

    if (rom) {
        uint32_t before = read32(rom);
        header(JV_VBLK_T_IN, 0);
        jv_vq_set_desc(&rw, 0, h, 16, JV_VQ_DESC_F_NEXT, 1);
        jv_vq_set_desc(&rw, 1, rom, 512, JV_VQ_DESC_F_NEXT | JV_VQ_DESC_F_WRITE, 2);
        jv_vq_set_desc(&rw, 2, st, 1, JV_VQ_DESC_F_WRITE, 0);
        refused("read_into_read_only_memory", 0);
        expect_true("read_only_memory_unchanged", read32(rom) == before, "word now", read32(rom));

        header(JV_VBLK_T_FLUSH, 0);
        jv_vq_set_desc(&rw, 0, h, 16, JV_VQ_DESC_F_NEXT, 1);
        jv_vq_set_desc(&rw, 1, rom + 0x100, 1, JV_VQ_DESC_F_WRITE, 0);
        refused("status_in_read_only_memory", 0);

        /* Reading ROM is fine: a write from it, to sector 400. */
        struct jv_vblk_buf from_rom = {(void *)rom, 512, 0};
        expect("write_from_read_only_memory", jv_vblk_request(&rw, JV_VBLK_T_OUT, 400, &from_rom, 1, 0),
               JV_VBLK_S_OK);
    }
}

static void needs_reset(void)
{
    uintptr_t b = rw.base;
    uint32_t s;
    uintptr_t m = (uintptr_t)&mem_rw;

    struct { const char *name; uint64_t desc, avail, used; uint32_t size; } bad[] = {
        {"rings_outside_ram", 0xe0000000u, m + 0x1000, m + 0x2000, 0},
        {"descriptor_table_misaligned", m + 8, m + 0x1000, m + 0x2000, 0},
        {"used_ring_misaligned", m, m + 0x1000, m + 0x2002, 0},
        {"queue_size_not_a_power_of_two", m, m + 0x1000, m + 0x2000, 100},
        {"queue_size_above_the_maximum", m, m + 0x1000, m + 0x2000, 0x10000},
        {"used_ring_in_read_only_memory", m, m + 0x1000, rom, 0},
    };
    for (uint32_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
        if (bad[i].used == 0)
            continue;   /* no rom= */
        uint32_t size = bad[i].size;
        if (size == 0x10000)
            size = jv_vio_read(b, JV_VIO_QUEUE_NUM_MAX) * 2;
        jv_vio_negotiate(b, rw.features);
        irq_bits = 0;
        jv_vq_setup(&rw, bad[i].desc, bad[i].avail, bad[i].used, size);
        s = jv_vio_add_status(b, JV_VIO_S_DRIVER_OK);
        expect_true(bad[i].name, (s & JV_VIO_S_NEEDS_RESET) && !(s & JV_VIO_S_DRIVER_OK), "status", s);
        reinit(bad[i].name);
    }

    /* The available index 2 x the queue ahead: the ring is broken while the device runs. */
    irq_bits = 0;
    rw.avail->idx = (uint16_t)(rw.avail_idx + 2 * rw.qsize);
    jv_vblk_notify(&rw);
    s = await_needs_reset();
    expect_true("available_index_far_ahead", (s & JV_VIO_S_NEEDS_RESET) != 0, "status", s);
    /* The interrupt comes on its own time: the status may be seen first. */
    for (uint32_t waited = 0; !(irq_bits & JV_VIO_INT_CONFIG) && waited < timeout_ms; waited += 10)
        irqs_seen = jv_wait_change(&irqs, irqs_seen, 10);
    expect_true("available_index_far_ahead_config_interrupt", (irq_bits & JV_VIO_INT_CONFIG) != 0, "interrupt bits",
                irq_bits);
    reinit("available_index_far_ahead");

    /* A reset with a request in flight: the device stops, and starts afresh. */
    struct jv_vblk_buf one = {buf, 65536, 1};
    jv_vblk_submit(&rw, JV_VBLK_T_IN, 0, &one, 1);
    jv_vblk_notify(&rw);
    jv_vio_reset(b);
    expect("reset_with_a_request_in_flight", (int)jv_vio_status(b), 0);
    reinit("reset_with_a_request_in_flight");
}

void guest_main(uint32_t magic, const struct multiboot_info *mbi)
{
    jv_platform_init();
    const char *cmdline = jv_cmdline(magic, mbi);
    uintptr_t blk = jv_cmdline_u32(cmdline, "blk", 0xd0000000u);
    uintptr_t rob = jv_cmdline_u32(cmdline, "ro", 0);
    rom = jv_cmdline_u32(cmdline, "rom", 0);
    timeout_ms = jv_cmdline_u32(cmdline, "timeout", 10000);
    uint32_t sectors = jv_cmdline_u32(cmdline, "sectors", 0);

    jv_set_handler(VECTOR, on_irq);
    jv_ioapic_route(jv_cmdline_u32(cmdline, "gsi", 16), VECTOR, jv_lapic_id(), 0);
    if (rob)
        jv_ioapic_route(jv_cmdline_u32(cmdline, "rogsi", 17), VECTOR, jv_lapic_id(), 0);
    rw.wait = wait_irq;
    ro.wait = wait_irq;

    if (!expect("probe", jv_vblk_probe(&rw, blk), 0))
        guest_exit(FAILED);
    negotiation();
    uint64_t want = JV_VIRTIO_F_INDIRECT_DESC | JV_VBLK_F_FLUSH | JV_VBLK_F_DISCARD | JV_VBLK_F_WRITE_ZEROES;
    if (!expect("init", jv_vblk_init(&rw, blk, &mem_rw, want), 0))
        guest_exit(FAILED);
    requests(sectors);
    if (rob) {
        ro.base = rob;   /* the handler acknowledges it from now on */
        if (expect("ro_init", jv_vblk_init(&ro, rob, &mem_ro, want | JV_VBLK_F_RO), 0))
            read_only_disk();
    }
    malformed_chains();
    needs_reset();
    expect_true("interrupts_taken", irqs > 0, "interrupts", irqs);

    if (failures) {
        jv_printf("virtio_blk: %u checks failed\n", failures);
        guest_exit(FAILED);
    }
    jv_printf("virtio_blk: passed\n");
    guest_exit(PASS);
}
