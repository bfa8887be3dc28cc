/*
 * libjavisor32: the assembly half of the 32-bit runtime (javisor_rt.h).
 *   jv_gdt            the SDK's flat GDT: 0x08 code, 0x10 data (ring 0, 4 GiB)
 *   jv_load_gdt       lgdt, reload CS and the data segments
 *   jv_isr_stubs      256 interrupt stubs, 16 bytes apart: push (error code,) vector, jump to the common part,
 *                     which calls jv_irq_dispatch and returns without iret (see jv_isr_common)
 *   jv_ap_entry32     the CpuUp entry of jv_start_cpu
 *   jv_tramp_start..jv_tramp_end   the real-mode INIT/SIPI trampoline, copied below 1 MiB by jv_sipi_install
 */
#define JV_CODE_SEL 0x08
#define JV_DATA_SEL 0x10
#define JV_MAX_CPUS 16
#define JV_LAPIC_ID_REG 0xfee00020

    .section .data
    .balign 16
    .globl jv_gdt, jv_gdt_end
jv_gdt:
    .quad 0
    .quad 0x00cf9b000000ffff        /* 0x08: 32-bit code, present, DPL 0, execute/read, accessed */
    .quad 0x00cf93000000ffff        /* 0x10: data, read/write, accessed (no writes to set it) */
jv_gdt_end:
    .balign 4
    .word 0
jv_gdtr:
    .word jv_gdt_end - jv_gdt - 1
    .long jv_gdt

    .text
    .code32

/* void jv_load_gdt(void): clobbers EAX only. */
    .globl jv_load_gdt
jv_load_gdt:
    lgdt jv_gdtr
    ljmp $JV_CODE_SEL, $1f
1:  mov $JV_DATA_SEL, %eax
    mov %eax, %ds
    mov %eax, %es
    mov %eax, %fs
    mov %eax, %gs
    mov %eax, %ss
    ret

/*
 * The stubs. Vectors 8, 10-14, 17, 21, 29 and 30 come with an error code from the CPU; the others
 * push a 0 in its place, so every frame looks the same (struct jv_frame).
 */
    .balign 16
    .globl jv_isr_stubs
jv_isr_stubs:
    vec = 0
    .rept 256
    .balign 16
    .if (vec == 8) || ((vec >= 10) && (vec <= 14)) || (vec == 17) || (vec == 21) || (vec == 29) || (vec == 30)
    .else
    push $0
    .endif
    push $vec
    jmp jv_isr_common
    vec = vec + 1
    .endr

/*
 * No iret: KVM's instruction emulator implements iret only in real mode, so on PVM (where every CPL0
 * instruction is emulated) a protected-mode iret stops the VM with an emulation failure. Handlers run
 * at CPL0 and return to CPL0 on the same stack, so the return is done by hand: the frame is rewritten
 * to [EFLAGS][EIP], popf restores the flags with IF still clear, and "sti; ret" sets IF again where it
 * was set, sti's one-instruction shadow making the return atomic as iret's would be.
 *
 * Offsets after pusha: 0 the registers, 32 vector, 36 error code, 40 EIP, 44 CS, 48 EFLAGS, 52 the
 * interrupted code's stack.
 */
jv_isr_common:
    pusha
    cld
    push %esp                       /* struct jv_frame * */
    call jv_irq_dispatch
    add $4, %esp
    mov 48(%esp), %eax              /* EFLAGS */
    mov 40(%esp), %edx              /* EIP */
    mov %eax, 44(%esp)
    mov %edx, 48(%esp)
    popa
    add $12, %esp                   /* vector, error code, old EIP: now at [EFLAGS][EIP] */
    testl $0x200, (%esp)
    jz 1f
    andl $~0x200, (%esp)
    popf
    sti
    ret
1:  popf
    ret

/*
 * CpuUp entry of jv_start_cpu: EDI = a 16-byte aligned stack top holding {fn, arg}, ESI = the vCPU id,
 * interrupts off, flat protected mode on the boot GDT.
 */
    .globl jv_ap_entry32
jv_ap_entry32:
    cli
    cld
    mov %edi, %esp
    mov %esi, %ebx
    call jv_ap_init                 /* preserves EBX (cdecl) */
    mov 0(%esp), %eax               /* fn */
    mov 4(%esp), %edx               /* arg */
    sub $8, %esp                    /* 16-byte alignment at the call */
    push %edx
    push %ebx
    call *%eax
1:  cli
    hlt
    jmp 1b

/*
 * The INIT/SIPI trampoline. A SIPI with vector V starts the AP in real mode with CS = V << 8, IP = 0,
 * so the code addresses its data CS-relative; it is copied to a page below 1 MiB and runs there.
 * It loads the SDK's GDT (its 32-bit base comes from the copy's descriptor), turns on protection and
 * jumps to jv_sipi_pm32 in the image.
 */
    .code16
    .globl jv_tramp_start, jv_tramp_end
jv_tramp_start:
    cli
    cld
    mov %cs, %ax
    mov %ax, %ds
    lgdtl (jv_tramp_gdtr - jv_tramp_start)
    mov %cr0, %eax
    or $1, %eax
    mov %eax, %cr0
    ljmpl $JV_CODE_SEL, $jv_sipi_pm32
    .balign 4
    .word 0
jv_tramp_gdtr:
    .word jv_gdt_end - jv_gdt - 1
    .long jv_gdt
jv_tramp_end:

    .code32
jv_sipi_pm32:
    mov $JV_DATA_SEL, %eax
    mov %eax, %ds
    mov %eax, %es
    mov %eax, %fs
    mov %eax, %gs
    mov %eax, %ss
    mov JV_LAPIC_ID_REG, %eax
    shr $24, %eax
    cmp $JV_MAX_CPUS, %eax
    jae 9f                          /* no stack for this APIC id */
    mov %eax, %ebx
    inc %eax
    shl $12, %eax                   /* JV_AP_STACK_SIZE */
    add $jv_sipi_stacks, %eax
    mov %eax, %esp
    call jv_ap_init
    sub $12, %esp
    push %ebx
    call *jv_sipi_fn
9:  cli
    hlt
    jmp 9b

    .section .bss
    .balign 16
    .globl jv_sipi_stacks
jv_sipi_stacks:
    .skip JV_MAX_CPUS * 4096

    .section .note.GNU-stack, "", @progbits
