/*
 * multiboot.h - the parts of Multiboot v1 the guests use: the boot information a loader
 * passes in EBX (with EAX = MULTIBOOT_BOOTLOADER_MAGIC). Only for 32-bit guests: addresses
 * in the structure are 32-bit physical addresses, and Multiboot enters with paging off.
 */
#ifndef JAVISOR_MULTIBOOT_H
#define JAVISOR_MULTIBOOT_H

#include <stdint.h>

#define MULTIBOOT_HEADER_MAGIC     0x1BADB002
#define MULTIBOOT_BOOTLOADER_MAGIC 0x2BADB002

/* flags in the header: what the kernel asks of the loader */
#define MULTIBOOT_HEADER_MEMORY_INFO (1u << 1)

/* flags in the info structure: which fields the loader filled in */
#define MULTIBOOT_INFO_MEMORY  (1u << 0)   /* mem_lower, mem_upper */
#define MULTIBOOT_INFO_CMDLINE (1u << 2)   /* cmdline */
#define MULTIBOOT_INFO_MMAP    (1u << 6)   /* mmap_length, mmap_addr */

struct multiboot_info {
    uint32_t flags;
    uint32_t mem_lower;         /* KiB below 1 MiB */
    uint32_t mem_upper;         /* KiB from 1 MiB to the first hole */
    uint32_t boot_device;
    uint32_t cmdline;           /* physical address of a NUL-terminated string */
    uint32_t mods_count;
    uint32_t mods_addr;
    uint32_t syms[4];
    uint32_t mmap_length;       /* bytes */
    uint32_t mmap_addr;
};

/*
 * One memory map entry. `size` counts the bytes after itself (20 for the fields below, but a
 * loader may add more), so the next entry starts at (char *)entry + size + 4.
 */
struct multiboot_mmap_entry {
    uint32_t size;
    uint64_t base_addr;
    uint64_t length;
    uint32_t type;              /* 1 = usable RAM, 3 = ACPI reclaimable, 4 = NVS, others reserved */
} __attribute__((packed));

#endif /* JAVISOR_MULTIBOOT_H */
