/*
 * kvm-loop - the smallest VMM that runs bench/'s Multiboot guests: the baseline Javisor's exit cost is
 * compared with. One VM, one vCPU, an in-kernel irqchip and PIT (as Javisor creates them), guest RAM at
 * guest-physical 0, optionally a read-only page (KVM_MEM_READONLY) whose writes exit as MMIO; the vCPU loop
 * handles each exit with a switch and nothing else:
 *
 *   port 0x3f8        write: the byte goes to standard output (write(2) at once, as Javisor flushes)
 *   port 0x3f9-0x3ff  the UART's other registers: writes stored, reads return what was stored
 *                     (LSR reads 0x60, transmitter empty)
 *   port 0xf4         write v: the run ends with exit status (v << 1) | 1; read: 0
 *   port 0xe0         a 32-bit write: Javisor's hypercall trap, GET_VM_ID answered (see hypercall())
 *   port 0x604        write 0x2000: power-off, exit status 0
 *   other ports       writes dropped, reads all ones
 *   MMIO              writes dropped, reads all ones
 *
 * Usage: kvm-loop [-m MiB] [-r GPA] [-c CMDLINE] [-t] [-T] [-n N] KERNEL.elf
 *   -m  guest RAM in MiB at 0 (default 128)       -r  a read-only page at GPA (inside or above RAM)
 *   -c  the Multiboot command line                -t  print the guest TSC frequency in kHz and exit
 *   -T  before entering the guest, print how long the VM set-up steps took to standard error:
 *       "setup-us create_vm=.. irqchip_pit=.. memory_slots=.. vcpu=.. load=.."
 *   -n  the VM rate's baseline: N whole VMs one after another in this process, each made, booted, run to its
 *       exit and released (memory unmapped, file descriptors closed), then "vms_per_second R" on standard
 *       error; every VM must end with a debug exit or power-off, and the last one's status is the run's
 * Exit status as Javisor's `run`: (v << 1) | 1 after a debug exit, 0 after power-off, 4 on a guest failure
 * (the report goes to standard error), 6 on a host error, 2 on bad arguments.
 *
 * Build: gcc -O2 -o kvm-loop kvm-loop.c (bench/run-all does it).
 * Loading follows Multiboot v1 and Javisor: ELF32 program headers (PT_LOAD at p_paddr), flat 32-bit
 * protected mode, EAX = 0x2BADB002, EBX -> info at 0x6000 (memory sizes and the command line at 0x7000),
 * GDT at 0x500.
 */
#define _GNU_SOURCE
#include <elf.h>
#include <errno.h>
#include <fcntl.h>
#include <linux/kvm.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#define GDT_ADDR 0x500
#define MBI_ADDR 0x6000
#define CMDLINE_ADDR 0x7000
#define CMDLINE_MAX 0x1000
#define MB_MAGIC 0x2BADB002u

#define EXIT_GUEST_FAILURE 4
#define EXIT_HOST_ERROR 6
#define EXIT_USAGE 2

static void die(const char *what)
{
    fprintf(stderr, "kvm-loop: %s: %s\n", what, strerror(errno));
    exit(EXIT_HOST_ERROR);
}

static void usage(const char *msg)
{
    fprintf(stderr, "kvm-loop: %s\nusage: kvm-loop [-m MiB] [-r GPA] [-c CMDLINE] [-t] [-T] [-n N] KERNEL.elf\n", msg);
    exit(EXIT_USAGE);
}

static uint8_t *ram;
static uint64_t ram_size;

static double now_us(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return ts.tv_sec * 1e6 + ts.tv_nsec / 1e3;
}

/* Copies the PT_LOAD segments into RAM at their physical addresses; returns the entry point. */
static uint32_t load_elf(const char *path)
{
    int fd = open(path, O_RDONLY);
    if (fd < 0)
        die(path);
    struct stat st;
    if (fstat(fd, &st) < 0)
        die("fstat");
    uint8_t *img = mmap(NULL, st.st_size, PROT_READ, MAP_PRIVATE, fd, 0);
    if (img == MAP_FAILED)
        die("mmap kernel");
    close(fd);
    Elf32_Ehdr *eh = (Elf32_Ehdr *)img;
    if ((size_t)st.st_size < sizeof *eh || memcmp(eh->e_ident, ELFMAG, SELFMAG) != 0
            || eh->e_ident[EI_CLASS] != ELFCLASS32 || eh->e_machine != EM_386)
        usage("not an ELF32 i386 image");
    for (int i = 0; i < eh->e_phnum; i++) {
        Elf32_Phdr *ph = (Elf32_Phdr *)(img + eh->e_phoff + (size_t)i * eh->e_phentsize);
        if ((uint8_t *)(ph + 1) > img + st.st_size)
            usage("program headers beyond the file");
        if (ph->p_type != PT_LOAD)
            continue;
        if ((uint64_t)ph->p_paddr + ph->p_memsz > ram_size || ph->p_filesz > ph->p_memsz
                || (uint64_t)ph->p_offset + ph->p_filesz > (uint64_t)st.st_size)
            usage("segment outside RAM or file");
        memcpy(ram + ph->p_paddr, img + ph->p_offset, ph->p_filesz);
        memset(ram + ph->p_paddr + ph->p_filesz, 0, ph->p_memsz - ph->p_filesz);
    }
    uint32_t entry = eh->e_entry;
    munmap(img, st.st_size);
    return entry;
}

static void set_seg(struct kvm_segment *s, uint16_t sel, uint8_t type)
{
    memset(s, 0, sizeof *s);
    s->base = 0;
    s->limit = 0xffffffff;
    s->selector = sel;
    s->type = type;
    s->present = 1;
    s->dpl = 0;
    s->db = 1;
    s->s = 1;
    s->g = 1;
}

/*
 * Javisor's hypercall trap (docs/hypercalls.md), as little as it takes: the number in RAX (cut to 32 bits
 * outside 64-bit code, so the segment registers are read too, as Javisor does), the result back in RAX.
 * GET_VM_ID (10) answers 1, any other number -ENOSYS.
 */
static void hypercall(int vcpu)
{
    struct kvm_regs regs;
    struct kvm_sregs sregs;
    if (ioctl(vcpu, KVM_GET_REGS, &regs) < 0 || ioctl(vcpu, KVM_GET_SREGS, &sregs) < 0)
        die("KVM_GET_REGS/KVM_GET_SREGS");
    uint64_t nr = sregs.cs.l ? regs.rax : (uint32_t)regs.rax;
    regs.rax = nr == 10 ? 1 : (uint64_t)-38;
    if (ioctl(vcpu, KVM_SET_REGS, &regs) < 0)
        die("KVM_SET_REGS");
}

static uint64_t ro_gpa;
static int have_ro, tsc_only, timings;
static const char *cmdline = "";

static int run_guest(int vcpu, struct kvm_run *run);

/* One whole VM: made, loaded, run to its end and released; returns its exit status. */
static int one_vm(int kvm, const char *kernel)
{
    double t0 = now_us();
    int vm = ioctl(kvm, KVM_CREATE_VM, 0);
    if (vm < 0)
        die("KVM_CREATE_VM");
    double t1 = now_us();
    if (ioctl(vm, KVM_SET_TSS_ADDR, 0xfffbd000UL) < 0)
        die("KVM_SET_TSS_ADDR");
    if (ioctl(vm, KVM_CREATE_IRQCHIP, 0) < 0)
        die("KVM_CREATE_IRQCHIP");
    struct kvm_pit_config pit = {.flags = KVM_PIT_SPEAKER_DUMMY};
    if (ioctl(vm, KVM_CREATE_PIT2, &pit) < 0)
        die("KVM_CREATE_PIT2");

    double t2 = now_us();
    ram = mmap(NULL, ram_size, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS | MAP_NORESERVE, -1, 0);
    if (ram == MAP_FAILED)
        die("mmap RAM");
    struct kvm_userspace_memory_region slot = {
        .slot = 0, .guest_phys_addr = 0, .memory_size = ram_size, .userspace_addr = (uintptr_t)ram};
    uint8_t *ro_page = NULL;
    if (have_ro && ro_gpa < ram_size) {
        /* Cut RAM in two around the read-only page. */
        slot.memory_size = ro_gpa;
        if (ro_gpa + 0x1000 < ram_size) {
            struct kvm_userspace_memory_region hi = {
                .slot = 2, .guest_phys_addr = ro_gpa + 0x1000, .memory_size = ram_size - ro_gpa - 0x1000,
                .userspace_addr = (uintptr_t)ram + ro_gpa + 0x1000};
            if (ioctl(vm, KVM_SET_USER_MEMORY_REGION, &hi) < 0)
                die("KVM_SET_USER_MEMORY_REGION (RAM above the read-only page)");
        }
    }
    if (ioctl(vm, KVM_SET_USER_MEMORY_REGION, &slot) < 0)
        die("KVM_SET_USER_MEMORY_REGION (RAM)");
    if (have_ro) {
        ro_page = mmap(NULL, 0x1000, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
        if (ro_page == MAP_FAILED)
            die("mmap read-only page");
        struct kvm_userspace_memory_region ro = {
            .slot = 1, .flags = KVM_MEM_READONLY, .guest_phys_addr = ro_gpa, .memory_size = 0x1000,
            .userspace_addr = (uintptr_t)ro_page};
        if (ioctl(vm, KVM_SET_USER_MEMORY_REGION, &ro) < 0)
            die("KVM_SET_USER_MEMORY_REGION (read-only page)");
    }

    double t3 = now_us();
    int vcpu = ioctl(vm, KVM_CREATE_VCPU, 0);
    if (vcpu < 0)
        die("KVM_CREATE_VCPU");
    if (tsc_only) {
        int khz = ioctl(vcpu, KVM_GET_TSC_KHZ, 0);
        if (khz <= 0)
            die("KVM_GET_TSC_KHZ");
        printf("%d\n", khz);
        return 0;
    }
    int run_size = ioctl(kvm, KVM_GET_VCPU_MMAP_SIZE, 0);
    if (run_size <= 0)
        die("KVM_GET_VCPU_MMAP_SIZE");
    struct kvm_run *run = mmap(NULL, run_size, PROT_READ | PROT_WRITE, MAP_SHARED, vcpu, 0);
    if (run == MAP_FAILED)
        die("mmap kvm_run");

    /* CPUID as KVM supports it, as Javisor does (without its edits: they do not matter for these guests). */
    int nent = 128;
    struct kvm_cpuid2 *cpuid = calloc(1, sizeof *cpuid + nent * sizeof(struct kvm_cpuid_entry2));
    cpuid->nent = nent;
    if (ioctl(kvm, KVM_GET_SUPPORTED_CPUID, cpuid) < 0)
        die("KVM_GET_SUPPORTED_CPUID");
    if (ioctl(vcpu, KVM_SET_CPUID2, cpuid) < 0)
        die("KVM_SET_CPUID2");

    double t4 = now_us();
    uint32_t kernel_entry = load_elf(kernel);

    /* Flat GDT: null, code 0x08, data 0x10. */
    uint64_t gdt[3] = {0, 0x00cf9b000000ffffULL, 0x00cf93000000ffffULL};
    memcpy(ram + GDT_ADDR, gdt, sizeof gdt);
    /* Multiboot info: memory sizes and the command line. */
    uint32_t mbi[22] = {0};
    mbi[0] = (1u << 0) | (1u << 2);
    mbi[1] = 639;
    mbi[2] = (uint32_t)((ram_size - 0x100000) >> 10);
    mbi[4] = CMDLINE_ADDR;
    memcpy(ram + MBI_ADDR, mbi, sizeof mbi);
    strcpy((char *)ram + CMDLINE_ADDR, cmdline);

    struct kvm_sregs sregs;
    if (ioctl(vcpu, KVM_GET_SREGS, &sregs) < 0)
        die("KVM_GET_SREGS");
    set_seg(&sregs.cs, 0x08, 0xb);
    set_seg(&sregs.ds, 0x10, 0x3);
    sregs.es = sregs.fs = sregs.gs = sregs.ss = sregs.ds;
    sregs.gdt.base = GDT_ADDR;
    sregs.gdt.limit = sizeof gdt - 1;
    sregs.cr0 = 0x11; /* PE, ET */
    sregs.cr4 = 0;
    sregs.efer = 0;
    if (ioctl(vcpu, KVM_SET_SREGS, &sregs) < 0)
        die("KVM_SET_SREGS");
    struct kvm_regs regs = {0};
    regs.rip = kernel_entry;
    regs.rax = MB_MAGIC;
    regs.rbx = MBI_ADDR;
    regs.rflags = 0x2;
    if (ioctl(vcpu, KVM_SET_REGS, &regs) < 0)
        die("KVM_SET_REGS");

    if (timings)
        fprintf(stderr, "setup-us create_vm=%.0f irqchip_pit=%.0f memory_slots=%.0f vcpu=%.0f load=%.0f\n",
                t1 - t0, t2 - t1, t3 - t2, t4 - t3, now_us() - t4);
    int status = run_guest(vcpu, run);
    munmap(run, run_size);
    munmap(ram, ram_size);
    if (ro_page)
        munmap(ro_page, 0x1000);
    free(cpuid);
    close(vcpu);
    close(vm);
    return status;
}

static int run_guest(int vcpu, struct kvm_run *run)
{
    uint8_t uart[8] = {0};
    for (;;) {
        if (ioctl(vcpu, KVM_RUN, 0) < 0) {
            if (errno == EINTR || errno == EAGAIN)
                continue;
            die("KVM_RUN");
        }
        switch (run->exit_reason) {
        case KVM_EXIT_IO: {
            uint8_t *data = (uint8_t *)run + run->io.data_offset;
            uint16_t port = run->io.port;
            for (uint32_t i = 0; i < run->io.count; i++, data += run->io.size) {
                if (run->io.direction == KVM_EXIT_IO_OUT) {
                    if (port == 0x3f8) {
                        if (write(1, data, 1) < 0 && errno != EPIPE)
                            die("write console");
                    } else if (port > 0x3f8 && port <= 0x3ff) {
                        uart[port - 0x3f8] = data[0];
                    } else if (port == 0xf4) {
                        uint32_t v = 0;
                        memcpy(&v, data, run->io.size);
                        return (int)(((v << 1) | 1) & 0xff);
                    } else if (port == 0x604 && run->io.size == 2 && *(uint16_t *)data == 0x2000) {
                        return 0;
                    } else if (port == 0xe0 && run->io.size == 4) {
                        hypercall(vcpu);
                    }
                } else {
                    if (port == 0xf4)
                        memset(data, 0, run->io.size);
                    else if (port == 0x3fd)
                        data[0] = 0x60;
                    else if (port >= 0x3f8 && port <= 0x3ff)
                        data[0] = uart[port - 0x3f8];
                    else
                        memset(data, 0xff, run->io.size);
                }
            }
            break;
        }
        case KVM_EXIT_MMIO:
            if (!run->mmio.is_write)
                memset(run->mmio.data, 0xff, run->mmio.len);
            break;
        case KVM_EXIT_INTR:
            break;
        case KVM_EXIT_SHUTDOWN:
            fprintf(stderr, "kvm-loop: guest shut down (triple fault)\n");
            exit(EXIT_GUEST_FAILURE);
        case KVM_EXIT_INTERNAL_ERROR:
            fprintf(stderr, "kvm-loop: KVM internal error, suberror %u\n", run->internal.suberror);
            exit(EXIT_GUEST_FAILURE);
        case KVM_EXIT_FAIL_ENTRY:
            fprintf(stderr, "kvm-loop: entry failed, reason 0x%llx\n",
                    (unsigned long long)run->fail_entry.hardware_entry_failure_reason);
            exit(EXIT_GUEST_FAILURE);
        default:
            fprintf(stderr, "kvm-loop: unhandled exit reason %u\n", run->exit_reason);
            exit(EXIT_GUEST_FAILURE);
        }
    }
}

int main(int argc, char **argv)
{
    uint64_t mem_mib = 128;
    long cycles = 0;
    int opt;
    while ((opt = getopt(argc, argv, "m:r:c:tTn:")) != -1) {
        switch (opt) {
        case 'm': mem_mib = strtoull(optarg, NULL, 0); break;
        case 'r': ro_gpa = strtoull(optarg, NULL, 0); have_ro = 1; break;
        case 'c': cmdline = optarg; break;
        case 't': tsc_only = 1; break;
        case 'T': timings = 1; break;
        case 'n': cycles = strtol(optarg, NULL, 0); break;
        default: usage("bad option");
        }
    }
    if (!tsc_only && optind != argc - 1)
        usage("one KERNEL.elf expected");
    if (mem_mib < 2 || mem_mib > 4096 || (have_ro && (ro_gpa & 0xfff)))
        usage("bad -m or -r");
    if (strlen(cmdline) >= CMDLINE_MAX)
        usage("command line too long");
    if (cycles < 0 || cycles > 1000000)
        usage("bad -n");
    ram_size = mem_mib << 20;

    int kvm = open("/dev/kvm", O_RDWR | O_CLOEXEC);
    if (kvm < 0)
        die("/dev/kvm");
    if (cycles == 0)
        return one_vm(kvm, argv[optind]);
    double start = now_us();
    int status = 0;
    for (long i = 0; i < cycles; i++)
        status = one_vm(kvm, argv[optind]);
    fprintf(stderr, "vms_per_second %.1f\n", cycles / ((now_us() - start) / 1e6));
    return status;
}
