/*
 * javisor_hc.h - typed wrappers for every Javisor hypercall (docs/hypercalls.md), for 32-bit and 64-bit
 * guests. Header only; the numbers, error codes and the trap itself come from javisor_hypercall.h.
 *
 * Every wrapper returns the hypercall's result: 0 (or a count, or the VM id) on success, a negative
 * JAVISOR_E* code on failure. Under a VMM that does not know port 0xe0 (QEMU) the trap is a no-op and
 * the result is the hypercall number itself, which no wrapper mistakes for success except GetVmId:
 * jv_hc_present() tells the two cases apart.
 *
 * Register widths: a 64-bit guest passes full 64-bit arguments. A 32-bit guest passes 32 bits per
 * argument (EDI, ESI, EDX, ECX), so keys and VM ids above 2^32 - 1 cannot be named from 32-bit code,
 * and the results are signed 32-bit. Pointers are guest-physical addresses: these guests run with
 * paging off (32-bit) or with the identity map (64-bit), so a pointer to a variable is its address.
 * Pointers the hypervisor writes through (publish, subscribe) must point at 8-byte aligned u64s in RAM.
 */
#ifndef JAVISOR_HC_H
#define JAVISOR_HC_H

#include <stdint.h>
#include "javisor_hypercall.h"

/* A register-sized hypercall argument: 64 bits in 64-bit guests, 32 in 32-bit ones. */
#if defined(__x86_64__)
typedef uint64_t jv_reg;
#define JV_HC(nr, a0, a1, a2, a3) javisor_hypercall((nr), (a0), (a1), (a2), (a3), 0, 0)
#else
typedef uint32_t jv_reg;
#define JV_HC(nr, a0, a1, a2, a3) javisor_hypercall((nr), (a0), (a1), (a2), (a3))
#endif

typedef javisor_hc_result jv_result;

/* Any hypercall by number, with up to four arguments (hostile-argument tests use this). */
static inline jv_result jv_hc(jv_reg nr, jv_reg a0, jv_reg a1, jv_reg a2, jv_reg a3)
{
    return JV_HC(nr, a0, a1, a2, a3);
}

/* ---- AxVisor's codes ---------------------------------------------------------------------- */

/* 0: always -EPERM on Javisor (a KVM guest cannot turn virtualization off). */
static inline jv_result jv_hypervisor_disable(void)
{
    return JV_HC(JAVISOR_HC_HYPERVISOR_DISABLE, 0, 0, 0, 0);
}

/* 1: always -EPERM on Javisor. */
static inline jv_result jv_prepare_disable(void)
{
    return JV_HC(JAVISOR_HC_PREPARE_DISABLE, 0, 0, 0, 0);
}

/* 2: writes len bytes at text (at most 4096) to the hypervisor's log. */
static inline jv_result jv_debug(const char *text, jv_reg len)
{
    return JV_HC(JAVISOR_HC_DEBUG, (jv_reg)(uintptr_t)text, len, 0, 0);
}

/* jv_debug with a NUL-terminated string. */
static inline jv_result jv_debug_str(const char *text)
{
    jv_reg n = 0;
    while (text[n])
        n++;
    return jv_debug(text, n);
}

/*
 * 3: publishes channel `key` of this VM. *size holds the wanted size on entry and the granted one
 * (rounded up to 4 KiB) on return; *addr receives the channel's guest-physical address in the IVC window.
 * The first JAVISOR_IVC_HEADER_SIZE bytes are the hypervisor's header (publisher id, key).
 */
static inline jv_result jv_ivc_publish(jv_reg key, uint64_t *addr, uint64_t *size)
{
    return JV_HC(JAVISOR_HC_IVC_PUBLISH, key, (jv_reg)(uintptr_t)addr, (jv_reg)(uintptr_t)size, 0);
}

/* 4: maps channel `key` of VM `publisher` into this VM's IVC window: *addr and *size receive where and how big. */
static inline jv_result jv_ivc_subscribe(jv_reg publisher, jv_reg key, uint64_t *addr, uint64_t *size)
{
    return JV_HC(JAVISOR_HC_IVC_SUBSCRIBE, publisher, key, (jv_reg)(uintptr_t)addr, (jv_reg)(uintptr_t)size);
}

/* 5: withdraws this VM's channel `key`; subscribers keep the memory until the last one leaves. */
static inline jv_result jv_ivc_unpublish(jv_reg key)
{
    return JV_HC(JAVISOR_HC_IVC_UNPUBLISH, key, 0, 0, 0);
}

/* 6: unmaps channel `key` of VM `publisher` from this VM. */
static inline jv_result jv_ivc_unsubscribe(jv_reg publisher, jv_reg key)
{
    return JV_HC(JAVISOR_HC_IVC_UNSUBSCRIBE, publisher, key, 0, 0);
}

/* ---- Javisor's codes ---------------------------------------------------------------------- */

/*
 * 7: starts vCPU `cpu` at `entry` in the mode the VM booted in, with RDI = arg and RSI = its vCPU id,
 * interrupts off, no stack (see jv_start_cpu in javisor_rt.h for a C-function entry with a stack).
 */
static inline jv_result jv_cpu_up(jv_reg cpu, jv_reg entry, jv_reg arg)
{
    return JV_HC(JAVISOR_HC_CPU_UP, cpu, entry, arg, 0);
}

/* 8: stops the calling vCPU until a CpuUp restarts it. Returns only on failure. */
static inline jv_result jv_cpu_down(void)
{
    return JV_HC(JAVISOR_HC_CPU_DOWN, 0, 0, 0, 0);
}

/* 9: stops the VM with exit code `code` (javisor run exits with (code << 1) | 1). Returns only on failure. */
static inline jv_result jv_system_down(jv_reg code)
{
    return JV_HC(JAVISOR_HC_SYSTEM_DOWN, code, 0, 0, 0);
}

/* 10: this VM's id. */
static inline jv_result jv_get_vm_id(void)
{
    return JV_HC(JAVISOR_HC_GET_VM_ID, 0, 0, 0, 0);
}

/*
 * 11: raises the other side's IVC interrupt for channel `key` of VM `publisher`: a subscriber notifies
 * the publisher, the publisher (publisher = its own id) every subscriber. Returns how many VMs were notified.
 */
static inline jv_result jv_ivc_notify(jv_reg publisher, jv_reg key)
{
    return JV_HC(JAVISOR_HC_IVC_NOTIFY, publisher, key, 0, 0);
}

/* ---- helpers --------------------------------------------------------------------------- */

/*
 * True when a hypervisor answers port 0xe0. The probe is an unknown number: Javisor answers -ENOSYS,
 * a VMM without hypercalls leaves RAX (the number) as it was.
 */
static inline int jv_hc_present(void)
{
    return jv_hc(0x7fffffff, 0, 0, 0, 0) == JAVISOR_ENOSYS;
}

/* The name of a result: "0", "EINVAL", ...; "positive" for counts and ids, "E?" for an unknown code. */
static inline const char *jv_errname(jv_result r)
{
    switch (r) {
    case 0: return "0";
    case JAVISOR_EPERM: return "EPERM";
    case JAVISOR_ENOENT: return "ENOENT";
    case JAVISOR_EACCES: return "EACCES";
    case JAVISOR_EFAULT: return "EFAULT";
    case JAVISOR_EBUSY: return "EBUSY";
    case JAVISOR_EEXIST: return "EEXIST";
    case JAVISOR_EINVAL: return "EINVAL";
    case JAVISOR_ENOSPC: return "ENOSPC";
    case JAVISOR_ENOSYS: return "ENOSYS";
    default: return r > 0 ? "positive" : "E?";
    }
}

#endif /* JAVISOR_HC_H */
