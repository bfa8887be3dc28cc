/*
 * The Multiboot v1 header, linked first (section .multiboot) so that it lies in the first
 * 8 KiB of the file where loaders look for it. Flags ask only for memory information
 * (bit 1). Bit 16 (the a.out kludge, load addresses in the header) stays clear: loaders then
 * use the ELF program headers, and QEMU and Javisor load the image the same way.
 */
#define MULTIBOOT_HEADER_MAGIC 0x1BADB002
#define MULTIBOOT_FLAGS        0x00000002

    .section .multiboot, "a"
    .balign 4
    .long MULTIBOOT_HEADER_MAGIC
    .long MULTIBOOT_FLAGS
    .long -(MULTIBOOT_HEADER_MAGIC + MULTIBOOT_FLAGS)    /* the three add up to 0 */
