/*
 * fsfloor.c - the file system's part of writing many small files, without
 * the network: the system calls curl and haul make for each new output
 * file, N times in a directory, and the CPU time they cost.
 *
 * Usage: fsfloor curl|haul DIR N SIZE
 * Prints one line: "PATTERN N files: X us of CPU per file (user U, sys S)".
 *
 * The patterns, as strace shows them for a new file of one response:
 *   curl: openat(FILE, O_CREAT|O_TRUNC), fstat, write, close
 *   haul: lstat FILE and FILE.part (what is there before anything is
 *         asked; the journal is looked for only when there is a FILE.part
 *         or -c), for the first 8 files only: the 16th of those lookups
 *         reads the directory once (src/dirlist.c), and a name it did not
 *         hold needs no lookup; then openat(DIR, O_TMPFILE) (a body of at
 *         most 1 MiB that completes before the first journal save),
 *         pwritev, linkat(/proc/self/fd/N, FILE), close
 * haul's extra calls are what makes a download crash-safe: nothing under
 * FILE before it is whole, no FILE.part of someone else's overlooked, and
 * no planted link written through.  bench.sh runs this in case 6 to show
 * that price next to the tools' own figures.
 */
#define _GNU_SOURCE
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/file.h>
#include <sys/resource.h>
#include <sys/stat.h>
#include <sys/uio.h>
#include <unistd.h>

static void
fail(const char *what, const char *path)
{
    fprintf(stderr, "fsfloor: %s %s: %s\n", what, path, strerror(errno));
    exit(1);
}

static void
one_curl(const char *path, const char *buf, size_t size)
{
    struct stat st;
    int fd = open(path, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0666);
    if (fd < 0)
        fail("open", path);
    if (fstat(fd, &st) != 0)
        fail("fstat", path);
    if (write(fd, buf, size) != (ssize_t)size)
        fail("write", path);
    if (close(fd) != 0)
        fail("close", path);
}

/* What haul's src/dirlist.c does once, on the 16th lookup into DIR. */
static void
list_dir(const char *dir)
{
    DIR *d = opendir(dir);
    if (d == NULL)
        fail("opendir", dir);
    size_t n = 0;
    while (readdir(d) != NULL)
        n++;
    closedir(d);
    if (n > 2 + 8) {    /* ".", "..", and the first 8 files */
        errno = EEXIST;
        fail("a new directory holds files:", dir);
    }
}

static void
one_haul(const char *dir, const char *path, const char *buf, size_t size, bool look)
{
    char part[4200], proc[40];    /* path is under 4000 */
    struct stat st;
    snprintf(part, sizeof part, "%s.part", path);
    /* Each of these is expected to find nothing. */
    if (look && (lstat(path, &st) == 0 || lstat(part, &st) == 0)) {
        errno = EEXIST;
        fail("lstat", path);
    }
    int fd = open(dir, O_TMPFILE | O_WRONLY | O_NOCTTY | O_CLOEXEC, 0666);
    if (fd < 0)
        fail("open", dir);
    struct iovec iov = { (void *)buf, size };
    if (pwritev(fd, &iov, 1, 0) != (ssize_t)size)
        fail("pwritev", dir);
    snprintf(proc, sizeof proc, "/proc/self/fd/%d", fd);
    if (linkat(AT_FDCWD, proc, AT_FDCWD, path, AT_SYMLINK_FOLLOW) != 0)
        fail("linkat", path);
    if (close(fd) != 0)
        fail("close", path);
}

int
main(int argc, char **argv)
{
    if (argc != 5 || (strcmp(argv[1], "curl") != 0 && strcmp(argv[1], "haul") != 0)) {
        fprintf(stderr, "usage: fsfloor curl|haul DIR N SIZE\n");
        return 2;
    }
    bool haul = strcmp(argv[1], "haul") == 0;
    long n = atol(argv[3]);
    size_t size = (size_t)atol(argv[4]);
    char *buf = malloc(size > 0 ? size : 1);
    char path[4000];
    if (buf == NULL || n <= 0)
        return 2;
    memset(buf, 'x', size);
    for (long i = 0; i < n; i++) {
        snprintf(path, sizeof path, "%s/f%05ld", argv[2], i);
        if (haul && i == 8)
            list_dir(argv[2]);
        if (haul)
            one_haul(argv[2], path, buf, size, i < 8);
        else
            one_curl(path, buf, size);
    }
    struct rusage ru;
    getrusage(RUSAGE_SELF, &ru);
    double user = (double)ru.ru_utime.tv_sec + (double)ru.ru_utime.tv_usec / 1e6;
    double sys = (double)ru.ru_stime.tv_sec + (double)ru.ru_stime.tv_usec / 1e6;
    printf("%s %ld files: %.1f us of CPU per file (user %.3f s, sys %.3f s)\n", argv[1], n,
           (user + sys) * 1e6 / (double)n, user, sys);
    free(buf);
    return 0;
}
