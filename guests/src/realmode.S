/*
 * realmode.bin - a raw 16-bit real-mode guest: no headers, loaded and entered at 0x8000 with
 * CS = 0 and every segment base 0. Prints "real mode OK\n" and stops with debug-exit code 0x10.
 */
#define COM1            0x3f8
#define DEBUG_EXIT_PORT 0xf4

    .section .text.entry, "ax"
    .code16
    .globl _start
_start:
    cli
    xor %ax, %ax                /* segment bases 0: the linked addresses are the linear ones */
    mov %ax, %ds
    mov %ax, %ss
    mov $0x7000, %sp            /* SP is undefined at entry; below the image, above the IVT/BDA */
    cld                         /* lodsb counts up */
    mov $message, %si
    mov $COM1, %dx
1:  lodsb
    test %al, %al
    jz 2f
    out %al, %dx
    jmp 1b
2:  mov $DEBUG_EXIT_PORT, %dx
    mov $0x10, %eax             /* 32-bit operand in 16-bit code: the 0x66 prefix */
    out %eax, %dx
3:  cli                         /* only if there is no debug-exit device */
    hlt
    jmp 3b

message:
    .asciz "real mode OK\n"

    .section .note.GNU-stack, "", @progbits
