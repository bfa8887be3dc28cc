/*
 * Entry of the 64-bit guests: the loader leaves us in long mode with the low 4 GiB
 * identity-mapped, but RSP may point anywhere (or nowhere), so switch to our own stack
 * before calling C:
 *     void guest_main(void)
 */
    .section .text.entry, "ax"
    .code64
    .globl _start
_start:
    cli
    cld
    lea stack_top(%rip), %rsp   /* 16-byte aligned, so RSP+8 is aligned at guest_main's entry */
    call guest_main
1:  cli
    hlt
    jmp 1b

    .section .bss
    .balign 16
stack:
    .skip 16384
stack_top:

    .section .note.GNU-stack, "", @progbits
