/*
 * dirlist.c - the names an output directory did not have when the run
 * last read it; see dirlist.h.
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

/* A set of 64-bit name hashes: open addressing, linear probing, at most
 * half full; 0 marks a free slot (a hash of 0 is stored as 1). */
struct names {
    uint64_t *slot;
    size_t cap, n;    /* cap: a power of two, or 0 */
};

static uint64_t
stored(uint64_t h)
{
    return h != 0 ? h : 1;
}

static bool
names_has(const struct names *s, uint64_t h)
{
    if (s->cap == 0)
        return false;
    h = stored(h);
    for (size_t i = (size_t)h & (s->cap - 1);; i = (i + 1) & (s->cap - 1)) {
        if (s->slot[i] == h)
            return true;
        if (s->slot[i] == 0)
            return false;
    }
}

static void names_add(struct names *s, uint64_t h);

static void
names_grow(struct names *s)
{
    struct names bigger = { NULL, s->cap != 0 ? s->cap * 2 : 64, 0 };
    bigger.slot = xcalloc(bigger.cap, sizeof *bigger.slot);
    for (size_t i = 0; i < s->cap; i++)
        if (s->slot[i] != 0)
            names_add(&bigger, s->slot[i]);
    xfree(s->slot);
    *s = bigger;
}

static void
names_add(struct names *s, uint64_t h)
{
    if (2 * (s->n + 1) > s->cap)
        names_grow(s);
    h = stored(h);
    size_t i = (size_t)h & (s->cap - 1);
    while (s->slot[i] != 0 && s->slot[i] != h)
        i = (i + 1) & (s->cap - 1);
    if (s->slot[i] == 0) {
        s->slot[i] = h;
        s->n++;
    }
}

static void
names_clear(struct names *s)
{
    xfree(s->slot);
    memset(s, 0, sizeof *s);
}

/* One directory: counting lookups towards a reading, or read (and maybe
 * counting towards the next), or never to be read. */
struct dir {
    char *path;            /* as the outputs name it; NULL: slot free */
    bool unreadable;       /* not to be read: every name is looked up */
    bool read;             /* names holds a reading (and the names asked) */
    uint64_t read_ms;      /* when it was read last */
    size_t lookups;        /* since it was read last (or since first asked) */
    size_t wait_for;       /* lookups that pay for the next reading */
    struct names names;
};

struct dirlist {
    struct dir dirs[DIRLIST_DIRS];
    size_t saved, reads;
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
    names_clear(&d->names);
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
size_t dirlist_reads(const struct dirlist *dl) { return dl->reads; }

/* FNV-1a, 64 bits: two names that hash alike only cost a lookup. */
static uint64_t
name_hash(const char *s)
{
    uint64_t h = 14695981039346656037ULL;
    for (; *s != '\0'; s++)
        h = (h ^ (unsigned char)*s) * 1099511628211ULL;
    return h;
}

/* A file system whose names are compared byte for byte: a listing of it
 * says what a lookup would. */
static bool
exact_names(int fd)
{
    struct statfs fs;
    if (fstatfs(fd, &fs) != 0)
        return false;
    switch ((unsigned long)fs.f_type) {
    case EXT4_SUPER_MAGIC:    /* ext2 and ext3 too */
    case BTRFS_SUPER_MAGIC:
    case TMPFS_MAGIC:
        break;
    default:
        return false;
    }
    int flags = 0;
    if (ioctl(fd, FS_IOC_GETFLAGS, &flags) != 0)
        return errno == ENOTTY;    /* a tmpfs without the flags */
    return (flags & FS_CASEFOLD_FL) == 0;
}

/* Adds the names of the directory open on fd (and closes it) to d's.
 * False when it cannot be read whole. */
static bool
read_names(struct dir *d, int fd)
{
    DIR *dir = fdopendir(fd);
    if (dir == NULL) {
        close(fd);
        return false;
    }
    for (;;) {
        errno = 0;
        /* cppcheck-suppress readdirCalled ; one stream, one thread: readdir_r is obsolete */
        const struct dirent *e = readdir(dir);
        if (e == NULL)
            break;
        if (e->d_name[0] == '.' && (e->d_name[1] == '\0' ||
                                    (e->d_name[1] == '.' && e->d_name[2] == '\0')))
            continue;
        names_add(&d->names, name_hash(e->d_name));
    }
    bool whole = errno == 0;
    closedir(dir);
    return whole;
}

/* The directory is not to be read again: every name is looked up. */
static void
give_up(struct dir *d)
{
    names_clear(&d->names);
    d->read = false;
    d->unreadable = true;
}

/* Whether d's last reading still answers at now_ms. */
static bool
answers(const struct dir *d, uint64_t now_ms)
{
    return d->read && now_ms - d->read_ms < DIRLIST_MAX_AGE_MS;
}

/* Enough lookups have come since the last reading (or the first): read the
 * directory now, or wait for more (it is larger than they pay for), or
 * never. */
static void
consider(struct dirlist *dl, struct dir *d, uint64_t now_ms)
{
    int fd = open(d->path, O_RDONLY | O_DIRECTORY | O_CLOEXEC | O_NOCTTY);
    struct stat st;
    if (fd < 0 || fstat(fd, &st) != 0 || !exact_names(fd) || st.st_size < 0 ||
        (uint64_t)st.st_size > DIRLIST_MAX_BYTES) {
        if (fd >= 0)
            close(fd);
        give_up(d);
        return;
    }
    size_t need = (size_t)st.st_size / DIRLIST_BYTES_PER_LOOKUP;
    if (d->lookups < need) {
        close(fd);
        d->wait_for = need;
        return;
    }
    if (!read_names(d, fd)) {
        give_up(d);
        return;
    }
    d->read = true;
    d->read_ms = now_ms;
    d->lookups = 0;
    d->wait_for = DIRLIST_MIN_LOOKUPS;
    dl->reads++;
}

/* The record of directory `dir` (len bytes), made if new; NULL when
 * DIRLIST_DIRS are remembered already (none is forgotten: its names
 * asked about must stay known for the run). */
static struct dir *
find_dir(struct dirlist *dl, const char *dir, size_t len)
{
    for (size_t i = 0; i < DIRLIST_DIRS; i++) {
        struct dir *d = &dl->dirs[i];
        if (d->path == NULL) {
            d->path = xstrndup(dir, len);
            d->wait_for = DIRLIST_MIN_LOOKUPS;
            return d;
        }
        if (strlen(d->path) == len && memcmp(d->path, dir, len) == 0)
            return d;
    }
    return NULL;
}

bool
dirlist_absent(struct dirlist *dl, const char *path, uint64_t now_ms)
{
    if (dl == NULL)
        return false;
    const char *slash = strrchr(path, '/');
    const char *base = slash != NULL ? slash + 1 : path;
    if (*base == '\0' || strcmp(base, ".") == 0 || strcmp(base, "..") == 0)
        return false;
    const char *dir = slash == NULL ? "." : slash == path ? "/" : path;
    size_t len = slash == NULL || slash == path ? 1 : (size_t)(slash - path);
    struct dir *d = find_dir(dl, dir, len);
    if (d == NULL || d->unreadable)
        return false;
    d->lookups++;
    if (!answers(d, now_ms) && d->lookups >= d->wait_for)
        consider(dl, d, now_ms);
    if (d->unreadable)
        return false;
    /* Every name asked about joins the set: asked again (an -i line naming
     * the file of a job done earlier), it is looked up, for its download
     * may have made it since. */
    uint64_t h = name_hash(base);
    bool known = names_has(&d->names, h);
    if (!known)
        names_add(&d->names, h);
    if (known || !answers(d, now_ms))
        return false;
    dl->saved++;
    return true;
}
