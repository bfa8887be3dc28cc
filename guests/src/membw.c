/*
 * membw.elf - exit-free memory bandwidth for bench/: how fast the guest writes and reads its own RAM, which
 * depends on what backs that RAM on the host (4 KiB pages, transparent huge pages, hugetlbfs) and nothing else
 * the VMM does: no phase makes an exit. Each phase is timed with the TSC:
 *
 *   touch    the first write of every byte of the buffer: each new host page is a fault in the host kernel
 *            (one per 4 KiB page, or one per 2 MiB huge page), inside the guest's time
 *   write    the same bytes written again: pages in place, only the nested page walk (TLB reach) differs
 *   read     every 32-bit word read and summed
 *
 * Command line (words anywhere, so QEMU's "kernel path first" line works too):
 *   mib=64     the buffer, from 16 MiB up: the VM needs 16 + mib MiB of RAM
 *   passes=2   how many times the write and read phases run (touch runs once)
 * Output, one line per phase and pass:
 *   membw <phase> bytes=<bytes> tsc=0x<TSC ticks>
 * then "membw sum=0x<checksum of the last read>" and "membw done" (debug exit 0x78; 0x79 with "membw: FAIL ..." on a bad word).
 */
#include "javisor_rt.h"

#define BUFFER 0x1000000u
#define PASS 0x78

static void report(const char *phase, uint32_t bytes, uint64_t ticks)
{
    jv_printf("membw %s bytes=%u tsc=0x%llx\n", phase, bytes, ticks);
}

/* rep stosl: the fastest plain store loop on every CPU model, and one instruction for an emulator. */
static void fill(uint32_t *p, uint32_t words, uint32_t value)
{
    __asm__ volatile("rep stosl" : "+D"(p), "+c"(words) : "a"(value) : "memory");
}

static uint32_t sum(const volatile uint32_t *p, uint32_t words)
{
    uint32_t s = 0;
    for (uint32_t i = 0; i < words; i += 4)
        s += p[i] + p[i + 1] + p[i + 2] + p[i + 3];
    return s;
}

void guest_main(uint32_t magic, const struct multiboot_info *mbi)
{
    const char *cmdline = jv_cmdline(magic, mbi);
    uint32_t mib = jv_cmdline_u32(cmdline, "mib", 64);
    uint32_t passes = jv_cmdline_u32(cmdline, "passes", 2);
    if (mib == 0 || mib > 2048) {
        jv_printf("membw: FAIL mib=%u (1-2048)\n", mib);
        guest_exit(PASS + 1);
    }
    uint32_t bytes = mib << 20;
    uint32_t words = bytes / 4;
    uint32_t *buffer = (uint32_t *)(uintptr_t)BUFFER;

    uint64_t t0 = jv_tsc();
    fill(buffer, words, 0x01010101u);
    report("touch", bytes, jv_tsc() - t0);
    uint32_t s = 0;
    for (uint32_t pass = 0; pass < passes; pass++) {
        t0 = jv_tsc();
        fill(buffer, words, pass);
        report("write", bytes, jv_tsc() - t0);
        t0 = jv_tsc();
        s = sum(buffer, words);
        report("read", bytes, jv_tsc() - t0);
    }
    jv_printf("membw sum=0x%x\n", s);
    jv_printf("membw done\n");
    guest_exit(PASS);
}
