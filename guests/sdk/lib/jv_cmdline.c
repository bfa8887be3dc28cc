/*
 * libjavisor32: the Multiboot command line (javisor_rt.h).
 */
#include "javisor_rt.h"

#define MAX_CMDLINE 4096

const char *jv_cmdline(uint32_t magic, const struct multiboot_info *mbi)
{
    if (magic != MULTIBOOT_BOOTLOADER_MAGIC || !mbi || !(mbi->flags & MULTIBOOT_INFO_CMDLINE) || !mbi->cmdline)
        return "";
    return (const char *)(uintptr_t)mbi->cmdline;
}

/* Where the value of word `key` starts ("key=" at a word start), or NULL. */
static const char *find(const char *s, const char *key, int need_value)
{
    for (int i = 0; i < MAX_CMDLINE && s[i]; i++) {
        if (i > 0 && s[i - 1] != ' ')
            continue;
        int k = 0;
        while (key[k] && s[i + k] == key[k])
            k++;
        if (key[k])
            continue;
        char next = s[i + k];
        if (next == '=')
            return s + i + k + 1;
        if (!need_value && (next == ' ' || next == '\0'))
            return s + i + k;
    }
    return 0;
}

uint32_t jv_cmdline_u32(const char *cmdline, const char *key, uint32_t def)
{
    const char *d = find(cmdline, key, 1);
    if (!d)
        return def;
    int negative = 0;
    if (*d == '-') {
        negative = 1;
        d++;
    }
    uint32_t v = 0;
    int digits = 0;
    if (d[0] == '0' && d[1] == 'x') {
        for (d += 2; digits < 8; d++, digits++) {
            if (*d >= '0' && *d <= '9')
                v = v * 16 + (uint32_t)(*d - '0');
            else if (*d >= 'a' && *d <= 'f')
                v = v * 16 + (uint32_t)(*d - 'a' + 10);
            else if (*d >= 'A' && *d <= 'F')
                v = v * 16 + (uint32_t)(*d - 'A' + 10);
            else
                break;
        }
    } else {
        for (; *d >= '0' && *d <= '9' && digits < 10; d++, digits++)
            v = v * 10 + (uint32_t)(*d - '0');
    }
    if (digits == 0 || (*d != '\0' && *d != ' '))
        return def;
    return negative ? 0u - v : v;
}

int jv_cmdline_has(const char *cmdline, const char *word)
{
    return find(cmdline, word, 0) != 0;
}
