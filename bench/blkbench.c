/*
 * blkbench: block-device throughput from inside a Linux guest, for bench/run-all's linux section.
 * Sequential 1 MiB writes (then fdatasync) and reads, random 4 KiB writes (then fdatasync) and reads, one request
 * at a time, with O_DIRECT so that the guest's page cache does not answer for the device. Parameters come from
 * the kernel command line, "blkbench=DEVICE,MIB,OPS" (default /dev/vda,64,2000); random requests fall in the
 * first MIB MiB. Prints one line per test, "blkbench NAME BYTES NANOSECONDS", then "blkbench done".
 * Built static (gcc -static -O2) and put into the initramfs by run-all; the test initramfs's /init starts it
 * through javisor.exec=/bin/blkbench.
 */
#define _GNU_SOURCE
#include <fcntl.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

static const char *device = "/dev/vda";
static long mib = 64;
static long ops = 2000;

static uint64_t now_ns(void) {
    struct timespec t;
    clock_gettime(CLOCK_MONOTONIC, &t);
    return (uint64_t)t.tv_sec * 1000000000u + (uint64_t)t.tv_nsec;
}

static void parse_cmdline(void) {
    static char line[4096], dev[256];
    FILE *f = fopen("/proc/cmdline", "r");
    if (!f || !fgets(line, sizeof line, f)) {
        return;
    }
    fclose(f);
    for (char *w = strtok(line, " \n"); w; w = strtok(NULL, " \n")) {
        if (strncmp(w, "blkbench=", 9) == 0 && sscanf(w + 9, "%255[^,],%ld,%ld", dev, &mib, &ops) >= 1) {
            device = dev;
        }
    }
}

/* xorshift: the same request order in every VMM. */
static uint64_t next_random(uint64_t *s) {
    *s ^= *s << 13;
    *s ^= *s >> 7;
    *s ^= *s << 17;
    return *s;
}

static void report(const char *name, uint64_t bytes, uint64_t ns) {
    printf("blkbench %s %llu %llu\n", name, (unsigned long long)bytes, (unsigned long long)ns);
    fflush(stdout);
}

static int fail(const char *what) {
    printf("blkbench failed: %s on %s\n", what, device);
    return 1;
}

int main(void) {
    parse_cmdline();
    int fd = open(device, O_RDWR | O_DIRECT);
    if (fd < 0) {
        return fail("open");
    }
    char *buf;
    if (posix_memalign((void **)&buf, 4096, 1 << 20)) {
        return fail("posix_memalign");
    }
    memset(buf, 0x5a, 1 << 20);
    uint64_t t = now_ns();
    for (long i = 0; i < mib; i++) {
        if (pwrite(fd, buf, 1 << 20, (off_t)i << 20) != 1 << 20) {
            return fail("sequential write");
        }
    }
    if (fdatasync(fd)) {
        return fail("fdatasync");
    }
    report("seq-write-1m", (uint64_t)mib << 20, now_ns() - t);
    t = now_ns();
    for (long i = 0; i < mib; i++) {
        if (pread(fd, buf, 1 << 20, (off_t)i << 20) != 1 << 20) {
            return fail("sequential read");
        }
    }
    report("seq-read-1m", (uint64_t)mib << 20, now_ns() - t);
    uint64_t blocks = (uint64_t)mib << 8, seed = 0x9e3779b97f4a7c15u;
    t = now_ns();
    for (long i = 0; i < ops; i++) {
        if (pwrite(fd, buf, 4096, (off_t)(next_random(&seed) % blocks) << 12) != 4096) {
            return fail("random write");
        }
    }
    if (fdatasync(fd)) {
        return fail("fdatasync");
    }
    report("rand-write-4k", (uint64_t)ops << 12, now_ns() - t);
    t = now_ns();
    for (long i = 0; i < ops; i++) {
        if (pread(fd, buf, 4096, (off_t)(next_random(&seed) % blocks) << 12) != 4096) {
            return fail("random read");
        }
    }
    report("rand-read-4k", (uint64_t)ops << 12, now_ns() - t);
    puts("blkbench done");
    return 0;
}
