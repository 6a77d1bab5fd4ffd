/*
 * oplat: per-operation latency from one process, without process start-up in the figure.
 *
 *   oplat OP DIR N     OP: getxattr | stat | open
 *
 * Cycles through DIR's regular files (names read once, up front) and performs N operations,
 * then prints "ops=N total_s=T ns_per_op=X". getxattr asks for "security.selinux" as ls -l
 * does: the kernel caches no xattrs for FUSE, so every call is a round trip to the daemon.
 * stat is lstat(2) (served from the kernel's attribute cache while it is valid); open is
 * open(O_RDONLY)+close(2) (OPEN, FLUSH and RELEASE for FUSE).
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

int main(int argc, char **argv)
{
    if (argc != 4) {
        fprintf(stderr, "usage: oplat getxattr|stat|open DIR N\n");
        return 2;
    }
    const char *op = argv[1], *dir = argv[2];
    long n = atol(argv[3]);
    DIR *d = opendir(dir);
    if (!d) {
        perror(dir);
        return 1;
    }
    size_t cap = 1024, count = 0;
    char **paths = malloc(cap * sizeof *paths);
    struct dirent *e;
    while ((e = readdir(d)) != NULL) {
        if (e->d_type != DT_REG)
            continue;
        if (count == cap)
            paths = realloc(paths, (cap *= 2) * sizeof *paths);
        if (asprintf(&paths[count++], "%s/%s", dir, e->d_name) < 0)
            return 1;
    }
    closedir(d);
    if (count == 0) {
        fprintf(stderr, "%s: no regular files\n", dir);
        return 1;
    }

    char buf[256];
    struct stat st;
    double t0 = now();
    for (long i = 0; i < n; i++) {
        const char *p = paths[i % count];
        if (strcmp(op, "getxattr") == 0) {
            if (lgetxattr(p, "security.selinux", buf, sizeof buf) < 0 && errno != ENODATA && errno != EOPNOTSUPP) {
                perror(p);
                return 1;
            }
        } else if (strcmp(op, "stat") == 0) {
            if (lstat(p, &st) < 0) {
                perror(p);
                return 1;
            }
        } else if (strcmp(op, "open") == 0) {
            int fd = open(p, O_RDONLY);
            if (fd < 0) {
                perror(p);
                return 1;
            }
            close(fd);
        } else {
            fprintf(stderr, "unknown op %s\n", op);
            return 2;
        }
    }
    double t = now() - t0;
    printf("ops=%ld total_s=%.3f ns_per_op=%.0f\n", n, t, t * 1e9 / n);
    return 0;
}
