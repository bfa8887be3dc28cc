/*
 * Entry of the 32-bit guests written in C, for Multiboot and for plain ELF32 images.
 * The loader leaves us in flat 32-bit protected mode with paging off, but the stack pointer
 * is undefined (Multiboot says so), so set one up before calling C:
 *     void guest_main(uint32_t eax, uint32_t ebx)
 * With Multiboot, eax is the loader's magic and ebx the address of its info structure.
 */
    .section .text.entry, "ax"
    .code32
    .globl _start
_start:
    cli                         /* Multiboot enters with IF clear; a plain ELF loader may not */
    cld                         /* the C ABI expects DF clear */
    mov $stack_top, %esp
    sub $8, %esp                /* keep ESP 16-byte aligned at the call, as the ABI wants */
    push %ebx
    push %eax
    call guest_main
1:  cli                         /* guest_main should not return; if it does, stop here */
    hlt
    jmp 1b

    .section .bss
    .balign 16
stack:
    .skip 16384
stack_top:

    .section .note.GNU-stack, "", @progbits
