/*
 * hello.elf - the demo guest, and the one that shows a loader speaks Multiboot like QEMU:
 * it prints what the loader handed over (memory sizes, command line, memory map) and then
 * stops the way the command line asks: "exit=N" stops with debug-exit code N, anything else
 * with a clean power-off.
 */
#include "javisor.h"
#include "multiboot.h"

/* Guards against a broken info structure: never print or walk without end. */
#define MAX_CMDLINE 1024
#define MAX_MMAP_ENTRIES 128

static void print_cmdline(const char *s)
{
    serial_puts("cmdline: ");
    for (int i = 0; i < MAX_CMDLINE && s[i]; i++)
        serial_putc(s[i]);
    serial_putc('\n');
}

static void print_mmap(uint32_t addr, uint32_t length)
{
    uint32_t end = addr + length;
    for (int n = 0; n < MAX_MMAP_ENTRIES && addr + sizeof(struct multiboot_mmap_entry) <= end; n++) {
        const struct multiboot_mmap_entry *e = (const void *)(uintptr_t)addr;
        if (e->size < sizeof *e - 4)
            break;      /* malformed: the fields would not fit */
        serial_puts("mmap: base=");
        serial_put_hex(e->base_addr);
        serial_puts(" len=");
        serial_put_hex(e->length);
        serial_puts(" type=");
        serial_put_dec(e->type);
        serial_putc('\n');
        addr += e->size + 4;
    }
}

/*
 * The N of an "exit=N" word in the command line (decimal, 0-255), or -1 if there is none.
 * "exit=" must start a word, so that e.g. "noexit=3" does not count.
 */
static int exit_code_from(const char *s)
{
    for (int i = 0; i < MAX_CMDLINE && s[i]; i++) {
        if ((i > 0 && s[i - 1] != ' ') || s[i] != 'e' || s[i + 1] != 'x' || s[i + 2] != 'i'
                || s[i + 3] != 't' || s[i + 4] != '=')
            continue;
        const char *d = s + i + 5;
        int n = 0, digits = 0;
        while (*d >= '0' && *d <= '9' && n <= 255) {
            n = n * 10 + (*d++ - '0');
            digits++;
        }
        if (digits > 0 && n <= 255 && (*d == '\0' || *d == ' '))
            return n;
    }
    return -1;
}

void guest_main(uint32_t magic, const struct multiboot_info *mbi)
{
    if (magic != MULTIBOOT_BOOTLOADER_MAGIC) {
        serial_puts("bad multiboot magic\n");
        guest_exit(0x7f);
    }
    serial_puts("Hello from a Javisor guest!\n");

    uint32_t flags = mbi ? mbi->flags : 0;
    const char *cmdline = "";
    if (flags & MULTIBOOT_INFO_MEMORY) {
        serial_puts("mem_lower=");
        serial_put_dec(mbi->mem_lower);
        serial_puts("K mem_upper=");
        serial_put_dec(mbi->mem_upper);
        serial_puts("K\n");
    }
    if ((flags & MULTIBOOT_INFO_CMDLINE) && mbi->cmdline) {
        cmdline = (const char *)(uintptr_t)mbi->cmdline;
        print_cmdline(cmdline);
    }
    if (flags & MULTIBOOT_INFO_MMAP)
        print_mmap(mbi->mmap_addr, mbi->mmap_length);

    int code = exit_code_from(cmdline);
    if (code >= 0)
        guest_exit((uint32_t)code);
    serial_puts("Bye.\n");
    power_off();
    guest_exit(0);   /* no power-off port (QEMU's microvm and pc have none at 0x604) */
}
