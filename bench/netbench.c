/*
 * netbench: stream throughput and request/response latency over TCP, AF_VSOCK, or a Unix socket (the host end of
 * Firecracker's vsock scheme), for a Linux guest and the host alike. Built static (gcc -static -O2), like
 * blkbench; in the test initramfs /init runs it through javisor.exec= (see scripts/make-initramfs.sh).
 *
 *   netbench server tcp PORT            [--once]      serve clients (one after another) on TCP PORT
 *   netbench server vsock PORT          [--once]      the same on vsock PORT (any CID)
 *   netbench server unix PATH [--port P] [--once]     the same on the Unix socket PATH (PATH_P with --port):
 *                                                     where Firecracker forwards guest connections to host port P
 *   netbench client tcp HOST PORT       --bytes N [--chunk B] [--reverse]
 *   netbench client vsock CID PORT      --bytes N ...
 *   netbench client unix PATH --connect PORT --bytes N ...   (writes "CONNECT PORT\n", expects "OK <n>\n" first)
 *   netbench rr tcp HOST PORT           --count N [--size S] [--warmup W]
 *   netbench rr vsock CID PORT | rr unix PATH --connect PORT   ...the same
 *
 * A client connection starts with a 16-byte request: "NB1" and a mode byte ('S' stream to the server, 'R' stream
 * from the server, 'P' ping-pong), then two little-endian u32: the low and high halves of the byte count
 * (stream) or the message size (ping-pong). Streams carry pseudo-random data; both ends hash what went through
 * with FNV-1a 64 taken over 8-byte little-endian words (a last partial word padded with zeros): a test compares
 * the `fnv=` of both ends, and the client compares it with the one the server sends back at the end of a stream
 * (16 bytes: byte count, hash). Ping-pong: the client sends S bytes, the server sends them back, N times (after W
 * unmeasured warm-up rounds, default N/10 up to 100).
 *
 * Output, one line per result (mbps is MB/s, 10^6 bytes a second; latencies in microseconds):
 *   netbench: tcp client bytes=N seconds=T mbps=X fnv=0x... server_fnv=0x... match=yes
 *   netbench: tcp server bytes=N seconds=T mbps=X fnv=0x...          (sending: "server-send")
 *   netbench: tcp rr count=N size=S median_us=X p99_us=X min_us=X mean_us=X
 *   netbench: tcp server rr count=N size=S
 * and "netbench: error: ..." on standard error with exit status 1 (2 for a usage error). A client whose hash
 * does not match the server's prints match=no and exits with 1.
 */
#define _GNU_SOURCE
#include <arpa/inet.h>
#include <errno.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <signal.h>
#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <time.h>
#include <unistd.h>
#include <linux/vm_sockets.h>

#define CHUNK_MAX (1 << 20)
#define SIZE_MAX_RR (1 << 20)

enum transport { T_TCP, T_VSOCK, T_UNIX };
static const char *tname[] = {"tcp", "vsock", "unix"};

static void die(const char *fmt, ...) {
    va_list ap;
    va_start(ap, fmt);
    fprintf(stderr, "netbench: error: ");
    vfprintf(stderr, fmt, ap);
    if (errno) {
        fprintf(stderr, ": %s", strerror(errno));
    }
    fprintf(stderr, "\n");
    va_end(ap);
    exit(1);
}

static void usage(const char *why) {
    fprintf(stderr,
            "netbench: %s\n"
            "usage: netbench server tcp|vsock PORT [--once]\n"
            "       netbench server unix PATH [--port P] [--once]\n"
            "       netbench client tcp HOST PORT | vsock CID PORT | unix PATH --connect PORT  --bytes N [--chunk B] [--reverse]\n"
            "       netbench rr     tcp HOST PORT | vsock CID PORT | unix PATH --connect PORT  --count N [--size S] [--warmup W]\n",
            why);
    exit(2);
}

static double now(void) {
    struct timespec t;
    clock_gettime(CLOCK_MONOTONIC, &t);
    return (double)t.tv_sec + (double)t.tv_nsec * 1e-9;
}

/* ---- FNV-1a 64 over little-endian 8-byte words, fed in pieces of any length ------------------------------- */

struct hash {
    uint64_t h;
    uint8_t part[8];
    unsigned nparts;
};

static void hash_init(struct hash *s) {
    s->h = 0xcbf29ce484222325ull;
    s->nparts = 0;
}

static inline void hash_word(struct hash *s, uint64_t w) {
    s->h ^= w;
    s->h *= 0x100000001b3ull;
}

static void hash_add(struct hash *s, const uint8_t *p, size_t n) {
    while (n && s->nparts) {
        s->part[s->nparts++] = *p++;
        n--;
        if (s->nparts == 8) {
            uint64_t w;
            memcpy(&w, s->part, 8);
            hash_word(s, w);
            s->nparts = 0;
        }
    }
    for (; n >= 8; p += 8, n -= 8) {
        uint64_t w;
        memcpy(&w, p, 8);
        hash_word(s, w);
    }
    while (n--) {
        s->part[s->nparts++] = *p++;
    }
}

static uint64_t hash_end(struct hash *s) {
    if (s->nparts) {
        memset(s->part + s->nparts, 0, 8 - s->nparts);
        uint64_t w;
        memcpy(&w, s->part, 8);
        hash_word(s, w);
        s->nparts = 0;
    }
    return s->h;
}

/* ---- I/O ----------------------------------------------------------------------------------------------- */

static int read_full(int fd, void *buf, size_t n) {
    uint8_t *p = buf;
    while (n) {
        ssize_t r = read(fd, p, n);
        if (r < 0 && errno == EINTR) {
            continue;
        }
        if (r <= 0) {
            if (r == 0) {
                errno = 0;
            }
            return -1;
        }
        p += r;
        n -= (size_t)r;
    }
    return 0;
}

static int write_full(int fd, const void *buf, size_t n) {
    const uint8_t *p = buf;
    while (n) {
        ssize_t r = write(fd, p, n);
        if (r < 0 && errno == EINTR) {
            continue;
        }
        if (r <= 0) {
            return -1;
        }
        p += r;
        n -= (size_t)r;
    }
    return 0;
}

static void put_le64(uint8_t *p, uint64_t v) {
    for (int i = 0; i < 8; i++) {
        p[i] = (uint8_t)(v >> (8 * i));
    }
}

static uint64_t get_le64(const uint8_t *p) {
    uint64_t v = 0;
    for (int i = 7; i >= 0; i--) {
        v = v << 8 | p[i];
    }
    return v;
}

static uint8_t *pattern(size_t n) {
    uint8_t *b = malloc(n);
    if (!b) {
        die("out of memory");
    }
    uint64_t x = 0x9e3779b97f4a7c15ull;
    for (size_t i = 0; i < n; i++) {
        x ^= x << 13;
        x ^= x >> 7;
        x ^= x << 17;
        b[i] = (uint8_t)(x >> 24);
    }
    return b;
}

/* Sends n bytes of the pattern in chunks; returns their hash. */
static uint64_t send_stream(int fd, uint64_t n, size_t chunk) {
    uint8_t *b = pattern(chunk + 4096);
    struct hash h;
    hash_init(&h);
    for (uint64_t done = 0, k = 0; done < n; k++) {
        size_t len = n - done < chunk ? (size_t)(n - done) : chunk;
        const uint8_t *p = b + (k * 1031) % 4096;   /* a different window each time: not one block repeated */
        hash_add(&h, p, len);
        if (write_full(fd, p, len)) {
            die("sending byte %llu of %llu", (unsigned long long)done, (unsigned long long)n);
        }
        done += len;
    }
    free(b);
    return hash_end(&h);
}

static uint64_t recv_stream(int fd, uint64_t n, size_t chunk) {
    uint8_t *b = malloc(chunk);
    struct hash h;
    hash_init(&h);
    for (uint64_t done = 0; done < n;) {
        size_t want = n - done < chunk ? (size_t)(n - done) : chunk;
        ssize_t r = read(fd, b, want);
        if (r < 0 && errno == EINTR) {
            continue;
        }
        if (r <= 0) {
            if (r == 0) {
                errno = 0;
            }
            die("receiving byte %llu of %llu", (unsigned long long)done, (unsigned long long)n);
        }
        hash_add(&h, b, (size_t)r);
        done += (uint64_t)r;
    }
    free(b);
    return hash_end(&h);
}

/* ---- sockets ------------------------------------------------------------------------------------------------ */

static unsigned long parse_num(const char *s, const char *what) {
    char *end;
    errno = 0;
    unsigned long long v = strtoull(s, &end, 0);
    if (errno || end == s) {
        usage(what);
    }
    /* K, M, G suffixes (powers of 1024) for byte counts */
    if (*end == 'K' || *end == 'k') {
        v <<= 10, end++;
    } else if (*end == 'M' || *end == 'm') {
        v <<= 20, end++;
    } else if (*end == 'G' || *end == 'g') {
        v <<= 30, end++;
    }
    if (*end) {
        usage(what);
    }
    return (unsigned long)v;
}

static void tune(int fd, enum transport t) {
    int one = 1;
    if (t == T_TCP) {
        setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof one);
    }
}

static int connect_to(enum transport t, const char *where, const char *port, const char *fc_port) {
    int fd;
    if (t == T_TCP) {
        struct sockaddr_in a = {.sin_family = AF_INET, .sin_port = htons((uint16_t)parse_num(port, "bad port"))};
        if (inet_pton(AF_INET, strcmp(where, "localhost") ? where : "127.0.0.1", &a.sin_addr) != 1) {
            usage("HOST must be a numeric IPv4 address (or localhost)");
        }
        fd = socket(AF_INET, SOCK_STREAM, 0);
        if (fd < 0 || connect(fd, (struct sockaddr *)&a, sizeof a)) {
            die("connecting to %s:%s", where, port);
        }
    } else if (t == T_VSOCK) {
        struct sockaddr_vm a = {.svm_family = AF_VSOCK,
                                .svm_cid = (unsigned)parse_num(where, "bad CID"),
                                .svm_port = (unsigned)parse_num(port, "bad port")};
        fd = socket(AF_VSOCK, SOCK_STREAM, 0);
        if (fd < 0 || connect(fd, (struct sockaddr *)&a, sizeof a)) {
            die("connecting to vsock CID %s port %s", where, port);
        }
    } else {
        struct sockaddr_un a = {.sun_family = AF_UNIX};
        if (strlen(where) >= sizeof a.sun_path) {
            usage("PATH too long");
        }
        strcpy(a.sun_path, where);
        fd = socket(AF_UNIX, SOCK_STREAM, 0);
        if (fd < 0 || connect(fd, (struct sockaddr *)&a, sizeof a)) {
            die("connecting to %s", where);
        }
        /* Firecracker's host-initiated connection: "CONNECT <port>\n", answered by "OK <host port>\n". */
        char line[64];
        int n = snprintf(line, sizeof line, "CONNECT %lu\n", parse_num(fc_port, "bad --connect port"));
        if (write_full(fd, line, (size_t)n)) {
            die("writing CONNECT to %s", where);
        }
        size_t k = 0;
        for (;;) {   /* byte by byte: what follows the line is the stream's */
            if (k == sizeof line - 1 || read_full(fd, line + k, 1)) {
                die("no answer to CONNECT %s on %s", fc_port, where);
            }
            if (line[k] == '\n') {
                break;
            }
            k++;
        }
        line[k] = 0;
        if (strncmp(line, "OK ", 3) != 0) {
            errno = 0;
            die("CONNECT %s on %s answered \"%s\"", fc_port, where, line);
        }
    }
    tune(fd, t);
    return fd;
}

static int listen_on(enum transport t, const char *where) {
    int fd, one = 1;
    if (t == T_TCP) {
        struct sockaddr_in a = {.sin_family = AF_INET, .sin_port = htons((uint16_t)parse_num(where, "bad port")),
                                .sin_addr.s_addr = htonl(INADDR_ANY)};
        fd = socket(AF_INET, SOCK_STREAM, 0);
        if (fd >= 0) {
            setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof one);
        }
        if (fd < 0 || bind(fd, (struct sockaddr *)&a, sizeof a)) {
            die("binding TCP port %s", where);
        }
    } else if (t == T_VSOCK) {
        struct sockaddr_vm a = {.svm_family = AF_VSOCK, .svm_cid = VMADDR_CID_ANY,
                                .svm_port = (unsigned)parse_num(where, "bad port")};
        fd = socket(AF_VSOCK, SOCK_STREAM, 0);
        if (fd < 0 || bind(fd, (struct sockaddr *)&a, sizeof a)) {
            die("binding vsock port %s", where);
        }
    } else {
        struct sockaddr_un a = {.sun_family = AF_UNIX};
        if (strlen(where) >= sizeof a.sun_path) {
            usage("PATH too long");
        }
        strcpy(a.sun_path, where);
        unlink(where);   /* a socket file left by an earlier run */
        fd = socket(AF_UNIX, SOCK_STREAM, 0);
        if (fd < 0 || bind(fd, (struct sockaddr *)&a, sizeof a)) {
            die("binding %s", where);
        }
    }
    if (listen(fd, 16)) {
        die("listen");
    }
    return fd;
}

/* ---- the two ends ----------------------------------------------------------------------------------------------- */

static int compare_doubles(const void *a, const void *b) {
    double x = *(const double *)a, y = *(const double *)b;
    return x < y ? -1 : x > y;
}

static void serve_one(int c, enum transport t) {
    uint8_t req[16];
    if (read_full(c, req, sizeof req)) {
        fprintf(stderr, "netbench: a client went away before its request\n");
        return;
    }
    if (memcmp(req, "NB1", 3) != 0) {
        fprintf(stderr, "netbench: not a netbench request, ignored\n");
        return;
    }
    uint64_t n = get_le64(req + 8);
    char mode = (char)req[3];
    if (mode == 'S' || mode == 'R') {
        double t0 = now();
        uint64_t h = mode == 'S' ? recv_stream(c, n, CHUNK_MAX) : send_stream(c, n, 1 << 16);
        double dt = now() - t0;
        uint8_t answer[16];
        put_le64(answer, n);
        put_le64(answer + 8, h);
        if (write_full(c, answer, sizeof answer)) {
            die("sending the stream's hash");
        }
        printf("netbench: %s %s bytes=%llu seconds=%.3f mbps=%.2f fnv=0x%016llx\n", tname[t],
               mode == 'S' ? "server" : "server-send", (unsigned long long)n, dt, dt > 0 ? n / dt / 1e6 : 0.0,
               (unsigned long long)h);
    } else if (mode == 'P') {
        if (n == 0 || n > SIZE_MAX_RR) {
            fprintf(stderr, "netbench: ping-pong size %llu out of range\n", (unsigned long long)n);
            return;
        }
        uint8_t *b = malloc(n);
        uint64_t count = 0;
        while (read_full(c, b, n) == 0 && write_full(c, b, n) == 0) {
            count++;
        }
        printf("netbench: %s server rr count=%llu size=%llu\n", tname[t], (unsigned long long)count,
               (unsigned long long)n);
        free(b);
    } else {
        fprintf(stderr, "netbench: unknown mode '%c', ignored\n", mode);
    }
    fflush(stdout);
}

static int server(enum transport t, const char *where, int once) {
    int l = listen_on(t, where);
    printf("netbench: %s server listening on %s\n", tname[t], where);
    fflush(stdout);
    for (;;) {
        int c = accept(l, NULL, NULL);
        if (c < 0) {
            if (errno == EINTR) {
                continue;
            }
            die("accept");
        }
        tune(c, t);
        serve_one(c, t);
        close(c);
        if (once) {
            return 0;
        }
    }
}

static void request(int fd, char mode, uint64_t n) {
    uint8_t req[16] = {'N', 'B', '1', (uint8_t)mode};
    put_le64(req + 8, n);
    if (write_full(fd, req, sizeof req)) {
        die("sending the request");
    }
}

static int client(enum transport t, int fd, uint64_t bytes, size_t chunk, int reverse) {
    double t0 = now();
    request(fd, reverse ? 'R' : 'S', bytes);
    uint64_t h = reverse ? recv_stream(fd, bytes, chunk) : send_stream(fd, bytes, chunk);
    uint8_t answer[16];
    if (read_full(fd, answer, sizeof answer)) {
        die("no hash from the server");
    }
    double dt = now() - t0;
    uint64_t theirs = get_le64(answer + 8);
    int match = theirs == h && get_le64(answer) == bytes;
    printf("netbench: %s client%s bytes=%llu seconds=%.3f mbps=%.2f fnv=0x%016llx server_fnv=0x%016llx match=%s\n",
           tname[t], reverse ? "-recv" : "", (unsigned long long)bytes, dt, dt > 0 ? bytes / dt / 1e6 : 0.0,
           (unsigned long long)h, (unsigned long long)theirs, match ? "yes" : "no");
    return match ? 0 : 1;
}

static int rr(enum transport t, int fd, uint64_t count, size_t size, uint64_t warmup) {
    request(fd, 'P', size);
    uint8_t *out = pattern(size), *in = malloc(size);
    double *lat = malloc(sizeof(double) * (count ? count : 1));
    for (uint64_t i = 0; i < warmup + count; i++) {
        out[0] = (uint8_t)i;
        double t0 = now();
        if (write_full(fd, out, size) || read_full(fd, in, size)) {
            die("round trip %llu", (unsigned long long)i);
        }
        double dt = now() - t0;
        if (memcmp(in, out, size) != 0) {
            errno = 0;
            die("round trip %llu came back different", (unsigned long long)i);
        }
        if (i >= warmup) {
            lat[i - warmup] = dt * 1e6;
        }
    }
    double sum = 0;
    for (uint64_t i = 0; i < count; i++) {
        sum += lat[i];
    }
    qsort(lat, count, sizeof(double), compare_doubles);
    uint64_t p99 = (count * 99 + 99) / 100;   /* the smallest sample at or above 99% of them */
    printf("netbench: %s rr count=%llu size=%zu median_us=%.1f p99_us=%.1f min_us=%.1f mean_us=%.1f\n", tname[t],
           (unsigned long long)count, size, count ? lat[count / 2] : 0.0, count ? lat[p99 - 1] : 0.0,
           count ? lat[0] : 0.0, count ? sum / count : 0.0);
    return 0;
}

int main(int argc, char **argv) {
    signal(SIGPIPE, SIG_IGN);
    setvbuf(stdout, NULL, _IOLBF, 0);
    if (argc < 3) {
        usage("too few arguments");
    }
    const char *role = argv[1];
    enum transport t;
    if (!strcmp(argv[2], "tcp")) {
        t = T_TCP;
    } else if (!strcmp(argv[2], "vsock")) {
        t = T_VSOCK;
    } else if (!strcmp(argv[2], "unix")) {
        t = T_UNIX;
    } else {
        usage("the transport is tcp, vsock or unix");
    }
    int is_server = !strcmp(role, "server");
    if (!is_server && strcmp(role, "client") && strcmp(role, "rr")) {
        usage("the first word is server, client or rr");
    }
    /* Positional arguments: server: PORT or PATH; client/rr: HOST PORT, CID PORT, or PATH. */
    int npos = is_server || t == T_UNIX ? 1 : 2;
    if (argc < 3 + npos) {
        usage("missing address or port");
    }
    const char *where = argv[3], *port = npos == 2 ? argv[4] : NULL;
    const char *fc_port = NULL, *sock_port = NULL;
    uint64_t bytes = 0, count = 0, warmup = (uint64_t)-1;
    size_t size = 1, chunk = 1 << 16;
    int once = 0, reverse = 0;
    for (int i = 3 + npos; i < argc; i++) {
        const char *a = argv[i], *v = i + 1 < argc ? argv[i + 1] : NULL;
        if (!strcmp(a, "--once")) {
            once = 1;
        } else if (!strcmp(a, "--reverse")) {
            reverse = 1;
        } else if (!v) {
            usage("an option without its value");
        } else if (!strcmp(a, "--bytes")) {
            bytes = parse_num(v, "bad --bytes"), i++;
        } else if (!strcmp(a, "--count")) {
            count = parse_num(v, "bad --count"), i++;
        } else if (!strcmp(a, "--size")) {
            size = parse_num(v, "bad --size"), i++;
        } else if (!strcmp(a, "--chunk")) {
            chunk = parse_num(v, "bad --chunk"), i++;
        } else if (!strcmp(a, "--warmup")) {
            warmup = parse_num(v, "bad --warmup"), i++;
        } else if (!strcmp(a, "--connect")) {
            fc_port = v, i++;
        } else if (!strcmp(a, "--port")) {
            sock_port = v, i++;
        } else {
            usage("unknown option");
        }
    }
    if (is_server) {
        char path[256];
        if (t == T_UNIX && sock_port) {
            snprintf(path, sizeof path, "%s_%lu", where, parse_num(sock_port, "bad --port"));
            where = path;
        } else if (sock_port) {
            usage("--port is for server unix");
        }
        return server(t, where, once);
    }
    if (t == T_UNIX && !fc_port) {
        usage("client and rr over unix need --connect PORT");
    }
    if (t != T_UNIX && fc_port) {
        usage("--connect is for unix");
    }
    if (!strcmp(role, "client")) {
        if (!bytes) {
            usage("client needs --bytes N");
        }
        if (chunk == 0 || chunk > CHUNK_MAX) {
            usage("--chunk is 1 to 1M");
        }
        return client(t, connect_to(t, where, port, fc_port), bytes, chunk, reverse);
    }
    if (!count) {
        usage("rr needs --count N");
    }
    if (size == 0 || size > SIZE_MAX_RR) {
        usage("--size is 1 to 1M");
    }
    if (warmup == (uint64_t)-1) {
        warmup = count / 10 < 100 ? count / 10 : 100;
    }
    return rr(t, connect_to(t, where, port, fc_port), count, size, warmup);
}
