/*
 * javisor_apic.h - the interrupt hardware of a PC as KVM's in-kernel irqchip emulates it: the local APIC
 * in xAPIC mode (MMIO at 0xfee00000), its timer and its interrupt command register (IPIs, INIT, SIPI),
 * the I/O APIC (MMIO at 0xfec00000: IOREGSEL/IOWIN), and the legacy 8259 PICs (only to switch them off).
 *
 * Header only, 32-bit and 64-bit. The addresses are physical: Multiboot guests run with paging off,
 * 64-bit guests with the low 4 GiB identity-mapped, so they are used as they are.
 *
 * On KVM the local APIC is hardware-enabled at reset on every vCPU (IA32_APIC_BASE = 0xfee00000 | EN),
 * its id is the vCPU id, and its timer counts at 1 GHz before the divider (KVM's APIC bus clock).
 * jv_lapic_enable() software-enables it; until then it accepts INIT and SIPI only.
 */
#ifndef JAVISOR_APIC_H
#define JAVISOR_APIC_H

#include <stdint.h>
#include "javisor.h"

/* ---- local APIC ------------------------------------------------------------------------------ */

#define JV_LAPIC_BASE 0xfee00000u

#define JV_LAPIC_ID        0x020   /* bits 31..24: APIC id */
#define JV_LAPIC_VERSION   0x030
#define JV_LAPIC_TPR       0x080   /* task priority: 0 accepts every vector */
#define JV_LAPIC_EOI       0x0b0
#define JV_LAPIC_SVR       0x0f0   /* spurious vector register: bit 8 software-enables the APIC */
#define JV_LAPIC_ESR       0x280
#define JV_LAPIC_ICR_LOW   0x300
#define JV_LAPIC_ICR_HIGH  0x310   /* bits 31..24: destination APIC id */
#define JV_LAPIC_LVT_TIMER 0x320
#define JV_LAPIC_LVT_LINT0 0x350
#define JV_LAPIC_LVT_LINT1 0x360
#define JV_LAPIC_LVT_ERROR 0x370
#define JV_LAPIC_TIMER_INIT  0x380 /* initial count: writing it (re)starts the timer, 0 stops it */
#define JV_LAPIC_TIMER_CUR   0x390 /* current count, read only */
#define JV_LAPIC_TIMER_DIV   0x3e0 /* divide configuration, one of JV_LAPIC_DIV_* */

#define JV_LAPIC_SVR_ENABLE     (1u << 8)
#define JV_LVT_MASKED           (1u << 16)
#define JV_LVT_TIMER_PERIODIC   (1u << 17)

/* Divide configuration values (SDM vol. 3, 11.5.4): the timer counts at bus clock / N. */
#define JV_LAPIC_DIV_1   0xb
#define JV_LAPIC_DIV_2   0x0
#define JV_LAPIC_DIV_4   0x1
#define JV_LAPIC_DIV_8   0x2
#define JV_LAPIC_DIV_16  0x3
#define JV_LAPIC_DIV_32  0x8
#define JV_LAPIC_DIV_64  0x9
#define JV_LAPIC_DIV_128 0xa

/* KVM's APIC bus clock: the timer counts this many times a second with JV_LAPIC_DIV_1. */
#define JV_LAPIC_BUS_HZ 1000000000u

/* ICR fields (SDM vol. 3, 11.6.1). */
#define JV_ICR_FIXED        (0u << 8)
#define JV_ICR_NMI          (4u << 8)
#define JV_ICR_INIT         (5u << 8)
#define JV_ICR_STARTUP      (6u << 8)
#define JV_ICR_PENDING      (1u << 12)   /* delivery status: send pending */
#define JV_ICR_ASSERT       (1u << 14)
#define JV_ICR_LEVEL        (1u << 15)
#define JV_ICR_SELF         (1u << 18)
#define JV_ICR_ALL          (2u << 18)
#define JV_ICR_ALL_BUT_SELF (3u << 18)

static inline uint32_t jv_lapic_read(uint32_t reg)
{
    return read32(JV_LAPIC_BASE + reg);
}

static inline void jv_lapic_write(uint32_t reg, uint32_t v)
{
    write32(JV_LAPIC_BASE + reg, v);
}

/* This CPU's APIC id (the vCPU id on Javisor). */
static inline uint32_t jv_lapic_id(void)
{
    return jv_lapic_read(JV_LAPIC_ID) >> 24;
}

/*
 * Software-enables this CPU's local APIC with `spurious_vector` (0x10..0xff; its low 4 bits should be
 * 1111 on old CPUs, 0xff is the usual choice) and accepts every priority.
 */
static inline void jv_lapic_enable(uint8_t spurious_vector)
{
    jv_lapic_write(JV_LAPIC_TPR, 0);
    jv_lapic_write(JV_LAPIC_SVR, JV_LAPIC_SVR_ENABLE | spurious_vector);
}

/* End of interrupt: every handler of a LAPIC-delivered interrupt (timer, IPI, I/O APIC) ends with it. */
static inline void jv_lapic_eoi(void)
{
    jv_lapic_write(JV_LAPIC_EOI, 0);
}

/* Stops the timer. */
static inline void jv_lapic_timer_stop(void)
{
    jv_lapic_write(JV_LAPIC_LVT_TIMER, JV_LVT_MASKED);
    jv_lapic_write(JV_LAPIC_TIMER_INIT, 0);
}

/* One interrupt on `vector` after `count` ticks of bus clock / div (div is one of JV_LAPIC_DIV_*). */
static inline void jv_lapic_timer_oneshot(uint8_t vector, uint32_t count, uint32_t div)
{
    jv_lapic_write(JV_LAPIC_TIMER_DIV, div);
    jv_lapic_write(JV_LAPIC_LVT_TIMER, vector);
    jv_lapic_write(JV_LAPIC_TIMER_INIT, count);
}

/* An interrupt on `vector` every `count` ticks of bus clock / div. */
static inline void jv_lapic_timer_periodic(uint8_t vector, uint32_t count, uint32_t div)
{
    jv_lapic_write(JV_LAPIC_TIMER_DIV, div);
    jv_lapic_write(JV_LAPIC_LVT_TIMER, JV_LVT_TIMER_PERIODIC | vector);
    jv_lapic_write(JV_LAPIC_TIMER_INIT, count);
}

static inline uint32_t jv_lapic_timer_current(void)
{
    return jv_lapic_read(JV_LAPIC_TIMER_CUR);
}

/* Writes the ICR (high half first: writing the low half sends) and waits until the APIC took it. */
static inline void jv_lapic_send_icr(uint32_t dest_apic_id, uint32_t low)
{
    jv_lapic_write(JV_LAPIC_ICR_HIGH, dest_apic_id << 24);
    jv_lapic_write(JV_LAPIC_ICR_LOW, low);
    for (int i = 0; i < 1000 && (jv_lapic_read(JV_LAPIC_ICR_LOW) & JV_ICR_PENDING); i++)
        __asm__ volatile("pause");
}

/* A fixed interrupt on `vector` to the CPU with APIC id `dest`. */
static inline void jv_lapic_send_ipi(uint32_t dest, uint8_t vector)
{
    jv_lapic_send_icr(dest, JV_ICR_FIXED | JV_ICR_ASSERT | vector);
}

/* INIT (assert, then the level de-assert old CPUs want) to the CPU with APIC id `dest`. */
static inline void jv_lapic_send_init(uint32_t dest)
{
    jv_lapic_send_icr(dest, JV_ICR_INIT | JV_ICR_LEVEL | JV_ICR_ASSERT);
    jv_lapic_send_icr(dest, JV_ICR_INIT | JV_ICR_LEVEL);
}

/* A start-up IPI: the target starts in real mode at CS:IP = (page << 8):0, i.e. physical page << 12. */
static inline void jv_lapic_send_sipi(uint32_t dest, uint8_t page)
{
    jv_lapic_send_icr(dest, JV_ICR_STARTUP | JV_ICR_ASSERT | page);
}

/* ---- I/O APIC ---------------------------------------------------------------------------------- */

#define JV_IOAPIC_BASE   0xfec00000u
#define JV_IOAPIC_REGSEL 0x00
#define JV_IOAPIC_WIN    0x10

#define JV_IOAPIC_REG_ID    0x00
#define JV_IOAPIC_REG_VER   0x01   /* bits 23..16: number of redirection entries - 1 (23 on KVM) */
#define JV_IOAPIC_REG_REDIR 0x10   /* entry n: low dword at 0x10 + 2n, high dword at 0x11 + 2n */

/* Redirection entry, low dword (SDM-style fields of the 82093AA). */
#define JV_IOAPIC_ACTIVE_LOW (1u << 13)
#define JV_IOAPIC_LEVEL      (1u << 15)
#define JV_IOAPIC_MASKED     (1u << 16)

static inline uint32_t jv_ioapic_read(uint32_t reg)
{
    write32(JV_IOAPIC_BASE + JV_IOAPIC_REGSEL, reg);
    return read32(JV_IOAPIC_BASE + JV_IOAPIC_WIN);
}

static inline void jv_ioapic_write(uint32_t reg, uint32_t v)
{
    write32(JV_IOAPIC_BASE + JV_IOAPIC_REGSEL, reg);
    write32(JV_IOAPIC_BASE + JV_IOAPIC_WIN, v);
}

/* How many inputs (GSIs) the I/O APIC has: 24 on KVM. */
static inline uint32_t jv_ioapic_inputs(void)
{
    return ((jv_ioapic_read(JV_IOAPIC_REG_VER) >> 16) & 0xff) + 1;
}

/*
 * Routes input `gsi` to `vector` on the CPU with APIC id `dest`, fixed delivery, physical destination,
 * unmasked. `flags` is 0 for an edge-triggered active-high line (ISA style; what an irqfd pulse is,
 * so what an IVC notification needs) or JV_IOAPIC_LEVEL / JV_IOAPIC_ACTIVE_LOW.
 */
static inline void jv_ioapic_route(uint32_t gsi, uint8_t vector, uint32_t dest, uint32_t flags)
{
    jv_ioapic_write(JV_IOAPIC_REG_REDIR + 2 * gsi, JV_IOAPIC_MASKED);  /* masked while half-written */
    jv_ioapic_write(JV_IOAPIC_REG_REDIR + 2 * gsi + 1, dest << 24);
    jv_ioapic_write(JV_IOAPIC_REG_REDIR + 2 * gsi, flags | vector);
}

static inline void jv_ioapic_mask(uint32_t gsi)
{
    jv_ioapic_write(JV_IOAPIC_REG_REDIR + 2 * gsi, JV_IOAPIC_MASKED);
}

/* ---- 8259 PICs ------------------------------------------------------------------------------------ */

/*
 * Re-bases both PICs to vectors 0x20..0x2f and masks every line. KVM routes GSIs 0..15 to the PIC as
 * well as to the I/O APIC, and after reset its PIC has every line unmasked at vector base 0 while the
 * boot CPU's LINT0 takes ExtINT: without this, an IVC interrupt on GSI 5 could also arrive as vector 5
 * (an exception vector). Call it before enabling interrupts.
 */
static inline void jv_pic_disable(void)
{
    outb(0x20, 0x11);   /* ICW1: init, ICW4 follows */
    outb(0xa0, 0x11);
    outb(0x21, 0x20);   /* ICW2: vector base */
    outb(0xa1, 0x28);
    outb(0x21, 0x04);   /* ICW3: slave on IR2 */
    outb(0xa1, 0x02);
    outb(0x21, 0x01);   /* ICW4: 8086 mode */
    outb(0xa1, 0x01);
    outb(0x21, 0xff);   /* OCW1: mask all */
    outb(0xa1, 0xff);
}

#endif /* JAVISOR_APIC_H */
