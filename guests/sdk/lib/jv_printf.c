/*
 * libjavisor32: jv_printf, the console lock and jv_check (javisor_rt.h).
 */
#include "javisor_rt.h"

jv_spinlock jv_console_lock;
uint32_t jv_check_failures;

static void put_padded(const char *digits, int n, int width, char pad)
{
    while (width-- > n)
        serial_putc(pad);
    while (n)
        serial_putc(digits[--n]);
}

static void put_unsigned(uint32_t v, int width, char pad)
{
    char buf[10];
    int n = 0;
    do {
        buf[n++] = (char)('0' + v % 10);
        v /= 10;
    } while (v);
    put_padded(buf, n, width, pad);
}

static void put_hex(uint64_t v, int width, char pad)
{
    char buf[16];
    int n = 0;
    do {
        buf[n++] = "0123456789abcdef"[v & 0xf];
        v >>= 4;
    } while (v);
    put_padded(buf, n, width, pad);
}

void jv_printf(const char *fmt, ...)
{
    __builtin_va_list ap;
    uint32_t flags;
    __builtin_va_start(ap, fmt);
    /* Interrupts off while holding the lock: a handler that prints would otherwise deadlock on it. */
    __asm__ volatile("pushf; pop %0; cli" : "=r"(flags) : : "memory");
    jv_spin_lock(&jv_console_lock);
    for (const char *p = fmt; *p; p++) {
        if (*p != '%') {
            serial_putc(*p);
            continue;
        }
        p++;
        char pad = ' ';
        int width = 0, longs = 0;
        if (*p == '0') {
            pad = '0';
            p++;
        }
        while (*p >= '0' && *p <= '9')
            width = width * 10 + (*p++ - '0');
        while (*p == 'l') {
            longs++;
            p++;
        }
        switch (*p) {
        case 's': {
            const char *s = __builtin_va_arg(ap, const char *);
            serial_puts(s ? s : "(null)");
            break;
        }
        case 'c':
            serial_putc((char)__builtin_va_arg(ap, int));
            break;
        case 'd': {
            int32_t v = __builtin_va_arg(ap, int32_t);
            if (v < 0) {
                serial_putc('-');
                put_unsigned(0u - (uint32_t)v, width ? width - 1 : 0, pad);
            } else {
                put_unsigned((uint32_t)v, width, pad);
            }
            break;
        }
        case 'u':
            put_unsigned(__builtin_va_arg(ap, uint32_t), width, pad);
            break;
        case 'x':
            if (longs >= 2)
                put_hex(__builtin_va_arg(ap, uint64_t), width, pad);
            else
                put_hex(__builtin_va_arg(ap, uint32_t), width, pad);
            break;
        case '%':
            serial_putc('%');
            break;
        case '\0':
            p--;
            break;
        default:
            serial_putc('%');
            serial_putc(*p);
            break;
        }
    }
    jv_spin_unlock(&jv_console_lock);
    if (flags & 0x200)
        jv_irq_enable();
    __builtin_va_end(ap);
}

int jv_check(const char *name, jv_result got, jv_result want)
{
    if (got == want) {
        jv_printf("ok %s\n", name);
        return 1;
    }
    jv_check_failures++;
    jv_printf("FAIL %s got %d (%s), want %d (%s)\n", name, (int32_t)got, jv_errname(got), (int32_t)want,
              jv_errname(want));
    return 0;
}
