/*
 * ivc_demo.h - the protocol of hc_ivc_pub and hc_ivc_sub: one channel, a control block after the
 * hypervisor's header, the data from offset 0x1000.
 *
 *   offset 0       publisher VM id, key (u64 each; written by the hypervisor at publish)
 *   offset 16      struct demo_ctrl
 *   offset 0x1000  DEMO_DATA_SIZE bytes of data: dword i = x(i) ^ (x(i) >> 16), where x(0) = seed and
 *                  x(i+1) = x(i) * DEMO_LCG_MUL + DEMO_LCG_ADD (the shift mixes the LCG's weak low bits)
 *
 * The checksum is Fletcher-like over the data's dwords: a = sum of the words, b = sum of the running
 * a's (both mod 2^32), so a swapped or misplaced word changes b.
 */
#ifndef IVC_DEMO_H
#define IVC_DEMO_H

#include <stdint.h>

#define DEMO_KEY 0x4a56             /* "JV" */
#define DEMO_GSI 5
#define DEMO_VECTOR 0x50            /* where the IVC interrupt arrives */
#define DEMO_DATA_OFFSET 0x1000
#define DEMO_DATA_SIZE 0x100000     /* 1 MiB */
#define DEMO_CHANNEL_SIZE (DEMO_DATA_OFFSET + DEMO_DATA_SIZE)
#define DEMO_LCG_MUL 1664525u       /* Numerical Recipes' LCG */
#define DEMO_LCG_ADD 1013904223u
#define DEMO_MAGIC 0x4349564au      /* "JVIC" */

enum demo_state { DEMO_EMPTY = 0, DEMO_READY = 1, DEMO_ACK = 2, DEMO_NACK = 3 };

struct demo_ctrl {
    volatile uint32_t magic;
    volatile uint32_t state;        /* enum demo_state; written last */
    volatile uint32_t length;       /* bytes of data */
    volatile uint32_t seed;
    volatile uint32_t sum_a, sum_b; /* the publisher's checksum */
    volatile uint32_t ack_a, ack_b; /* the subscriber's, with DEMO_ACK or DEMO_NACK */
};

/* Checksum of n dwords at p. */
static inline void demo_checksum(const uint32_t *p, uint32_t n, uint32_t *out_a, uint32_t *out_b)
{
    uint32_t a = 0, b = 0;
    for (uint32_t i = 0; i < n; i++) {
        a += p[i];
        b += a;
    }
    *out_a = a;
    *out_b = b;
}

#endif
