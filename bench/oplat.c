/*
 * oplat: per-operation latency from one process, without process start-up in the figure.
 *
 *   oplat getxattr|stat|open DIR N     cycle through DIR's regular files, N operations
 *   oplat cat FILE N                   open, read to EOF, close FILE, N times
 *   oplat readdir DIR N                opendir, read every entry, closedir, N times
 *   oplat lsl DIR N                    readdir + lstat of every entry (ls -l's calls), N times
 *   oplat create DIR N [PREFIX]        create N new empty files DIR/PREFIX000000... (O_EXCL)
 *   oplat write PATH N TEXT [PATH2 TEXT2...]
 *                                      N operations; operation i opens PATH (then PATH2...) for
 *                                      writing, writes its TEXT in one write(2), closes it.
 *                                      "{}" in a PATH or TEXT becomes i, zero-padded to 4 digits.
 *
 * Prints "ops=N total_s=T ns_per_op=X p50_ns=.. p99_ns=.. max_ns=..". getxattr asks for
 * "security.selinux" as ls -l does: the kernel caches no xattrs for FUSE, so every call is a
 * round trip to the daemon. stat is lstat(2) (served from the kernel's attribute cache while it
 * is valid); open is open(O_RDONLY)+close(2) (OPEN, FLUSH and RELEASE for FUSE). A failed call
 * prints the path and errno and exits 1 (a write's refusal message is read back from the file
 * as /storage files answer, when it can be).
 * Built by bench/run with gcc; part of the benchmark, not of StorageFs.
 */
#define _GNU_SOURCE
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/xattr.h>
#include <time.h>
#include <unistd.h>

static double now(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return ts.tv_sec + ts.tv_nsec / 1e9;
}

static int cmp_double(const void *a, const void *b)
{
    double x = *(const double *)a, y = *(const double *)b;
    return (x > y) - (x < y);
}

/* "{}" in fmt becomes i as %04ld. */
static void expand(char *out, size_t cap, const char *fmt, long i)
{
    size_t o = 0;
    for (const char *p = fmt; *p && o + 1 < cap; p++) {
        if (p[0] == '{' && p[1] == '}') {
            int w = snprintf(out + o, cap - o, "%04ld", i);
            if (w > 0)
                o += (size_t)w;
            p++;
        } else {
            out[o++] = *p;
        }
    }
    out[o < cap ? o : cap - 1] = '\0';
}

static char **regular_files(const char *dir, size_t *count)
{
    DIR *d = opendir(dir);
    if (!d) {
        perror(dir);
        exit(1);
    }
    size_t cap = 1024, n = 0;
    char **paths = malloc(cap * sizeof *paths);
    struct dirent *e;
    while ((e = readdir(d)) != NULL) {
        if (e->d_type != DT_REG)
            continue;
        if (n == cap)
            paths = realloc(paths, (cap *= 2) * sizeof *paths);
        if (asprintf(&paths[n++], "%s/%s", dir, e->d_name) < 0)
            exit(1);
    }
    closedir(d);
    if (n == 0) {
        fprintf(stderr, "%s: no regular files\n", dir);
        exit(1);
    }
    *count = n;
    return paths;
}

static long list_dir(const char *dir, int with_stat)
{
    DIR *d = opendir(dir);
    if (!d) {
        perror(dir);
        exit(1);
    }
    struct dirent *e;
    struct stat st;
    long n = 0;
    while ((e = readdir(d)) != NULL) {
        n++;
        if (with_stat && fstatat(dirfd(d), e->d_name, &st, AT_SYMLINK_NOFOLLOW) < 0) {
            fprintf(stderr, "%s/%s: %s\n", dir, e->d_name, strerror(errno));
            exit(1);
        }
    }
    closedir(d);
    return n;
}

static void write_text(const char *path, const char *text)
{
    int fd = open(path, O_WRONLY);
    if (fd < 0) {
        fprintf(stderr, "open %s: %s\n", path, strerror(errno));
        exit(1);
    }
    size_t len = strlen(text);
    ssize_t w = write(fd, text, len);
    if (w != (ssize_t)len) {
        int err = errno;
        fprintf(stderr, "write %s: %s\n", path, w < 0 ? strerror(err) : "short write");
        char why[512];
        int rfd = open(path, O_RDONLY);
        ssize_t r = rfd >= 0 ? read(rfd, why, sizeof why - 1) : -1;
        if (r > 0) {
            why[r] = '\0';
            fprintf(stderr, "  %s", why);
        }
        exit(1);
    }
    close(fd);
}

int main(int argc, char **argv)
{
    if (argc < 4) {
        fprintf(stderr, "usage: oplat getxattr|stat|open|cat|readdir|lsl|create DIR N | oplat write PATH N TEXT [PATH2 TEXT2...]\n");
        return 2;
    }
    const char *op = argv[1];
    int is_write = strcmp(op, "write") == 0;
    const char *dir = argv[2];
    long n = atol(argv[3]);
    if (n <= 0 || (is_write && (argc < 5 || (argc - 5) % 2 != 0))) {
        fprintf(stderr, "oplat: bad arguments\n");
        return 2;
    }
    char **paths = NULL;
    size_t count = 0;
    if (!strcmp(op, "getxattr") || !strcmp(op, "stat") || !strcmp(op, "open"))
        paths = regular_files(dir, &count);
    const char *prefix = (!strcmp(op, "create") && argc > 4) ? argv[4] : "c";

    double *lat = malloc((size_t)n * sizeof *lat);
    char buf[65536], path[4096], text[8192];
    struct stat st;
    double t0 = now();
    for (long i = 0; i < n; i++) {
        double s = now();
        if (strcmp(op, "getxattr") == 0) {
            const char *p = paths[i % count];
            if (lgetxattr(p, "security.selinux", buf, sizeof buf) < 0 && errno != ENODATA && errno != EOPNOTSUPP) {
                perror(p);
                return 1;
            }
        } else if (strcmp(op, "stat") == 0) {
            const char *p = paths[i % count];
            if (lstat(p, &st) < 0) {
                perror(p);
                return 1;
            }
        } else if (strcmp(op, "open") == 0) {
            const char *p = paths[i % count];
            int fd = open(p, O_RDONLY);
            if (fd < 0) {
                perror(p);
                return 1;
            }
            close(fd);
        } else if (strcmp(op, "cat") == 0) {
            int fd = open(dir, O_RDONLY);
            if (fd < 0) {
                perror(dir);
                return 1;
            }
            ssize_t r;
            while ((r = read(fd, buf, sizeof buf)) > 0)
                ;
            if (r < 0) {
                perror(dir);
                return 1;
            }
            close(fd);
        } else if (strcmp(op, "readdir") == 0) {
            list_dir(dir, 0);
        } else if (strcmp(op, "lsl") == 0) {
            list_dir(dir, 1);
        } else if (strcmp(op, "create") == 0) {
            snprintf(path, sizeof path, "%s/%s%06ld", dir, prefix, i);
            int fd = open(path, O_WRONLY | O_CREAT | O_EXCL, 0600);
            if (fd < 0) {
                perror(path);
                return 1;
            }
            close(fd);
        } else if (is_write) {
            expand(path, sizeof path, dir, i);
            expand(text, sizeof text, argv[4], i);
            write_text(path, text);
            for (int a = 5; a + 1 < argc; a += 2) {
                expand(path, sizeof path, argv[a], i);
                expand(text, sizeof text, argv[a + 1], i);
                write_text(path, text);
            }
        } else {
            fprintf(stderr, "unknown op %s\n", op);
            return 2;
        }
        lat[i] = now() - s;
    }
    double t = now() - t0;
    qsort(lat, (size_t)n, sizeof *lat, cmp_double);
    printf("ops=%ld total_s=%.3f ns_per_op=%.0f p50_ns=%.0f p99_ns=%.0f max_ns=%.0f\n", n, t, t * 1e9 / n,
        lat[n / 2] * 1e9, lat[(long)(n * 0.99) < n ? (long)(n * 0.99) : n - 1] * 1e9, lat[n - 1] * 1e9);
    return 0;
}
