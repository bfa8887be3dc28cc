/*
 * javisor_virtio.h - a small virtio-mmio (version 2) block driver for the freestanding guests, after the
 * virtio 1.2 spec: 4.2 (the MMIO transport), 2.7 (split virtqueues), 3.1.1 (initialization), 5.2 (block).
 *
 * Header only, 32- and 64-bit, needs only javisor.h. Guest-physical addresses are the guest's pointers
 * (the SDK's guests run with paging off, or identity-mapped). One driver drives one device with one
 * queue; requests may be waited for one at a time (jv_vblk_rw) or several kept in flight
 * (jv_vblk_submit, jv_vblk_notify, jv_vblk_wait, jv_vblk_complete).
 *
 *   struct jv_vblk d;
 *   static struct jv_vq_mem mem;                        (page-aligned: rings and request headers)
 *   if (jv_vblk_init(&d, 0xd0000000, &mem, JV_VIRTIO_F_VERSION_1) == 0)
 *       status = jv_vblk_rw(&d, JV_VBLK_T_IN, sector, buf, 4096);      (JV_VBLK_S_OK, _IOERR, _UNSUPP)
 *
 * Waiting: the driver polls the used ring and, while nothing is there, calls d.wait(d.wait_arg); a
 * guest that takes the device's interrupt sleeps there (hlt) until it comes, and calls
 * jv_vio_ack_interrupt() in its handler. wait returns non-zero to give up (a timeout): the request
 * then fails with JV_VIO_E_TIMEOUT. Without a wait function the driver spins with `pause`.
 *
 * Hostile-driver tests: jv_vq_set_desc() and jv_vq_publish() put hand-made chains on the queue (only
 * while no request of the jv_vblk_submit kind is in flight: they use the descriptors freely), and the
 * set-up steps (jv_vblk_probe, jv_vio_negotiate, jv_vq_setup, jv_vio_driver_ok) can be called one by one
 * with bad values.
 */
#ifndef JAVISOR_VIRTIO_H
#define JAVISOR_VIRTIO_H

#include <stdint.h>
#include "javisor.h"

/* ---- the virtio-mmio register block (4.2.2): 32-bit registers at these offsets ---------------------- */

#define JV_VIO_MAGIC          0x000   /* "virt" */
#define JV_VIO_VERSION        0x004   /* 2: the non-legacy interface */
#define JV_VIO_DEVICE_ID      0x008
#define JV_VIO_VENDOR_ID      0x00c
#define JV_VIO_DEV_FEATURES   0x010
#define JV_VIO_DEV_FEAT_SEL   0x014
#define JV_VIO_DRV_FEATURES   0x020
#define JV_VIO_DRV_FEAT_SEL   0x024
#define JV_VIO_QUEUE_SEL      0x030
#define JV_VIO_QUEUE_NUM_MAX  0x034
#define JV_VIO_QUEUE_NUM      0x038
#define JV_VIO_QUEUE_READY    0x044
#define JV_VIO_QUEUE_NOTIFY   0x050
#define JV_VIO_INT_STATUS     0x060
#define JV_VIO_INT_ACK        0x064
#define JV_VIO_STATUS         0x070
#define JV_VIO_QUEUE_DESC_LO  0x080
#define JV_VIO_QUEUE_DESC_HI  0x084
#define JV_VIO_QUEUE_AVAIL_LO 0x090   /* "QueueDriver" */
#define JV_VIO_QUEUE_AVAIL_HI 0x094
#define JV_VIO_QUEUE_USED_LO  0x0a0   /* "QueueDevice" */
#define JV_VIO_QUEUE_USED_HI  0x0a4
#define JV_VIO_CONFIG_GEN     0x0fc
#define JV_VIO_CONFIG         0x100

#define JV_VIO_MAGIC_VALUE    0x74726976u
#define JV_VIRTIO_ID_BLOCK    2

/* InterruptStatus bits (4.2.2). */
#define JV_VIO_INT_USED       1u
#define JV_VIO_INT_CONFIG     2u

/* Device status bits (2.1). */
#define JV_VIO_S_ACKNOWLEDGE  1u
#define JV_VIO_S_DRIVER       2u
#define JV_VIO_S_DRIVER_OK    4u
#define JV_VIO_S_FEATURES_OK  8u
#define JV_VIO_S_NEEDS_RESET  64u
#define JV_VIO_S_FAILED       128u

/* Feature bits: the reserved ones (6) and the block device's (5.2.3). */
#define JV_VIRTIO_F_INDIRECT_DESC  (1ull << 28)
#define JV_VIRTIO_F_EVENT_IDX      (1ull << 29)
#define JV_VIRTIO_F_VERSION_1      (1ull << 32)
#define JV_VBLK_F_SIZE_MAX         (1ull << 1)
#define JV_VBLK_F_SEG_MAX          (1ull << 2)
#define JV_VBLK_F_RO               (1ull << 5)
#define JV_VBLK_F_BLK_SIZE         (1ull << 6)
#define JV_VBLK_F_FLUSH            (1ull << 9)
#define JV_VBLK_F_DISCARD          (1ull << 13)
#define JV_VBLK_F_WRITE_ZEROES     (1ull << 14)

/* Request types and status values (5.2.6). */
#define JV_VBLK_T_IN           0
#define JV_VBLK_T_OUT          1
#define JV_VBLK_T_FLUSH        4
#define JV_VBLK_T_GET_ID       8
#define JV_VBLK_T_DISCARD      11
#define JV_VBLK_T_WRITE_ZEROES 13
#define JV_VBLK_S_OK           0
#define JV_VBLK_S_IOERR        1
#define JV_VBLK_S_UNSUPP       2
#define JV_VBLK_ID_BYTES       20
#define JV_VBLK_SECTOR         512

/* The driver's own errors (negative, apart from the status values above). */
#define JV_VIO_E_MAGIC      (-1)   /* no virtio-mmio device at the address */
#define JV_VIO_E_VERSION    (-2)   /* not version 2 (a legacy device) */
#define JV_VIO_E_DEVICE     (-3)   /* not a block device */
#define JV_VIO_E_FEATURES   (-4)   /* VERSION_1 not offered, or FEATURES_OK refused */
#define JV_VIO_E_QUEUE      (-5)   /* queue 0 missing, already in use, or too small */
#define JV_VIO_E_NEEDS_RESET (-6)  /* the device set DEVICE_NEEDS_RESET */
#define JV_VIO_E_FULL       (-7)   /* not enough free descriptors */
#define JV_VIO_E_TIMEOUT    (-8)   /* the wait function gave up */

/* ---- the split virtqueue (2.7) ------------------------------------------------------------------ */

#define JV_VQ_DESC_F_NEXT     1
#define JV_VQ_DESC_F_WRITE    2
#define JV_VQ_DESC_F_INDIRECT 4

/* The largest queue the SDK's ring memory holds; a device offering more gets a queue of this size. */
#define JV_VQ_MAX 256
/* Buffers one jv_vblk_submit request may carry besides its header and status. */
#define JV_VBLK_MAX_BUFS 16

struct jv_vq_desc {
    uint64_t addr;
    uint32_t len;
    uint16_t flags;
    uint16_t next;
};

struct jv_vq_avail {
    uint16_t flags;
    uint16_t idx;
    uint16_t ring[JV_VQ_MAX];
    uint16_t used_event;                 /* at ring[size] for a smaller queue; unused without EVENT_IDX */
};

struct jv_vq_used_elem {
    uint32_t id;
    uint32_t len;
};

struct jv_vq_used {
    uint16_t flags;
    uint16_t idx;
    struct jv_vq_used_elem ring[JV_VQ_MAX];
    uint16_t avail_event;
};

/* A request's header (5.2.6): le32 type, le32 reserved, le64 sector. */
struct jv_vblk_req {
    uint32_t type;
    uint32_t reserved;
    uint64_t sector;
};

/* A DISCARD or WRITE_ZEROES segment (5.2.6): le64 sector, le32 num_sectors, le32 flags (bit 0: unmap). */
struct jv_vblk_range {
    uint64_t sector;
    uint32_t num_sectors;
    uint32_t flags;
};

/*
 * Everything the driver shares with the device, in one page-aligned block of guest RAM: the three parts
 * of the ring at the alignments 2.7 asks for (descriptors 16, available ring 2, used ring 4), and per
 * head descriptor a request header, a range segment and a status byte.
 */
struct jv_vq_mem {
    struct jv_vq_desc desc[JV_VQ_MAX];
    struct jv_vq_avail avail;
    struct jv_vq_used used __attribute__((aligned(4096)));
    struct jv_vblk_req hdr[JV_VQ_MAX];
    struct jv_vblk_range range[JV_VQ_MAX];
    uint8_t status[JV_VQ_MAX];
} __attribute__((aligned(4096)));

/* One data buffer of a request: where, how long, and whether the device writes it (a read's data). */
struct jv_vblk_buf {
    void *addr;
    uint32_t len;
    int device_writes;
};

struct jv_vblk {
    uintptr_t base;                      /* the register block */
    uint64_t offered;                    /* the device's features */
    uint64_t features;                   /* the negotiated ones */
    uint64_t capacity;                   /* sectors of 512 bytes */
    uint32_t qsize;                      /* entries of queue 0 */
    struct jv_vq_mem *mem;               /* headers and status bytes (and the rings, unless placed apart) */
    volatile struct jv_vq_desc *desc;
    volatile struct jv_vq_avail *avail;
    volatile struct jv_vq_used *used;
    uint16_t avail_idx;                  /* the next available entry the driver fills */
    uint16_t used_idx;                   /* the next used entry the driver reads */
    uint16_t nfree;                      /* free descriptors, a stack */
    uint16_t free[JV_VQ_MAX];
    uint16_t chain_len[JV_VQ_MAX];       /* descriptors of the chain at each head in flight */
    int (*wait)(void *arg);              /* called while the used ring is empty; non-zero gives up */
    void *wait_arg;
};

/* ---- registers ------------------------------------------------------------------------------------- */

static inline uint32_t jv_vio_read(uintptr_t base, uint32_t reg)
{
    return read32(base + reg);
}

static inline void jv_vio_write(uintptr_t base, uint32_t reg, uint32_t v)
{
    write32(base + reg, v);
}

/* Orders the driver's ring writes against the device, which runs on another host thread (2.7.13). */
static inline void jv_vio_mb(void)
{
    __sync_synchronize();
}

static inline uint32_t jv_vio_status(uintptr_t base)
{
    return jv_vio_read(base, JV_VIO_STATUS);
}

/* Writing 0 resets the device (2.4); the device is reset once the register reads back 0 (4.2.3.1). */
static inline void jv_vio_reset(uintptr_t base)
{
    jv_vio_write(base, JV_VIO_STATUS, 0);
    for (int i = 0; i < 1000000 && jv_vio_status(base) != 0; i++)
        __asm__ volatile("pause");
}

/* Adds status bits (the device's bits are never cleared by the driver, 2.1.2); returns the status after. */
static inline uint32_t jv_vio_add_status(uintptr_t base, uint32_t bits)
{
    jv_vio_write(base, JV_VIO_STATUS, jv_vio_status(base) | bits);
    return jv_vio_status(base);
}

/* For the interrupt handler: reads InterruptStatus and acknowledges what it says; returns it. */
static inline uint32_t jv_vio_ack_interrupt(uintptr_t base)
{
    uint32_t why = jv_vio_read(base, JV_VIO_INT_STATUS);
    if (why)
        jv_vio_write(base, JV_VIO_INT_ACK, why);
    return why;
}

static inline uint64_t jv_vio_device_features(uintptr_t base)
{
    jv_vio_write(base, JV_VIO_DEV_FEAT_SEL, 1);
    uint64_t hi = jv_vio_read(base, JV_VIO_DEV_FEATURES);
    jv_vio_write(base, JV_VIO_DEV_FEAT_SEL, 0);
    return (hi << 32) | jv_vio_read(base, JV_VIO_DEV_FEATURES);
}

/*
 * Steps 1-6 of 3.1.1 with exactly `features` (no check against the offer): reset, ACKNOWLEDGE, DRIVER,
 * the features, FEATURES_OK. Returns the status read back: FEATURES_OK is in it only if the device took them.
 */
static inline uint32_t jv_vio_negotiate(uintptr_t base, uint64_t features)
{
    jv_vio_reset(base);
    jv_vio_add_status(base, JV_VIO_S_ACKNOWLEDGE);
    jv_vio_add_status(base, JV_VIO_S_DRIVER);
    jv_vio_write(base, JV_VIO_DRV_FEAT_SEL, 0);
    jv_vio_write(base, JV_VIO_DRV_FEATURES, (uint32_t)features);
    jv_vio_write(base, JV_VIO_DRV_FEAT_SEL, 1);
    jv_vio_write(base, JV_VIO_DRV_FEATURES, (uint32_t)(features >> 32));
    return jv_vio_add_status(base, JV_VIO_S_FEATURES_OK);
}

/* A 64-bit config field read as two 32-bit halves, again if the config generation moved (4.2.2.2). */
static inline uint64_t jv_vio_config64(uintptr_t base, uint32_t offset)
{
    uint32_t gen, lo, hi;
    do {
        gen = jv_vio_read(base, JV_VIO_CONFIG_GEN);
        lo = jv_vio_read(base, JV_VIO_CONFIG + offset);
        hi = jv_vio_read(base, JV_VIO_CONFIG + offset + 4);
    } while (gen != jv_vio_read(base, JV_VIO_CONFIG_GEN));
    return ((uint64_t)hi << 32) | lo;
}

/* ---- set-up ------------------------------------------------------------------------------------- */

/* Checks that `base` holds a version-2 virtio-mmio block device; fills d->base and d->offered. */
static inline int jv_vblk_probe(struct jv_vblk *d, uintptr_t base)
{
    d->base = base;
    if (jv_vio_read(base, JV_VIO_MAGIC) != JV_VIO_MAGIC_VALUE)
        return JV_VIO_E_MAGIC;
    if (jv_vio_read(base, JV_VIO_VERSION) != 2)
        return JV_VIO_E_VERSION;
    if (jv_vio_read(base, JV_VIO_DEVICE_ID) != JV_VIRTIO_ID_BLOCK)
        return JV_VIO_E_DEVICE;
    d->offered = jv_vio_device_features(base);
    return 0;
}

/*
 * Queue 0 with its three parts at the given guest-physical addresses and `size` entries (at most
 * JV_VQ_MAX; the device's QueueNumMax if 0). Addresses are not checked here, so a test can hand the
 * device bad ones; the device judges them at DRIVER_OK. Resets the driver's indices and free list.
 */
static inline int jv_vq_setup(struct jv_vblk *d, uint64_t desc, uint64_t avail, uint64_t used, uint32_t size)
{
    uintptr_t b = d->base;
    jv_vio_write(b, JV_VIO_QUEUE_SEL, 0);
    if (jv_vio_read(b, JV_VIO_QUEUE_READY) != 0)
        return JV_VIO_E_QUEUE;
    uint32_t max = jv_vio_read(b, JV_VIO_QUEUE_NUM_MAX);
    if (max == 0)
        return JV_VIO_E_QUEUE;
    if (size == 0)
        size = max < JV_VQ_MAX ? max : JV_VQ_MAX;
    d->qsize = size;
    d->desc = (volatile struct jv_vq_desc *)(uintptr_t)desc;
    d->avail = (volatile struct jv_vq_avail *)(uintptr_t)avail;
    d->used = (volatile struct jv_vq_used *)(uintptr_t)used;
    d->avail_idx = 0;
    d->used_idx = 0;
    d->nfree = 0;
    uint32_t usable = size < JV_VQ_MAX ? size : JV_VQ_MAX;
    for (uint32_t i = usable; i-- > 0;) {
        d->free[d->nfree++] = (uint16_t)i;
        d->chain_len[i] = 0;
    }
    jv_vio_write(b, JV_VIO_QUEUE_NUM, size);
    jv_vio_write(b, JV_VIO_QUEUE_DESC_LO, (uint32_t)desc);
    jv_vio_write(b, JV_VIO_QUEUE_DESC_HI, (uint32_t)(desc >> 32));
    jv_vio_write(b, JV_VIO_QUEUE_AVAIL_LO, (uint32_t)avail);
    jv_vio_write(b, JV_VIO_QUEUE_AVAIL_HI, (uint32_t)(avail >> 32));
    jv_vio_write(b, JV_VIO_QUEUE_USED_LO, (uint32_t)used);
    jv_vio_write(b, JV_VIO_QUEUE_USED_HI, (uint32_t)(used >> 32));
    jv_vio_write(b, JV_VIO_QUEUE_READY, 1);
    return 0;
}

/* Queue 0 in d->mem, zeroed first (a driver starts from empty rings, 2.7). */
static inline int jv_vq_setup_mem(struct jv_vblk *d)
{
    volatile uint8_t *p = (volatile uint8_t *)d->mem;
    for (uint32_t i = 0; i < sizeof(struct jv_vq_mem); i++)
        p[i] = 0;
    return jv_vq_setup(d, (uintptr_t)d->mem->desc, (uintptr_t)&d->mem->avail, (uintptr_t)&d->mem->used, 0);
}

/* Sets DRIVER_OK; returns 0, or JV_VIO_E_NEEDS_RESET if the device refused the queue (or anything else). */
static inline int jv_vio_driver_ok(uintptr_t base)
{
    uint32_t s = jv_vio_add_status(base, JV_VIO_S_DRIVER_OK);
    if (s & JV_VIO_S_NEEDS_RESET)
        return JV_VIO_E_NEEDS_RESET;
    return (s & JV_VIO_S_DRIVER_OK) ? 0 : JV_VIO_E_QUEUE;
}

/*
 * The whole of 3.1.1: probe, reset, negotiate the features of `want` the device offers (VERSION_1 is
 * required), queue 0 in `mem`, DRIVER_OK; reads the capacity. 0 or a JV_VIO_E_* error.
 */
static inline int jv_vblk_init(struct jv_vblk *d, uintptr_t base, struct jv_vq_mem *mem, uint64_t want)
{
    int r = jv_vblk_probe(d, base);
    if (r)
        return r;
    d->mem = mem;
    d->features = (want | JV_VIRTIO_F_VERSION_1) & d->offered;
    if (!(d->features & JV_VIRTIO_F_VERSION_1))
        return JV_VIO_E_FEATURES;
    if (!(jv_vio_negotiate(base, d->features) & JV_VIO_S_FEATURES_OK))
        return JV_VIO_E_FEATURES;
    r = jv_vq_setup_mem(d);
    if (r)
        return r;
    r = jv_vio_driver_ok(base);
    if (r)
        return r;
    d->capacity = jv_vio_config64(base, 0);
    return 0;
}

/* ---- requests ----------------------------------------------------------------------------------- */

/* Descriptor i of the queue, as a driver writes it: for hand-made chains too. */
static inline void jv_vq_set_desc(struct jv_vblk *d, uint32_t i, uint64_t addr, uint32_t len, uint16_t flags,
                                  uint16_t next)
{
    volatile struct jv_vq_desc *x = &d->desc[i];
    x->addr = addr;
    x->len = len;
    x->flags = flags;
    x->next = next;
}

/* Makes the chain at `head` available (2.7.13): the entry, then (after a barrier) the index. No notify. */
static inline void jv_vq_push(struct jv_vblk *d, uint16_t head)
{
    d->avail->ring[d->avail_idx % d->qsize] = head;
    jv_vio_mb();
    d->avail_idx++;
    d->avail->idx = d->avail_idx;
}

/* Tells the device queue 0 has new buffers (QueueNotify). */
static inline void jv_vblk_notify(struct jv_vblk *d)
{
    jv_vio_mb();
    jv_vio_write(d->base, JV_VIO_QUEUE_NOTIFY, 0);
}

/* jv_vq_push and notify: for hand-made chains. */
static inline void jv_vq_publish(struct jv_vblk *d, uint16_t head)
{
    jv_vq_push(d, head);
    jv_vblk_notify(d);
}

/* Takes the next used entry if there is one: returns 1 and its id and length, else 0. */
static inline int jv_vq_poll(struct jv_vblk *d, uint32_t *id, uint32_t *len)
{
    if (d->used->idx == d->used_idx)
        return 0;
    jv_vio_mb();   /* the entry is read after the index that published it */
    volatile struct jv_vq_used_elem *e = &d->used->ring[d->used_idx % d->qsize];
    *id = e->id;
    *len = e->len;
    d->used_idx++;
    return 1;
}

/* Waits for the next used entry (calling d->wait meanwhile); 0, or JV_VIO_E_TIMEOUT. */
static inline int jv_vq_wait(struct jv_vblk *d, uint32_t *id, uint32_t *len)
{
    while (!jv_vq_poll(d, id, len)) {
        if (d->wait) {
            if (d->wait(d->wait_arg))
                return JV_VIO_E_TIMEOUT;
        } else {
            __asm__ volatile("pause");
        }
    }
    return 0;
}

/*
 * Makes a request available (without notifying): its header (device-readable), then `n` buffers, then
 * the status byte (device-writable), chained through free descriptors. Returns the head descriptor, the
 * request's handle for jv_vblk_complete, or JV_VIO_E_FULL.
 */
static inline int jv_vblk_submit(struct jv_vblk *d, uint32_t type, uint64_t sector, const struct jv_vblk_buf *bufs,
                                 uint32_t n)
{
    if (n > JV_VBLK_MAX_BUFS || d->nfree < n + 2)
        return JV_VIO_E_FULL;
    uint16_t ids[JV_VBLK_MAX_BUFS + 2];
    for (uint32_t i = 0; i < n + 2; i++)
        ids[i] = d->free[--d->nfree];
    uint16_t head = ids[0];
    struct jv_vblk_req *h = &d->mem->hdr[head];
    h->type = type;
    h->reserved = 0;
    h->sector = sector;
    d->mem->status[head] = 0xff;   /* no status value: tells a request the device never answered */
    jv_vq_set_desc(d, head, (uintptr_t)h, sizeof(*h), JV_VQ_DESC_F_NEXT, ids[1]);
    for (uint32_t i = 0; i < n; i++)
        jv_vq_set_desc(d, ids[i + 1], (uintptr_t)bufs[i].addr, bufs[i].len,
                       JV_VQ_DESC_F_NEXT | (bufs[i].device_writes ? JV_VQ_DESC_F_WRITE : 0), ids[i + 2]);
    jv_vq_set_desc(d, ids[n + 1], (uintptr_t)&d->mem->status[head], 1, JV_VQ_DESC_F_WRITE, 0);
    d->chain_len[head] = (uint16_t)(n + 2);
    jv_vq_push(d, head);
    return head;
}

/* Gives a finished request's descriptors back; returns its status byte (0xff if the device wrote none). */
static inline int jv_vblk_complete(struct jv_vblk *d, uint32_t head)
{
    if (head >= d->qsize || head >= JV_VQ_MAX || d->chain_len[head] == 0)
        return JV_VIO_E_QUEUE;   /* not a request of ours: a broken device */
    uint16_t i = (uint16_t)head;
    for (uint16_t k = 0; k < d->chain_len[head]; k++) {
        d->free[d->nfree++] = i;
        i = d->desc[i].next;
    }
    d->chain_len[head] = 0;
    return d->mem->status[head];
}

/*
 * One request, waited for: submit, notify, wait for it to come back. Returns its status (JV_VBLK_S_*,
 * or 0xff if the device answered without writing one) or a JV_VIO_E_* error. *used_len (if not NULL)
 * gets the length the device reported.
 */
static inline int jv_vblk_request(struct jv_vblk *d, uint32_t type, uint64_t sector, const struct jv_vblk_buf *bufs,
                                  uint32_t n, uint32_t *used_len)
{
    int head = jv_vblk_submit(d, type, sector, bufs, n);
    if (head < 0)
        return head;
    jv_vblk_notify(d);
    uint32_t id, len;
    int r = jv_vq_wait(d, &id, &len);
    if (r)
        return r;
    if (used_len)
        *used_len = len;
    if (id != (uint32_t)head)
        return JV_VIO_E_QUEUE;   /* one request in flight: anything else is the device's mistake */
    return jv_vblk_complete(d, id);
}

/* IN, OUT or GET_ID with one data buffer (device-written for IN and GET_ID). */
static inline int jv_vblk_rw(struct jv_vblk *d, uint32_t type, uint64_t sector, void *buf, uint32_t len)
{
    struct jv_vblk_buf b = {buf, len, type != JV_VBLK_T_OUT};
    return jv_vblk_request(d, type, sector, &b, len ? 1 : 0, 0);
}

/* FLUSH. */
static inline int jv_vblk_flush(struct jv_vblk *d)
{
    return jv_vblk_request(d, JV_VBLK_T_FLUSH, 0, 0, 0, 0);
}

/* DISCARD or WRITE_ZEROES of one range (flags: bit 0 "unmap", for WRITE_ZEROES). */
static inline int jv_vblk_range_request(struct jv_vblk *d, uint32_t type, uint64_t sector, uint32_t count,
                                        uint32_t flags)
{
    /* The segment lives in a free slot of d->mem->range, chosen by the descriptor the header will take. */
    if (d->nfree < 3)
        return JV_VIO_E_FULL;
    struct jv_vblk_range *seg = &d->mem->range[d->free[d->nfree - 1]];
    seg->sector = sector;
    seg->num_sectors = count;
    seg->flags = flags;
    struct jv_vblk_buf b = {seg, sizeof(*seg), 0};
    return jv_vblk_request(d, type, 0, &b, 1, 0);
}

#endif /* JAVISOR_VIRTIO_H */
