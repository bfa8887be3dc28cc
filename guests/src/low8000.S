/*
 * low8000.elf - a Multiboot ELF32 guest linked at 0x8000 (sdk/low8000.ld), below 1 MiB, where QEMU's
 * -kernel boots it and Javisor once refused it for overlapping ranges it kept for its boot data
 * (issue #11). It checks that it was entered as Multiboot promises (Multiboot Specification 0.6.96,
 * 3.2 "Machine state": EAX = 0x2BADB002, EBX = the information structure) and that neither the
 * information structure's fixed part nor the GDT the loader left (sgdt) lies on the image, bss included.
 * Output: "low8000: running at 0x00008000, boot data clear of the image\n" (the address is where the
 * image's first byte really is, from a call/pop), then debug-exit code 0x70.
 * On a failure: "low8000: FAILED <what> 0x<value>\n" and 0x71.
 * Nothing in the output depends on where the loader put its boot data, so QEMU and Javisor print the same.
 * Plain `out` per byte, no `rep outsb`, as in exit42.S.
 */
#define COM1                       0x3f8
#define DEBUG_EXIT_PORT            0xf4
#define MULTIBOOT_BOOTLOADER_MAGIC 0x2BADB002
#define MULTIBOOT_INFO_FIXED_SIZE  88       /* flags .. boot_loader_name: the fields a loader always places */

    .section .text.entry, "ax"
    .code32
    .globl _start
_start:
    cli
    cld
    mov $stack_top, %esp        /* ESP is undefined at a Multiboot entry */
    mov %eax, %edi              /* the magic */
    mov %ebx, %ebp              /* the information structure */

    call 1f                     /* where the image really is, whatever the link address says: */
1:  pop %ebx                    /* where label 1 runs, less its distance from the image's start */
    mov $1b, %eax
    sub $__image_start, %eax
    sub %eax, %ebx

    cmp $MULTIBOOT_BOOTLOADER_MAGIC, %edi
    jne bad_magic

    mov %ebp, %eax
    lea MULTIBOOT_INFO_FIXED_SIZE(%ebp), %ecx
    call overlaps_image
    jc info_on_image

    sgdt gdtr
    movzwl gdtr, %ecx           /* the limit: the size less one */
    mov gdtr + 2, %eax          /* the base */
    lea 1(%eax, %ecx), %ecx
    call overlaps_image
    jc gdt_on_image

    mov $msg_running, %esi
    call puts
    mov %ebx, %eax
    call put_hex
    mov $msg_clear, %esi
    call puts
    mov $0x70, %eax
    jmp exit

bad_magic:
    mov $msg_magic, %esi
    mov %edi, %eax
    jmp fail
info_on_image:
    mov $msg_info, %esi
    mov %ebp, %eax
    jmp fail
gdt_on_image:
    mov $msg_gdt, %esi
    mov gdtr + 2, %eax
fail:
    push %eax
    call puts
    pop %eax
    call put_hex
    mov $COM1, %dx
    mov $'\n', %al
    out %al, %dx
    mov $0x71, %eax
exit:
    mov $DEBUG_EXIT_PORT, %dx
    out %eax, %dx
2:  cli                         /* only if there is no debug-exit device */
    hlt
    jmp 2b

/* CF set when [EAX, ECX) shares a byte with the image [__image_start, __image_end). */
overlaps_image:
    cmp $__image_end, %eax
    jae 3f                      /* starts at or past the image's end */
    cmp $__image_start, %ecx
    jbe 3f                      /* ends at or before the image's start */
    stc
    ret
3:  clc
    ret

/* Writes the NUL-terminated string at ESI to COM1. */
puts:
    mov $COM1, %dx
4:  lodsb
    test %al, %al
    jz 5f
    out %al, %dx
    jmp 4b
5:  ret

/* Writes EAX to COM1 as eight hex digits, most significant first. */
put_hex:
    mov $COM1, %dx
    mov $8, %ecx
6:  rol $4, %eax
    push %eax
    and $0xf, %al
    add $'0', %al
    cmp $'9', %al
    jbe 7f
    add $('a' - '9' - 1), %al
7:  out %al, %dx
    pop %eax
    loop 6b
    ret

    .section .rodata
msg_running:
    .asciz "low8000: running at 0x"
msg_clear:
    .asciz ", boot data clear of the image\n"
msg_magic:
    .asciz "low8000: FAILED magic 0x"
msg_info:
    .asciz "low8000: FAILED Multiboot information on the image at 0x"
msg_gdt:
    .asciz "low8000: FAILED GDT on the image at 0x"

    .section .bss
    .balign 16
stack:
    .skip 256
stack_top:
    .balign 4
gdtr:
    .skip 6                     /* sgdt in 32-bit code: a 2-byte limit, then a 4-byte base */

    .section .note.GNU-stack, "", @progbits
