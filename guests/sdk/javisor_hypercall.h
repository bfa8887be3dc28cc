/*
 * Javisor's hypercall ABI for guests: the numbers, the error codes and the trap (docs/hypercalls.md).
 * A test (HypercallHeaderTest) checks every number here against the Java definitions.
 */
#ifndef JAVISOR_HYPERCALL_H
#define JAVISOR_HYPERCALL_H

#include <stdint.h>

/* The trap: a 32-bit write to this port; RAX holds the number, RDI..R9 the arguments, RAX the result. */
#define JAVISOR_HC_PORT 0xe0

/* AxVisor's codes keep their numbers. */
#define JAVISOR_HC_HYPERVISOR_DISABLE 0
#define JAVISOR_HC_PREPARE_DISABLE 1
#define JAVISOR_HC_DEBUG 2
#define JAVISOR_HC_IVC_PUBLISH 3
#define JAVISOR_HC_IVC_SUBSCRIBE 4
#define JAVISOR_HC_IVC_UNPUBLISH 5
#define JAVISOR_HC_IVC_UNSUBSCRIBE 6
/* Javisor's own. */
#define JAVISOR_HC_CPU_UP 7
#define JAVISOR_HC_CPU_DOWN 8
#define JAVISOR_HC_SYSTEM_DOWN 9
#define JAVISOR_HC_GET_VM_ID 10
#define JAVISOR_HC_IVC_NOTIFY 11

/* Results: 0 or positive on success, one of these (negated errno) on failure. */
#define JAVISOR_EPERM (-1)
#define JAVISOR_ENOENT (-2)
#define JAVISOR_EACCES (-13)
#define JAVISOR_EFAULT (-14)
#define JAVISOR_EBUSY (-16)
#define JAVISOR_EEXIST (-17)
#define JAVISOR_EINVAL (-22)
#define JAVISOR_ENOSPC (-28)
#define JAVISOR_ENOSYS (-38)

/* The IVC channel header the hypervisor writes at offset 0 of a channel; data starts after it. */
#define JAVISOR_IVC_HEADER_SIZE 16

#if defined(__x86_64__)
typedef int64_t javisor_hc_result;

static inline javisor_hc_result javisor_hypercall(uint64_t nr, uint64_t a0, uint64_t a1, uint64_t a2, uint64_t a3,
                                                  uint64_t a4, uint64_t a5) {
    register uint64_t r8 __asm__("r8") = a4;
    register uint64_t r9 __asm__("r9") = a5;
    uint64_t rax = nr;
    __asm__ volatile("outl %%eax, %w1"
                     : "+a"(rax)
                     : "Nd"((uint16_t)JAVISOR_HC_PORT), "D"(a0), "S"(a1), "d"(a2), "c"(a3), "r"(r8), "r"(r9)
                     : "memory");
    return (javisor_hc_result)rax;
}
#else
typedef int32_t javisor_hc_result;

/* 32-bit guests: EAX, EDI, ESI, EDX, ECX; at most four arguments. */
static inline javisor_hc_result javisor_hypercall(uint32_t nr, uint32_t a0, uint32_t a1, uint32_t a2, uint32_t a3) {
    uint32_t eax = nr;
    __asm__ volatile("outl %%eax, %w1"
                     : "+a"(eax)
                     : "Nd"((uint16_t)JAVISOR_HC_PORT), "D"(a0), "S"(a1), "d"(a2), "c"(a3)
                     : "memory");
    return (javisor_hc_result)eax;
}
#endif

#endif
