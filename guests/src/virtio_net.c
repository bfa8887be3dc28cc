/*
 * virtio_net.elf - a small network endpoint on a virtio-net device (virtio-mmio version 2, virtio 1.2 section
 * 5.1), without Linux: for fast tests of a VMM's network device from the host side.
 *
 * It negotiates VERSION_1 and MAC (and MRG_RXBUF unless `nomrg`; nothing else: no checksum or segmentation
 * offloads, so every frame carries complete checksums both ways), reads the MAC from the configuration space,
 * fills the receive queue (0) and then, until `seconds` have passed or a UDP datagram "quit" arrives:
 *   - answers ARP requests for its address and ICMP echo requests to it (the host can ping it);
 *   - resolves `peer` with ARP (again every second until it answers) and sends it one UDP datagram
 *     "hello from virtio_net <mac>" from and to `port`;
 *   - echoes every UDP datagram to its address and `port` back to the sender, payload unchanged.
 * It computes and checks the IPv4, ICMP and UDP checksums itself. Whatever arrives is bounds-checked: a
 * malformed or unexpected frame is dropped and counted, never trusted. What the device does wrong (a used
 * entry naming a buffer it does not hold, a length beyond the buffer, a bad num_buffers) is a failure.
 *
 * Command line (words anywhere, so QEMU's "kernel path first" line works too; all optional):
 *   net=0xADDR      the device's registers        gsi=N         its interrupt (IOAPIC input)
 *                   Without net=, the first network device of Javisor's slots (0xd0000000 + n * 0x1000, GSI
 *                   16 + n, n < 8), else of QEMU microvm's (0xfeb00000 + n * 0x200, GSI 16 + n with ioapic2=off)
 *   ip=10.0.2.2     its IPv4 address               peer=10.0.2.1 where the hello goes
 *   port=7777       the UDP port it echoes on (and sends the hello from and to)
 *   seconds=20      how long it runs               nohello       send no hello (and do not resolve peer)
 *   nomrg           do not negotiate MRG_RXBUF     rxbuf=2048    bytes per receive buffer (with MRG_RXBUF at
 *                   least 64: a small one makes the device spread a frame over several; without, 1526 or more)
 *   verbose=8       how many received datagrams and pings to print a line for
 *
 * Output: "ok <step>" lines while it sets up, a line per ping and datagram (up to verbose=), "FAIL <what>: <why>"
 * for each failure, then
 *   virtio_net counters: rx=N tx=N dropped=N arp=N ping=N udp=N merged=N tx_full=N irqs=N
 * and "virtio_net: passed" (debug exit 0x72, as virtio_blk.elf) or "virtio_net: N failures" (0x73). Failures:
 * no device or a refused set-up (at once), the device's mistakes, no ARP answer from `peer` by the end.
 * A 32-bit Multiboot guest on the SDK runtime; it runs its own 10 ms LAPIC timer (vector 0x54).
 */
#include "javisor_rt.h"
#include "javisor_virtio.h"

#define VECTOR 0x53
#define TICK_VECTOR 0x54
#define TICK_COUNT 625000u      /* 10 ms at the 1 GHz APIC clock (KVM's, QEMU's) divided by 16 */
#define PASS 0x72
#define FAILED 0x73

#define VIRTIO_ID_NET 1
#define NET_F_MAC       (1ull << 5)
#define NET_F_MRG_RXBUF (1ull << 15)
#define NET_F_STATUS    (1ull << 16)
#define NET_S_LINK_UP   1u
#define HDR_LEN 12              /* struct virtio_net_hdr_v1: flags, gso_type, hdr_len, gso_size, csum_start,
                                   csum_offset, num_buffers */
#define HDR_F_NEEDS_CSUM 1
#define GSO_NONE 0

#define QMAX 256                /* entries per queue we use at most */
#define RXBUF_MAX 2048
#define TXBUF 2048
#define ETH_MAX 1514            /* no VLAN tags, no jumbo frames */
#define ETH_MIN 60

/* ---- rings ------------------------------------------------------------------------------------------- */

struct ring {
    struct jv_vq_desc desc[QMAX];
    struct jv_vq_avail avail;
    struct jv_vq_used used __attribute__((aligned(4096)));
} __attribute__((aligned(4096)));

struct queue {
    uint32_t index;             /* 0 receive, 1 transmit */
    uint32_t size;
    struct ring *r;
    uint16_t avail_idx, used_idx;
    uint8_t owned[QMAX];        /* 1 while the device holds the buffer of descriptor i */
};

static struct ring rx_ring, tx_ring;
static struct queue rxq = {0, 0, &rx_ring, 0, 0, {0}};
static struct queue txq = {1, 0, &tx_ring, 0, 0, {0}};
static uint8_t rx_buf[QMAX][RXBUF_MAX] __attribute__((aligned(64)));
static uint8_t tx_buf[QMAX][TXBUF] __attribute__((aligned(64)));
static uint16_t tx_free[QMAX];
static uint32_t tx_nfree;
static uint8_t frame[ETH_MAX + 64];   /* a received frame, put together from its buffers */

static uintptr_t base;
static uint64_t features;
static uint32_t rxbuf_len;
static uint8_t mac[6];
static uint32_t my_ip, peer_ip, port;
static uint8_t peer_mac[6];
static int peer_known;
static uint16_t ip_id;

static volatile uint32_t irqs, ticks, config_changes;
static int quit;
static uint32_t failures, verbose;
static uint32_t n_rx, n_tx, n_drop, n_arp, n_ping, n_udp, n_merged, n_tx_full;

/* ---- small helpers --------------------------------------------------------------------------------- */

static void copy(void *dst, const void *src, uint32_t n)
{
    __asm__ volatile("rep movsb" : "+D"(dst), "+S"(src), "+c"(n) : : "memory");
}

static void zero(void *dst, uint32_t n)
{
    __asm__ volatile("rep stosb" : "+D"(dst), "+c"(n) : "a"(0) : "memory");
}

static int same(const uint8_t *a, const uint8_t *b, uint32_t n)
{
    for (uint32_t i = 0; i < n; i++)
        if (a[i] != b[i])
            return 0;
    return 1;
}

static uint16_t get16(const uint8_t *p) { return (uint16_t)(p[0] << 8 | p[1]); }
static uint32_t get32(const uint8_t *p) { return (uint32_t)p[0] << 24 | (uint32_t)p[1] << 16 | (uint32_t)p[2] << 8 | p[3]; }
static void put16(uint8_t *p, uint32_t v) { p[0] = (uint8_t)(v >> 8); p[1] = (uint8_t)v; }
static void put32(uint8_t *p, uint32_t v) { put16(p, v >> 16); put16(p + 2, v); }

static uint16_t read16(uintptr_t addr)
{
    uint16_t v;
    __asm__ volatile("movw (%1), %0" : "=r"(v) : "r"(addr) : "memory");
    return v;
}

static void fail(const char *what, const char *why, uint32_t value)
{
    jv_printf("FAIL %s: %s 0x%x\n", what, why, value);
    failures++;
}

/* The one's-complement sum of RFC 1071 over n bytes, added to `sum` (not yet folded or inverted). */
static uint32_t csum_add(uint32_t sum, const uint8_t *p, uint32_t n)
{
    for (; n > 1; p += 2, n -= 2)
        sum += get16(p);
    if (n)
        sum += (uint32_t)p[0] << 8;
    return sum;
}

static uint16_t csum_fold(uint32_t sum)
{
    while (sum >> 16)
        sum = (sum & 0xffff) + (sum >> 16);
    return (uint16_t)~sum;
}

/* The UDP pseudo-header's part of the sum: addresses, protocol, UDP length. */
static uint32_t pseudo_sum(uint32_t src, uint32_t dst, uint32_t len)
{
    return (src >> 16) + (src & 0xffff) + (dst >> 16) + (dst & 0xffff) + 17 + len;
}

/* "a.b.c.d" as the value of word key=, or def. */
static uint32_t cmdline_ip(const char *s, const char *key, uint32_t def)
{
    uint32_t klen = 0;
    while (key[klen])
        klen++;
    for (uint32_t i = 0; i < 4096 && s[i]; i++) {
        if ((i > 0 && s[i - 1] != ' ') || !same((const uint8_t *)s + i, (const uint8_t *)key, klen) || s[i + klen] != '=')
            continue;
        const char *d = s + i + klen + 1;
        uint32_t v = 0;
        for (int part = 0; part < 4; part++) {
            uint32_t x = 0;
            int digits = 0;
            for (; *d >= '0' && *d <= '9' && digits < 4; d++, digits++)
                x = x * 10 + (uint32_t)(*d - '0');
            if (!digits || x > 255 || (part < 3 && *d++ != '.'))
                return def;
            v = v << 8 | x;
        }
        return (*d == ' ' || *d == '\0') ? v : def;
    }
    return def;
}

static void print_ip(const char *prefix, uint32_t ip)
{
    jv_printf("%s%u.%u.%u.%u", prefix, ip >> 24, (ip >> 16) & 0xff, (ip >> 8) & 0xff, ip & 0xff);
}

static void print_mac(const char *prefix, const uint8_t *m)
{
    jv_printf("%s%02x:%02x:%02x:%02x:%02x:%02x", prefix, m[0], m[1], m[2], m[3], m[4], m[5]);
}

/* ---- interrupts ------------------------------------------------------------------------------------ */

static void on_irq(struct jv_frame *f)
{
    (void)f;
    if (jv_vio_ack_interrupt(base) & JV_VIO_INT_CONFIG)
        config_changes++;
    irqs++;
    jv_lapic_eoi();
}

static void on_tick(struct jv_frame *f)
{
    (void)f;
    ticks++;
    jv_lapic_eoi();
}

/* ---- the device ------------------------------------------------------------------------------------ */

/* 4.2.3.2: select the queue, check it is not in use, size it, give the device the three parts, ready. */
static int queue_setup(struct queue *q)
{
    jv_vio_write(base, JV_VIO_QUEUE_SEL, q->index);
    if (jv_vio_read(base, JV_VIO_QUEUE_READY) != 0)
        return -1;
    uint32_t max = jv_vio_read(base, JV_VIO_QUEUE_NUM_MAX);
    if (max == 0)
        return -1;
    /* A power of two (the split ring wants one), at most QMAX. */
    uint32_t size = QMAX;
    while (size > max)
        size >>= 1;
    q->size = size;
    zero(q->r, sizeof(*q->r));
    jv_vio_write(base, JV_VIO_QUEUE_NUM, size);
    jv_vio_write(base, JV_VIO_QUEUE_DESC_LO, (uintptr_t)q->r->desc);
    jv_vio_write(base, JV_VIO_QUEUE_DESC_HI, 0);
    jv_vio_write(base, JV_VIO_QUEUE_AVAIL_LO, (uintptr_t)&q->r->avail);
    jv_vio_write(base, JV_VIO_QUEUE_AVAIL_HI, 0);
    jv_vio_write(base, JV_VIO_QUEUE_USED_LO, (uintptr_t)&q->r->used);
    jv_vio_write(base, JV_VIO_QUEUE_USED_HI, 0);
    jv_vio_write(base, JV_VIO_QUEUE_READY, 1);
    return 0;
}

/* Puts descriptor `id` (already filled) on the available ring; the caller notifies. */
static void queue_push(struct queue *q, uint16_t id)
{
    q->owned[id] = 1;
    q->r->avail.ring[q->avail_idx % q->size] = id;
    jv_vio_mb();
    q->avail_idx++;
    ((volatile struct jv_vq_avail *)&q->r->avail)->idx = q->avail_idx;
}

/* QueueNotify, unless the device asked not to be (VIRTQ_USED_F_NO_NOTIFY, 2.7.7). */
static void queue_notify(struct queue *q)
{
    jv_vio_mb();
    if (!(((volatile struct jv_vq_used *)&q->r->used)->flags & 1))
        jv_vio_write(base, JV_VIO_QUEUE_NOTIFY, q->index);
}

/* Used entries not taken yet. */
static uint16_t queue_pending(struct queue *q)
{
    return (uint16_t)(((volatile struct jv_vq_used *)&q->r->used)->idx - q->used_idx);
}

/* Takes the next used entry (the caller checked there is one); 0, or -1 if it names no buffer the device holds. */
static int queue_take(struct queue *q, uint32_t *id, uint32_t *len)
{
    jv_vio_mb();
    volatile struct jv_vq_used_elem *e = &q->r->used.ring[q->used_idx % q->size];
    *id = e->id;
    *len = e->len;
    q->used_idx++;
    if (*id >= q->size || !q->owned[*id]) {
        fail(q->index ? "tx_used" : "rx_used", "entry names a buffer the device does not hold, id", *id);
        return -1;
    }
    q->owned[*id] = 0;
    return 0;
}

static void rx_post(uint16_t id)
{
    volatile struct jv_vq_desc *d = &rx_ring.desc[id];
    d->addr = (uintptr_t)rx_buf[id];
    d->len = rxbuf_len;
    d->flags = JV_VQ_DESC_F_WRITE;
    d->next = 0;
    queue_push(&rxq, id);
}

/* ---- sending ----------------------------------------------------------------------------------------- */

static void tx_reclaim(void)
{
    uint32_t id, len;
    while (queue_pending(&txq))
        if (queue_take(&txq, &id, &len) == 0)
            tx_free[tx_nfree++] = (uint16_t)id;
}

/* A transmit buffer's frame area (after the 12-byte header), or NULL when every buffer is with the device. */
static uint8_t *tx_begin(uint16_t *id)
{
    if (!tx_nfree)
        tx_reclaim();
    if (!tx_nfree) {
        n_tx_full++;
        return 0;
    }
    *id = tx_free[--tx_nfree];
    zero(tx_buf[*id], HDR_LEN + ETH_MIN);   /* the header (no offloads: all zero) and a short frame's padding */
    return tx_buf[*id] + HDR_LEN;
}

/* Sends the frame of `len` bytes built in buffer id (padded to the Ethernet minimum). */
static void tx_send(uint16_t id, uint32_t len)
{
    if (len < ETH_MIN)
        len = ETH_MIN;
    volatile struct jv_vq_desc *d = &tx_ring.desc[id];
    d->addr = (uintptr_t)tx_buf[id];
    d->len = HDR_LEN + len;
    d->flags = 0;
    d->next = 0;
    queue_push(&txq, id);
    queue_notify(&txq);
    n_tx++;
}

static void eth_header(uint8_t *f, const uint8_t *dst, uint16_t type)
{
    copy(f, dst, 6);
    copy(f + 6, mac, 6);
    put16(f + 12, type);
}

/* An IPv4 header (20 bytes, no options) at p for `payload` bytes of protocol proto. */
static void ip_header(uint8_t *p, uint32_t dst, uint8_t proto, uint32_t payload)
{
    p[0] = 0x45;
    p[1] = 0;
    put16(p + 2, 20 + payload);
    put16(p + 4, ip_id++);
    put16(p + 6, 0);
    p[8] = 64;
    p[9] = proto;
    put16(p + 10, 0);
    put32(p + 12, my_ip);
    put32(p + 16, dst);
    put16(p + 10, csum_fold(csum_add(0, p, 20)));
}

static void arp_send(uint16_t op, const uint8_t *eth_dst, const uint8_t *tha, uint32_t tpa)
{
    uint16_t id;
    uint8_t *f = tx_begin(&id);
    if (!f)
        return;
    eth_header(f, eth_dst, 0x0806);
    uint8_t *a = f + 14;
    put16(a, 1);            /* Ethernet */
    put16(a + 2, 0x0800);   /* IPv4 */
    a[4] = 6;
    a[5] = 4;
    put16(a + 6, op);
    copy(a + 8, mac, 6);
    put32(a + 14, my_ip);
    copy(a + 18, tha, 6);
    put32(a + 24, tpa);
    tx_send(id, 14 + 28);
}

/* A UDP datagram from `sport` to dst:dport via Ethernet address dmac. */
static void udp_send(const uint8_t *dmac, uint32_t dst, uint16_t sport, uint16_t dport, const uint8_t *data, uint32_t n)
{
    uint16_t id;
    uint8_t *f = tx_begin(&id);
    if (!f)
        return;
    eth_header(f, dmac, 0x0800);
    ip_header(f + 14, dst, 17, 8 + n);
    uint8_t *u = f + 34;
    put16(u, sport);
    put16(u + 2, dport);
    put16(u + 4, 8 + n);
    put16(u + 6, 0);
    copy(u + 8, data, n);
    uint16_t c = csum_fold(csum_add(pseudo_sum(my_ip, dst, 8 + n), u, 8 + n));
    put16(u + 6, c ? c : 0xffff);   /* 0 means "no checksum" in UDP (RFC 768) */
    tx_send(id, 34 + 8 + n);
}

static void send_hello(void)
{
    static const char hex[] = "0123456789abcdef";
    uint8_t msg[64];
    const char *text = "hello from virtio_net ";
    uint32_t n = 0;
    while (text[n]) {
        msg[n] = (uint8_t)text[n];
        n++;
    }
    for (int i = 0; i < 6; i++) {
        msg[n++] = (uint8_t)hex[mac[i] >> 4];
        msg[n++] = (uint8_t)hex[mac[i] & 15];
        if (i < 5)
            msg[n++] = ':';
    }
    udp_send(peer_mac, peer_ip, (uint16_t)port, (uint16_t)port, msg, n);
    jv_printf("ok hello_sent %u bytes to", n);
    print_ip(" ", peer_ip);
    jv_printf(":%u\n", port);
}

/* ---- receiving --------------------------------------------------------------------------------------- */

static void drop(const char *why, uint32_t value)
{
    n_drop++;
    if (n_drop <= verbose)
        jv_printf("virtio_net: dropped a frame: %s 0x%x\n", why, value);
}

static void on_arp(const uint8_t *f, uint32_t len)
{
    if (len < 14 + 28)
        return drop("short ARP", len);
    const uint8_t *a = f + 14;
    if (get16(a) != 1 || get16(a + 2) != 0x0800 || a[4] != 6 || a[5] != 4)
        return drop("ARP not Ethernet/IPv4", get16(a));
    uint16_t op = get16(a + 6);
    uint32_t spa = get32(a + 14), tpa = get32(a + 24);
    if (spa == peer_ip && !peer_known && (a[8] & 1) == 0) {
        copy(peer_mac, a + 8, 6);
        peer_known = 1;
        print_ip("ok peer_arp ", peer_ip);
        print_mac(" is at ", peer_mac);
        jv_printf("\n");
    }
    if (op == 1 && tpa == my_ip) {
        n_arp++;
        arp_send(2, a + 8, a + 8, spa);
    }
}

static void on_icmp(const uint8_t *f, const uint8_t *ip, uint32_t ihl, uint32_t total)
{
    const uint8_t *m = ip + ihl;
    uint32_t n = total - ihl;
    if (n < 8)
        return drop("short ICMP", n);
    if (csum_fold(csum_add(0, m, n)) != 0)
        return drop("ICMP checksum", get16(m + 2));
    if (m[0] != 8 || m[1] != 0)
        return;   /* not an echo request: nothing to say */
    uint16_t id;
    uint8_t *o = tx_begin(&id);
    if (!o)
        return;
    eth_header(o, f + 6, 0x0800);
    ip_header(o + 14, get32(ip + 12), 1, n);
    uint8_t *r = o + 34;
    copy(r, m, n);
    r[0] = 0;   /* echo reply */
    put16(r + 2, 0);
    put16(r + 2, csum_fold(csum_add(0, r, n)));
    tx_send(id, 34 + n);
    n_ping++;
    if (n_ping <= verbose) {
        print_ip("virtio_net: ping from ", get32(ip + 12));
        jv_printf(" seq %u, %u bytes\n", get16(m + 6), n - 8);
    }
}

static void on_udp(const uint8_t *f, const uint8_t *ip, uint32_t ihl, uint32_t total)
{
    const uint8_t *u = ip + ihl;
    uint32_t n = total - ihl;
    if (n < 8 || get16(u + 4) < 8 || get16(u + 4) > n)
        return drop("UDP length", n < 8 ? n : get16(u + 4));
    n = get16(u + 4);
    uint32_t src = get32(ip + 12);
    if (get16(u + 6) != 0 && csum_fold(csum_add(pseudo_sum(src, my_ip, n), u, n)) != 0)
        return drop("UDP checksum", get16(u + 6));
    if (get16(u + 2) != port)
        return drop("UDP port", get16(u + 2));
    const uint8_t *data = u + 8;
    uint32_t len = n - 8;
    n_udp++;
    if (n_udp <= verbose) {
        print_ip("virtio_net: udp from ", src);
        jv_printf(":%u, %u bytes\n", get16(u), len);
    }
    udp_send(f + 6, src, (uint16_t)port, get16(u), data, len);
    if (len >= 4 && same(data, (const uint8_t *)"quit", 4) && (len == 4 || (len == 5 && data[4] == '\n')))
        quit = 1;
}

static void on_ipv4(const uint8_t *f, uint32_t len)
{
    if (len < 14 + 20)
        return drop("short IPv4", len);
    const uint8_t *ip = f + 14;
    uint32_t ihl = (ip[0] & 15) * 4u, total = get16(ip + 2);
    if ((ip[0] >> 4) != 4 || ihl < 20 || total < ihl || 14 + total > len)
        return drop("IPv4 header", ip[0] << 16 | total);
    if (csum_fold(csum_add(0, ip, ihl)) != 0)
        return drop("IPv4 checksum", get16(ip + 10));
    if (get32(ip + 16) != my_ip)
        return;   /* not for us (a broadcast, say) */
    if (get16(ip + 6) & 0x3fff)
        return drop("IPv4 fragment", get16(ip + 6));
    if (ip[9] == 1)
        on_icmp(f, ip, ihl, total);
    else if (ip[9] == 17)
        on_udp(f, ip, ihl, total);
}

static void on_frame(const uint8_t *f, uint32_t len)
{
    n_rx++;
    if (len < 14)
        return drop("runt", len);
    if (!same(f, mac, 6) && !same(f, (const uint8_t *)"\xff\xff\xff\xff\xff\xff", 6))
        return;   /* another station's (a bridge may flood) */
    uint16_t type = get16(f + 12);
    if (type == 0x0806)
        on_arp(f, len);
    else if (type == 0x0800)
        on_ipv4(f, len);
}

/*
 * Takes the frames on the receive queue. With MRG_RXBUF a frame may span num_buffers used entries: the header
 * is in the first, data in all; they are taken once all of them are on the used ring. Every buffer goes back
 * to the device. Returns the number of used entries taken.
 */
static uint32_t rx_process(void)
{
    uint32_t taken = 0;
    uint16_t reposted = 0;
    while (queue_pending(&rxq)) {
        uint32_t id, len;
        /* Peek at the first buffer's header for num_buffers before taking anything. */
        volatile struct jv_vq_used_elem *e = &rx_ring.used.ring[rxq.used_idx % rxq.size];
        jv_vio_mb();
        uint32_t first = e->id;
        uint32_t nbufs = 1;
        if ((features & NET_F_MRG_RXBUF) && first < rxq.size && rxq.owned[first]) {
            nbufs = rx_buf[first][10] | (uint32_t)rx_buf[first][11] << 8;
            if (nbufs == 0 || nbufs > rxq.size) {
                fail("rx_num_buffers", "out of range:", nbufs);
                nbufs = 1;   /* take just this one back */
            } else if (queue_pending(&rxq) < nbufs) {
                break;       /* the rest is not there yet */
            }
        }
        uint32_t have = 0;
        int bad = 0;
        for (uint32_t k = 0; k < nbufs; k++) {
            if (queue_take(&rxq, &id, &len)) {
                bad = 1;
                continue;
            }
            taken++;
            uint32_t skip = k == 0 ? HDR_LEN : 0;
            if (len > rxbuf_len || len < skip) {
                fail("rx_used_len", "length beyond the buffer or short of the header:", len);
                bad = 1;
            } else if (have + len - skip > ETH_MAX) {
                if (!bad)
                    drop("oversized frame", have + len - skip);
                bad = 1;
            } else if (!bad) {
                if (k == 0) {
                    const uint8_t *h = rx_buf[id];
                    /* Nothing was negotiated that lets the device use these. */
                    if ((h[0] & HDR_F_NEEDS_CSUM) || h[1] != GSO_NONE) {
                        fail("rx_header", "offload fields set, flags/gso_type", h[0] << 8 | h[1]);
                        bad = 1;
                    }
                }
                copy(frame + have, rx_buf[id] + skip, len - skip);
                have += len - skip;
            }
            rx_post((uint16_t)id);
            reposted++;
        }
        if (nbufs > 1)
            n_merged++;
        if (!bad)
            on_frame(frame, have);
    }
    if (reposted)
        queue_notify(&rxq);
    return taken;
}

/* ---- set-up and the main loop ------------------------------------------------------------------------- */

static void setup_fail(const char *what, uint32_t value)
{
    jv_printf("FAIL %s: 0x%x\nvirtio_net: 1 failures\n", what, value);
    guest_exit(FAILED);
}

static void read_config(void)
{
    uint32_t gen;
    uint16_t status = 0;
    do {
        gen = jv_vio_read(base, JV_VIO_CONFIG_GEN);
        if (features & NET_F_MAC)
            for (int i = 0; i < 6; i++)
                mac[i] = read8(base + JV_VIO_CONFIG + i);
        if (features & NET_F_STATUS)
            status = read16(base + JV_VIO_CONFIG + 6);
    } while (gen != jv_vio_read(base, JV_VIO_CONFIG_GEN));
    if (!(features & NET_F_MAC)) {
        /* 5.1.5: without MAC the driver picks one; a fixed locally administered address will do. */
        static const uint8_t fallback[6] = {0x52, 0x54, 0x00, 0x4a, 0x56, 0x01};
        copy(mac, fallback, 6);
    }
    print_mac("ok mac ", mac);
    jv_printf("%s\n", (features & NET_F_MAC) ? "" : " (not offered: chosen by the guest)");
    if (features & NET_F_STATUS)
        jv_printf("ok link %s (status 0x%x)\n", (status & NET_S_LINK_UP) ? "up" : "down", status);
}

static int is_net_device(uintptr_t at)
{
    return jv_vio_read(at, JV_VIO_MAGIC) == JV_VIO_MAGIC_VALUE && jv_vio_read(at, JV_VIO_VERSION) == 2 &&
           jv_vio_read(at, JV_VIO_DEVICE_ID) == VIRTIO_ID_NET;
}

/* The first network device in Javisor's virtio-mmio slots, else in QEMU microvm's: sets base and *gsi. */
static int find_device(uint32_t *gsi)
{
    for (uint32_t n = 0; n < 8; n++)
        if (is_net_device(0xd0000000u + n * 0x1000u)) {
            base = 0xd0000000u + n * 0x1000u;
            *gsi = 16 + n;
            return 1;
        }
    for (uint32_t n = 0; n < 24; n++)
        if (is_net_device(0xfeb00000u + n * 0x200u)) {
            base = 0xfeb00000u + n * 0x200u;
            *gsi = 16 + n;
            return 1;
        }
    return 0;
}

void guest_main(uint32_t magic, const struct multiboot_info *mbi)
{
    jv_platform_init();
    const char *cmdline = jv_cmdline(magic, mbi);
    uint32_t gsi = 16;
    base = jv_cmdline_u32(cmdline, "net", 0);
    if (!base && !find_device(&gsi))
        setup_fail("probe: no virtio-net device in Javisor's or QEMU microvm's slots, and no net=", 0);
    gsi = jv_cmdline_u32(cmdline, "gsi", gsi);
    my_ip = cmdline_ip(cmdline, "ip", 0x0a000202);
    peer_ip = cmdline_ip(cmdline, "peer", 0x0a000201);
    port = jv_cmdline_u32(cmdline, "port", 7777) & 0xffff;
    uint32_t seconds = jv_cmdline_u32(cmdline, "seconds", 20);
    verbose = jv_cmdline_u32(cmdline, "verbose", 8);
    int hello = !jv_cmdline_has(cmdline, "nohello");
    uint64_t want = JV_VIRTIO_F_VERSION_1 | NET_F_MAC | NET_F_STATUS |
                    (jv_cmdline_has(cmdline, "nomrg") ? 0 : NET_F_MRG_RXBUF);

    jv_set_handler(VECTOR, on_irq);
    jv_set_handler(TICK_VECTOR, on_tick);
    if (gsi < jv_ioapic_inputs())
        jv_ioapic_route(gsi, VECTOR, jv_lapic_id(), 0);
    else   /* QEMU microvm without ioapic2=off: the device's line is on a second I/O APIC */
        jv_printf("virtio_net: gsi %u is not an input of the I/O APIC: polling every 10 ms instead\n", gsi);

    /* 3.1.1 and 5.1.5. */
    if (jv_vio_read(base, JV_VIO_MAGIC) != JV_VIO_MAGIC_VALUE)
        setup_fail("probe: no virtio-mmio device, magic", jv_vio_read(base, JV_VIO_MAGIC));
    if (jv_vio_read(base, JV_VIO_VERSION) != 2)
        setup_fail("probe: not virtio-mmio version 2, version", jv_vio_read(base, JV_VIO_VERSION));
    if (jv_vio_read(base, JV_VIO_DEVICE_ID) != VIRTIO_ID_NET)
        setup_fail("probe: not a network device, device id", jv_vio_read(base, JV_VIO_DEVICE_ID));
    uint64_t offered = jv_vio_device_features(base);
    jv_printf("ok probe at 0x%x gsi %u, features offered 0x%llx\n", base, gsi, offered);
    if (!(offered & JV_VIRTIO_F_VERSION_1))
        setup_fail("features: VERSION_1 not offered, high word", (uint32_t)(offered >> 32));
    features = want & offered;
    if (!(jv_vio_negotiate(base, features) & JV_VIO_S_FEATURES_OK))
        setup_fail("features: FEATURES_OK refused for", (uint32_t)features);
    jv_printf("ok features 0x%llx%s\n", features, (features & NET_F_MRG_RXBUF) ? " (MRG_RXBUF)" : "");
    rxbuf_len = jv_cmdline_u32(cmdline, "rxbuf", RXBUF_MAX);
    uint32_t min = (features & NET_F_MRG_RXBUF) ? 64 : HDR_LEN + ETH_MAX;
    if (rxbuf_len < min)
        rxbuf_len = min;
    if (rxbuf_len > RXBUF_MAX)
        rxbuf_len = RXBUF_MAX;
    read_config();
    if (queue_setup(&rxq) || queue_setup(&txq))
        setup_fail("queues: queue 0 or 1 missing or in use, status", jv_vio_status(base));
    int r = jv_vio_driver_ok(base);
    if (r)
        setup_fail("driver_ok: refused, status", jv_vio_status(base));
    for (uint32_t i = 0; i < rxq.size; i++)
        rx_post((uint16_t)i);
    queue_notify(&rxq);
    for (uint32_t i = txq.size; i-- > 0;)
        tx_free[tx_nfree++] = (uint16_t)i;
    jv_printf("ok queues rx=%u tx=%u, %u receive buffers of %u bytes\n", rxq.size, txq.size, rxq.size, rxbuf_len);
    print_ip("ok up: ", my_ip);
    jv_printf(" udp port %u for %u s\n", port, seconds);

    jv_lapic_timer_periodic(TICK_VECTOR, TICK_COUNT, JV_LAPIC_DIV_16);
    uint32_t end = seconds * 100, next_arp = 0, seen_config = 0;
    int hello_sent = 0;
    while (!quit && ticks < end) {
        uint32_t work = rx_process();
        if (txq.size)
            tx_reclaim();
        if (config_changes != seen_config) {
            seen_config = config_changes;
            if (features & NET_F_STATUS)
                jv_printf("virtio_net: configuration change, link %s\n",
                          (read16(base + JV_VIO_CONFIG + 6) & NET_S_LINK_UP) ? "up" : "down");
        }
        if (jv_vio_status(base) & JV_VIO_S_NEEDS_RESET) {
            fail("device", "DEVICE_NEEDS_RESET, status", jv_vio_status(base));
            break;
        }
        if (hello && !peer_known && ticks >= next_arp) {
            static const uint8_t bcast[6] = {0xff, 0xff, 0xff, 0xff, 0xff, 0xff}, none[6] = {0};
            arp_send(1, bcast, none, peer_ip);
            next_arp = ticks + 100;
        }
        if (hello && peer_known && !hello_sent) {
            send_hello();
            hello_sent = 1;
        }
        if (!work && !queue_pending(&rxq))
            jv_wait_for_interrupt();   /* the device's interrupt or the 10 ms tick */
    }
    /* Let the last answers (the echo of "quit") leave before the VM stops: up to 100 ms. */
    for (uint32_t until = ticks + 10; tx_nfree + 0u < txq.size && ticks < until;) {
        tx_reclaim();
        if (tx_nfree < txq.size)
            jv_wait_for_interrupt();
    }
    jv_lapic_timer_stop();
    if (quit)
        jv_printf("virtio_net: quit received after %u ms\n", ticks * 10);
    if (hello && !peer_known) {
        print_ip("FAIL peer_arp: no ARP answer from ", peer_ip);
        jv_printf("\n");
        failures++;
    }
    jv_printf("virtio_net counters: rx=%u tx=%u dropped=%u arp=%u ping=%u udp=%u merged=%u tx_full=%u irqs=%u\n",
              n_rx, n_tx, n_drop, n_arp, n_ping, n_udp, n_merged, n_tx_full, irqs);
    if (failures) {
        jv_printf("virtio_net: %u failures\n", failures);
        guest_exit(FAILED);
    }
    jv_printf("virtio_net: passed\n");
    guest_exit(PASS);
}
