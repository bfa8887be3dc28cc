/*
 * exit42.elf - the smallest Multiboot guest, for start-up benchmarks: prints "exit42\n" and
 * stops with debug-exit code 42. Every kernel-mode instruction is emulated under PVM (about
 * 1 us each), so it is 18 instructions and 8 port writes, no stack and no loop.
 * One `out` per byte rather than `rep outsb`: a string OUT reaches the VMM as one exit with a
 * repeat count, which a VMM under test may not handle yet; plain outs work everywhere.
 */
#define COM1            0x3f8
#define DEBUG_EXIT_PORT 0xf4

    .section .text.entry, "ax"
    .code32
    .globl _start
_start:
    mov $COM1, %dx
    .irp c, 'e', 'x', 'i', 't', '4', '2', '\n'
    mov $\c, %al
    out %al, %dx
    .endr
    mov $DEBUG_EXIT_PORT, %dx
    mov $42, %eax
    out %eax, %dx
1:  cli                         /* only if there is no debug-exit device */
    hlt
    jmp 1b

    .section .note.GNU-stack, "", @progbits
