/*
 * dirlist.c - the names an output directory did not have when the run
 * read it; see dirlist.h.
 */
#include "config.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <linux/fs.h>
#include <linux/magic.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/stat.h>
#include <sys/vfs.h>
#include <unistd.h>

#include "dirlist.h"
#include "mem.h"

#ifndef FS_CASEFOLD_FL
#define FS_CASEFOLD_FL 0x40000000
#endif
#ifndef XFS_SUPER_MAGIC
#define XFS_SUPER_MAGIC 0x58465342
#endif

/* One directory: counting lookups, read, or not to be read. */
struct dir {
    char *path;            /* as the outputs name it; NULL: slot free */
    enum { DIR_COUNTING, DIR_LISTED, DIR_UNLISTABLE } state;
    size_t lookups;
    size_t wait_for;       /* lookups before reading it (its size known) */
    uint64_t *names;       /* DIR_LISTED: hashes of its entries, sorted */
    size_t nnames;
    uint64_t used;         /* when last asked about */
};

struct dirlist {
    struct dir dirs[DIRLIST_DIRS];
    uint64_t clock;
    size_t saved, listed;
};

struct dirlist *
dirlist_new(void)
{
    return xcalloc(1, sizeof(struct dirlist));
}

static void
dir_clear(struct dir *d)
{
    xfree(d->path);
    xfree(d->names);
    memset(d, 0, sizeof *d);
}

void
dirlist_free(struct dirlist *dl)
{
    if (dl == NULL)
        return;
    for (size_t i = 0; i < DIRLIST_DIRS; i++)
        dir_clear(&dl->dirs[i]);
    xfree(dl);
}

size_t dirlist_saved(const struct dirlist *dl) { return dl->saved; }
size_t dirlist_listed(const struct dirlist *dl) { return dl->listed; }

/* FNV-1a, 64 bits: two names that hash alike only cost a lookup. */
static uint64_t
name_hash(const char *s)
{
    uint64_t h = 14695981039346656037ULL;
    for (; *s != '\0'; s++)
        h = (h ^ (unsigned char)*s) * 1099511628211ULL;
    return h;
}

static int
compare_u64(const void *a, const void *b)
{
    uint64_t x = *(const uint64_t *)a, y = *(const uint64_t *)b;
    return x < y ? -1 : x > y;
}

/* A file system whose names are compared byte for byte, on this machine:
 * a listing of it says what a lookup would. */
static bool
exact_names(int fd)
{
    struct statfs fs;
    if (fstatfs(fd, &fs) != 0)
        return false;
    switch ((unsigned long)fs.f_type) {
    case EXT4_SUPER_MAGIC:    /* ext2 and ext3 too */
    case XFS_SUPER_MAGIC:
    case BTRFS_SUPER_MAGIC:
    case TMPFS_MAGIC:
        break;
    default:
        return false;
    }
    int flags = 0;
    if (ioctl(fd, FS_IOC_GETFLAGS, &flags) == 0 && (flags & FS_CASEFOLD_FL) != 0)
        return false;
    return true;
}

/* Reads the directory open on fd (and closes it): its names' hashes,
 * sorted, in d.  False when it cannot be read whole. */
static bool
read_names(struct dir *d, int fd)
{
    DIR *dir = fdopendir(fd);
    if (dir == NULL) {
        close(fd);
        return false;
    }
    size_t cap = 64;
    d->names = xmalloc(cap * sizeof *d->names);
    d->nnames = 0;
    const struct dirent *e;
    errno = 0;
    /* cppcheck-suppress readdirCalled ; one stream, one thread: readdir_r is obsolete */
    while ((e = readdir(dir)) != NULL) {
        if (e->d_name[0] == '.' && (e->d_name[1] == '\0' ||
                                    (e->d_name[1] == '.' && e->d_name[2] == '\0')))
            continue;
        if (d->nnames == cap) {
            cap *= 2;
            d->names = xrealloc(d->names, cap * sizeof *d->names);
        }
        d->names[d->nnames++] = name_hash(e->d_name);
    }
    bool whole = errno == 0;
    closedir(dir);
    if (!whole) {
        xfree(d->names);
        d->names = NULL;
        d->nnames = 0;
        return false;
    }
    qsort(d->names, d->nnames, sizeof *d->names, compare_u64);
    return true;
}

/* The lookups into d have reached a point to decide: read it now, wait
 * for more (a large directory), or never. */
static void
consider(struct dirlist *dl, struct dir *d)
{
    int fd = open(d->path, O_RDONLY | O_DIRECTORY | O_CLOEXEC | O_NOCTTY);
    struct stat st;
    if (fd < 0 || fstat(fd, &st) != 0 || !exact_names(fd) || st.st_size < 0 ||
        (uint64_t)st.st_size > DIRLIST_MAX_BYTES) {
        if (fd >= 0)
            close(fd);
        d->state = DIR_UNLISTABLE;
        return;
    }
    size_t need = (size_t)st.st_size / DIRLIST_BYTES_PER_LOOKUP;
    if (d->lookups < need) {
        close(fd);
        d->wait_for = need;
        return;
    }
    d->state = read_names(d, fd) ? DIR_LISTED : DIR_UNLISTABLE;
    if (d->state == DIR_LISTED)
        dl->listed++;
}

/* The record of directory `dir` (len bytes), made if new. */
static struct dir *
find_dir(struct dirlist *dl, const char *dir, size_t len)
{
    struct dir *oldest = &dl->dirs[0];
    for (size_t i = 0; i < DIRLIST_DIRS; i++) {
        struct dir *d = &dl->dirs[i];
        if (d->path != NULL && strlen(d->path) == len && memcmp(d->path, dir, len) == 0)
            return d;
        if (d->path == NULL || (oldest->path != NULL && d->used < oldest->used))
            oldest = d;
    }
    dir_clear(oldest);
    oldest->path = xstrndup(dir, len);
    oldest->wait_for = DIRLIST_MIN_LOOKUPS;
    return oldest;
}

bool
dirlist_absent(struct dirlist *dl, const char *path)
{
    if (dl == NULL)
        return false;
    const char *slash = strrchr(path, '/');
    const char *base = slash != NULL ? slash + 1 : path;
    if (*base == '\0' || strcmp(base, ".") == 0 || strcmp(base, "..") == 0)
        return false;
    const char *dir = slash == NULL ? "." : slash == path ? "/" : path;
    size_t len = slash == NULL ? 1 : slash == path ? 1 : (size_t)(slash - path);
    struct dir *d = find_dir(dl, dir, len);
    d->used = ++dl->clock;
    d->lookups++;
    if (d->state == DIR_COUNTING && d->lookups >= d->wait_for)
        consider(dl, d);
    if (d->state != DIR_LISTED)
        return false;
    uint64_t h = name_hash(base);
    if (bsearch(&h, d->names, d->nnames, sizeof h, compare_u64) != NULL)
        return false;
    dl->saved++;
    return true;
}
