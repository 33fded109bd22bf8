/* Unit tests of src/dirlist.c: when a directory is read, and that a name
 * it holds is never said to be absent. */
#include "config.h"

#include <fcntl.h>
#include <ftw.h>
#include <linux/magic.h>
#include <stdlib.h>
#include <sys/stat.h>
#include <sys/vfs.h>
#include <unistd.h>

#include "check.h"
#include "dirlist.h"
#include "mem.h"

static int
remove_one(const char *path, const struct stat *st, int flag, struct FTW *ftw)
{
    (void)st;
    (void)flag;
    (void)ftw;
    return remove(path);
}

static void
touch(const char *dir, const char *name)
{
    char path[1024];
    snprintf(path, sizeof path, "%s/%s", dir, name);
    int fd = open(path, O_WRONLY | O_CREAT | O_TRUNC, 0644);
    CHECK(fd >= 0);
    if (fd >= 0)
        close(fd);
}

static uint64_t now;    /* the clock dirlist is given, in ms */

/* n lookups of distinct absent names in dir; how many were said absent. */
static size_t
ask(struct dirlist *dl, const char *dir, const char *prefix, size_t n)
{
    size_t n_absent = 0;
    char path[1024];
    for (size_t i = 0; i < n; i++) {
        snprintf(path, sizeof path, "%s/%s%zu", dir, prefix, i);
        n_absent += dirlist_absent(dl, path, now);
    }
    return n_absent;
}

static bool
absent(struct dirlist *dl, const char *dir, const char *name)
{
    char path[1024];
    snprintf(path, sizeof path, "%s/%s", dir, name);
    return dirlist_absent(dl, path, now);
}

/* A directory for the test on a file system dirlist reads, or NULL. */
static char *
make_dir(const char *base)
{
    char tmpl[512];
    snprintf(tmpl, sizeof tmpl, "%s/test_dirlist.XXXXXX", base);
    char *d = mkdtemp(tmpl);
    if (d == NULL)
        return NULL;
    struct statfs fs;
    if (statfs(d, &fs) == 0 && (fs.f_type == EXT4_SUPER_MAGIC || fs.f_type == TMPFS_MAGIC ||
                                fs.f_type == BTRFS_SUPER_MAGIC))
        return xstrdup(d);
    rmdir(d);
    return NULL;
}

int
main(void)
{
    const char *tmp = getenv("TMPDIR");
    char *d = make_dir(tmp != NULL ? tmp : "/tmp");
    if (d == NULL)
        d = make_dir("/dev/shm");
    if (d == NULL) {
        printf("test_dirlist: no ext4, Btrfs or tmpfs directory to list: skipped\n");
        return 77;
    }
    touch(d, "there");
    touch(d, "there.part");
    touch(d, "f00001");

    /* NULL: nothing is known. */
    CHECK(!dirlist_absent(NULL, "x", 0));

    now = 5000;
    struct dirlist *dl = dirlist_new();
    /* Until DIRLIST_MIN_LOOKUPS, every name is looked up. */
    CHECK_U64(ask(dl, d, "early", DIRLIST_MIN_LOOKUPS - 1), 0);
    CHECK_U64(dirlist_reads(dl), 0);
    /* The lookup that reaches it reads the directory, and is answered. */
    CHECK(absent(dl, d, "new"));
    CHECK_U64(dirlist_reads(dl), 1);
    /* A name asked about before the reading is looked up when asked
     * again. */
    CHECK(!absent(dl, d, "early3"));
    /* A name the directory holds: never absent, however often asked. */
    for (int i = 0; i < 3; i++) {
        CHECK(!absent(dl, d, "there"));
        CHECK(!absent(dl, d, "there.part"));
        CHECK(!absent(dl, d, "f00001"));
    }
    CHECK(absent(dl, d, "f00002"));
    CHECK(absent(dl, d, "there.part.haul"));
    /* Said absent once, a name is looked up when asked again: a job done
     * earlier in the run may have made it. */
    CHECK(!absent(dl, d, "new"));
    CHECK(!absent(dl, d, "f00002"));
    /* No last component, ".", "..": not known. */
    CHECK(!absent(dl, d, ""));
    CHECK(!absent(dl, d, "."));
    CHECK(!absent(dl, d, ".."));
    /* A name made after the reading is not seen while it answers... */
    touch(d, "late");
    now += DIRLIST_MAX_AGE_MS - 1;
    CHECK(absent(dl, d, "late"));
    CHECK_U64(dirlist_reads(dl), 1);
    CHECK_U64(dirlist_saved(dl), 4);
    /* ... and then no name is taken from it until enough lookups have come
     * to read it again: DIRLIST_MIN_LOOKUPS since the last reading (15 so
     * far: 1 + 9 + 2 + 2 + "late"). */
    touch(d, "later");
    now += 1;
    CHECK(absent(dl, d, "x1"));           /* the 16th: read again */
    CHECK_U64(dirlist_reads(dl), 2);
    CHECK(!absent(dl, d, "later"));       /* seen by the second reading */
    CHECK(!absent(dl, d, "late"));
    CHECK(!absent(dl, d, "there"));       /* still there */
    CHECK(absent(dl, d, "x3"));
    /* Expired again, and too few lookups since: every name is looked up. */
    now += DIRLIST_MAX_AGE_MS;
    CHECK_U64(ask(dl, d, "y", DIRLIST_MIN_LOOKUPS - 5), 0);
    CHECK_U64(dirlist_reads(dl), 2);

    /* A directory that cannot be read is never listed. */
    char missing[768];
    snprintf(missing, sizeof missing, "%s/no-such-dir", d);
    CHECK_U64(ask(dl, missing, "x", 3 * DIRLIST_MIN_LOOKUPS), 0);
    CHECK_U64(dirlist_reads(dl), 2);

    /* A large directory waits for one lookup per DIRLIST_BYTES_PER_LOOKUP
     * bytes of it. */
    char big[768];
    snprintf(big, sizeof big, "%s/big", d);
    CHECK(mkdir(big, 0755) == 0);
    char name[80];
    for (int i = 0; i < 2000; i++) {
        snprintf(name, sizeof name, "a-rather-long-name-so-the-directory-grows-%05d", i);
        touch(big, name);
    }
    struct stat st;
    CHECK(stat(big, &st) == 0);
    size_t need = (size_t)st.st_size / DIRLIST_BYTES_PER_LOOKUP;
    CHECK(need > DIRLIST_MIN_LOOKUPS);
    CHECK_U64(ask(dl, big, "y", need - 1), 0);
    CHECK(absent(dl, big, "z"));
    CHECK(!absent(dl, big, "a-rather-long-name-so-the-directory-grows-01999"));
    CHECK(!absent(dl, big, "a-rather-long-name-so-the-directory-grows-00000"));

    /* DIRLIST_DIRS directories in a run (d, missing and big so far); the
     * names of any other are looked up, always. */
    char sub[768];
    for (int k = 3; k <= DIRLIST_DIRS; k++) {
        snprintf(sub, sizeof sub, "%s/s%d", d, k);
        CHECK(mkdir(sub, 0755) == 0);
        CHECK_U64(ask(dl, sub, "q", DIRLIST_MIN_LOOKUPS), k < DIRLIST_DIRS ? 1 : 0);
    }
    CHECK_U64(ask(dl, sub, "r", 3 * DIRLIST_MIN_LOOKUPS), 0);
    dirlist_free(dl);
    dirlist_free(NULL);

    CHECK(nftw(d, remove_one, 16, FTW_DEPTH | FTW_PHYS) == 0);
    xfree(d);
    return check_done("test_dirlist");
}
