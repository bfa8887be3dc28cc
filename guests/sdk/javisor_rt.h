/*
 * javisor_rt.h - the guest runtime for 32-bit (Multiboot) guests: libjavisor32.a, built from sdk/lib/.
 * Link a guest with it and only the parts it uses come along.
 *
 *   CPU setup      jv_platform_init(): the SDK's GDT, an IDT with a stub for every vector, the PICs
 *                  masked, the local APIC software-enabled. jv_ap_init() does the per-CPU part on an AP.
 *   interrupts     jv_set_handler(vector, fn): fn(frame) runs with interrupts off; exceptions without a
 *                  handler print what happened and stop the VM with JV_EXIT_EXCEPTION.
 *   console        jv_printf(): a small printf under a spinlock, so CPUs do not interleave their lines.
 *   SMP            jv_start_cpu() (CpuUp with a C function and a stack), jv_sipi_install() and
 *                  jv_sipi_start() (the real-mode trampoline for INIT/SIPI), spinlocks and atomics.
 *   timing         jv_tsc(), jv_delay_ms() and jv_wait_change() (the LAPIC timer, sleeping in hlt).
 *   command line   jv_cmdline(), jv_cmdline_u32(), jv_cmdline_has().
 *
 * Segments after jv_platform_init / jv_ap_init: code JV_CODE_SEL, data JV_DATA_SEL, flat 4 GiB, ring 0.
 */
#ifndef JAVISOR_RT_H
#define JAVISOR_RT_H

#include <stdint.h>
#include "javisor.h"
#include "javisor_apic.h"
#include "javisor_hc.h"
#include "multiboot.h"

#if defined(__x86_64__)
#error "javisor_rt.h (libjavisor32.a) is for 32-bit guests; 64-bit guests can use javisor.h, javisor_hc.h and javisor_apic.h"
#endif

#define JV_CODE_SEL 0x08
#define JV_DATA_SEL 0x10

/* The vectors the runtime uses for itself. */
#define JV_VECTOR_TIMER    0xef   /* jv_delay_ms / jv_wait_change's one-shot LAPIC timer */
#define JV_VECTOR_SPURIOUS 0xff   /* the LAPIC's spurious vector: ignored */

/* Debug-exit code of an exception nobody handles. */
#define JV_EXIT_EXCEPTION 0x7d

/* The largest APIC id the SMP helpers handle (per-CPU stacks for the SIPI path). */
#define JV_MAX_CPUS 16
#define JV_AP_STACK_SIZE 4096

/* What an interrupt or exception handler sees: pushed by the stub (pusha, vector, error code) and the CPU. */
struct jv_frame {
    uint32_t edi, esi, ebp, esp_at_pusha, ebx, edx, ecx, eax;
    uint32_t vector;
    uint32_t error;     /* the CPU's error code, or 0 for vectors without one */
    uint32_t eip, cs, eflags;
};

typedef void (*jv_handler)(struct jv_frame *frame);

/* ---- CPU setup and interrupts ---------------------------------------------------------------- */

/* Boot CPU: GDT, IDT, PICs masked, LINT0 masked, local APIC enabled (spurious vector 0xff). IF stays 0. */
void jv_platform_init(void);

/* Any other CPU, first thing: GDT, IDT and its own local APIC (the AP entries below call it). */
void jv_ap_init(void);

/* Installs fn for vector (NULL: back to the default). Handlers of LAPIC interrupts must call jv_lapic_eoi(). */
void jv_set_handler(uint8_t vector, jv_handler fn);

static inline void jv_irq_enable(void) { __asm__ volatile("sti" ::: "memory"); }
static inline void jv_irq_disable(void) { __asm__ volatile("cli" ::: "memory"); }

/* Enables interrupts and waits for one in the same breath (sti's shadow covers hlt), then disables them. */
static inline void jv_wait_for_interrupt(void)
{
    __asm__ volatile("sti; hlt; cli" ::: "memory");
}

/* ---- atomics and locks ------------------------------------------------------------------------ */

static inline void jv_pause(void) { __asm__ volatile("pause" ::: "memory"); }

/* lock xadd: returns the old value. */
static inline uint32_t jv_atomic_add(volatile uint32_t *p, uint32_t v)
{
    return __atomic_fetch_add(p, v, __ATOMIC_SEQ_CST);
}

static inline uint32_t jv_atomic_load(const volatile uint32_t *p)
{
    return __atomic_load_n(p, __ATOMIC_ACQUIRE);
}

static inline void jv_atomic_store(volatile uint32_t *p, uint32_t v)
{
    __atomic_store_n(p, v, __ATOMIC_RELEASE);
}

/* A test-and-test-and-set spinlock on xchg (implicitly locked; no cmpxchg needed). */
typedef volatile uint32_t jv_spinlock;

static inline void jv_spin_lock(jv_spinlock *l)
{
    while (__atomic_exchange_n(l, 1, __ATOMIC_ACQUIRE))
        while (*l)
            jv_pause();
}

static inline void jv_spin_unlock(jv_spinlock *l)
{
    __atomic_store_n(l, 0, __ATOMIC_RELEASE);
}

/* ---- console ------------------------------------------------------------------------------------ */

/*
 * printf to COM1 under the console lock: %s %c %d %u %x (hex digits, no prefix), %lx and %llx (64-bit hex),
 * %%; a width and a 0 flag for %d %u %x. No 64-bit decimal (it would need libgcc in a 32-bit guest).
 */
void jv_printf(const char *fmt, ...) __attribute__((format(printf, 1, 2)));

/* The lock jv_printf holds: take it to print several pieces with serial_* as one unit. */
extern jv_spinlock jv_console_lock;

/* ---- SMP ------------------------------------------------------------------------------------------ */

typedef void (*jv_ap_main)(uint32_t cpu, void *arg);

/*
 * Starts vCPU `cpu` with the CpuUp hypercall running fn(cpu, arg) on the stack [stack, stack + size):
 * the entry (jv_ap_entry32) loads the SDK's GDT and IDT, enables the local APIC and calls fn with
 * interrupts off. If fn returns, the vCPU halts. Returns CpuUp's result.
 */
jv_result jv_start_cpu(uint32_t cpu, jv_ap_main fn, void *arg, void *stack, uint32_t size);

/* The raw CpuUp entry behind jv_start_cpu: EDI = stack top holding {fn, arg}, ESI = vCPU id. */
void jv_ap_entry32(void);

/*
 * The INIT/SIPI path: copies the real-mode trampoline to `page_addr` (page-aligned, below 1 MiB, free
 * RAM) and makes every AP that starts there run fn(apic_id) in protected mode on its own 4 KiB stack,
 * after jv_ap_init(). Returns the SIPI vector (page_addr >> 12), or -1 for a bad address.
 */
int jv_sipi_install(uint32_t page_addr, void (*fn)(uint32_t apic_id));

/* INIT, then two SIPIs at `vector`, to the CPU with APIC id `apic_id`. */
void jv_sipi_start(uint32_t apic_id, uint8_t vector);

/* The number of logical CPUs CPUID leaf 1 reports (EBX bits 23..16; Javisor puts the vCPU count there). */
uint32_t jv_cpuid_cpu_count(void);

/* ---- time ----------------------------------------------------------------------------------------- */

static inline uint64_t jv_tsc(void)
{
    uint32_t lo, hi;
    __asm__ volatile("rdtsc" : "=a"(lo), "=d"(hi));
    return ((uint64_t)hi << 32) | lo;
}

/*
 * Sleeps about `ms` milliseconds (at most 500000) in hlt, woken by a one-shot LAPIC timer on
 * JV_VECTOR_TIMER (assuming KVM's 1 GHz APIC clock). Other interrupts are served meanwhile. Uses the
 * LAPIC timer: not for guests that run it themselves.
 */
void jv_delay_ms(uint32_t ms);

/*
 * Waits in hlt until *counter differs from `seen`, or about `timeout_ms` passed. Returns the counter's
 * value (== seen on timeout). Uses the LAPIC timer like jv_delay_ms.
 */
uint32_t jv_wait_change(const volatile uint32_t *counter, uint32_t seen, uint32_t timeout_ms);

/* ---- the Multiboot command line ------------------------------------------------------------------- */

/* The command line the loader passed, or "" (no Multiboot magic, no cmdline flag). */
const char *jv_cmdline(uint32_t magic, const struct multiboot_info *mbi);

/*
 * The value of word "key=value" in the command line (the word must start at the beginning or after a
 * space): decimal, 0x-hex or negative decimal; `def` if the word is absent or its value is malformed.
 */
uint32_t jv_cmdline_u32(const char *cmdline, const char *key, uint32_t def);

/* True if the command line has the word `word` (alone, or as "word=..."). */
int jv_cmdline_has(const char *cmdline, const char *word);

/* ---- tests ---------------------------------------------------------------------------------------- */

/*
 * Compares a hypercall result: prints "ok <name>" or "FAIL <name> got <value> (<errname>), want <want>"
 * and counts failures in jv_check_failures. Returns 1 when it matched.
 */
int jv_check(const char *name, jv_result got, jv_result want);
extern uint32_t jv_check_failures;

#endif /* JAVISOR_RT_H */
