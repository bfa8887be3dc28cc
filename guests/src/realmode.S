/*
 * realmode.bin - a raw 16-bit real-mode guest: no headers, position-independent, so it runs wherever it is
 * loaded and entered (at 0x8000 by its config, at 1 MiB by `javisor run --kernel`, where CS is segment 0xffff).
 * Prints "real mode OK at 0x<linear address>\n" and stops with debug-exit code 0x10.
 */
#define COM1            0x3f8
#define DEBUG_EXIT_PORT 0xf4

    .section .text.entry, "ax"
    .code16
    .globl _start
_start:
    cli
    mov %cs, %ax                /* the data is in the code segment, wherever that is */
    mov %ax, %ds
    xor %ax, %ax
    mov %ax, %ss
    mov $0x7000, %sp            /* SP is undefined at entry; below any load address, above the IVT/BDA */
    cld                         /* lodsb counts up */
    call 1f                     /* the IP of label 1, whatever the load address */
1:  pop %bx
    lea (message - 1b)(%bx), %si
    call puts
    /* The linear address of _start: CS * 16 + (IP of label 1 - its offset from _start), in 32 bits. */
    mov %cs, %eax
    and $0xffff, %eax
    shl $4, %eax
    movzx %bx, %ebx
    add %ebx, %eax
    sub $(1b - _start), %eax
    mov $8, %cx                 /* eight hex digits, most significant first */
2:  rol $4, %eax
    mov %eax, %edi
    and $0xf, %al
    add $'0', %al
    cmp $'9', %al
    jbe 3f
    add $('a' - '9' - 1), %al
3:  mov $COM1, %dx
    out %al, %dx
    mov %edi, %eax
    loop 2b
    mov $'\n', %al
    out %al, %dx
    mov $DEBUG_EXIT_PORT, %dx
    mov $0x10, %eax             /* 32-bit operand in 16-bit code: the 0x66 prefix */
    out %eax, %dx
4:  cli                         /* only if there is no debug-exit device */
    hlt
    jmp 4b

/* Writes the NUL-terminated string at DS:SI to COM1. */
puts:
    mov $COM1, %dx
5:  lodsb
    test %al, %al
    jz 6f
    out %al, %dx
    jmp 5b
6:  ret

message:
    .asciz "real mode OK at 0x"

    .section .note.GNU-stack, "", @progbits
