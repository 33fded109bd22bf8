/*
 * journal.c - encode, decode and crash-safe save of FILE.part.haul; see
 * journal.h.
 */
#include "config.h"

#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cjson/cJSON.h>

#include "http.h"
#include "journal.h"
#include "mem.h"
#include "text.h"

static bool
add_u64(cJSON *obj, const char *name, bool known, uint64_t v)
{
    char buf[24];
    if (known)
        snprintf(buf, sizeof buf, "%" PRIu64, v);
    else
        buf[0] = '\0';
    return cJSON_AddStringToObject(obj, name, buf) != NULL;
}

/* "written": zero-padded to a fixed width, so it can be patched in place. */
static bool
add_written(cJSON *obj, uint64_t v)
{
    char buf[JOURNAL_WRITTEN_DIGITS + 1];
    snprintf(buf, sizeof buf, "%0*" PRIu64, JOURNAL_WRITTEN_DIGITS, v);
    return cJSON_AddStringToObject(obj, "written", buf) != NULL;
}

/*
 * Finds each segment's "written" digits in the printed text: the key
 * "written" can only appear as a key there (in a string value its quotes
 * would be escaped), and the segments are printed last, in order.
 */
static bool
find_written(const char *text, unsigned n, size_t *at)
{
    const char *p = strstr(text, "\"segments\":");
    for (unsigned i = 0; i < n; i++) {
        p = p != NULL ? strstr(p, "\"written\":") : NULL;
        if (p == NULL)
            return false;
        p = strchr(p + 10, '"');
        if (p == NULL || strspn(p + 1, "0123456789") != JOURNAL_WRITTEN_DIGITS)
            return false;
        p++;
        at[i] = (size_t)(p - text);
        p += JOURNAL_WRITTEN_DIGITS;
    }
    return true;
}

static bool
add_sources(cJSON *root, const struct journal *j)
{
    cJSON *a = cJSON_AddArrayToObject(root, "sources");
    if (a == NULL)
        return false;
    for (unsigned i = 0; i < j->nsources; i++) {
        char *r = text_utf8_repair(j->sources[i] ? j->sources[i] : "");
        cJSON *u = cJSON_CreateString(r);
        xfree(r);
        if (u == NULL)
            return false;
        cJSON_AddItemToArray(a, u);
    }
    return cJSON_AddNumberToObject(root, "source", j->source) != NULL;
}

char *
journal_encode_at(const struct journal *j, size_t *written_at)
{
    cJSON *root = cJSON_CreateObject();
    cJSON *segs = NULL;
    char *text = NULL, *out = NULL;

    if (root == NULL)
        goto out;
    if (cJSON_AddNumberToObject(root, "schema", JOURNAL_SCHEMA) == NULL ||
        text_json_add(root, "url", j->url ? j->url : "") == NULL ||
        text_json_add(root, "final_url", j->final_url ? j->final_url : "") == NULL ||
        text_json_add(root, "etag", j->etag) == NULL ||
        text_json_add(root, "last_modified", j->last_modified) == NULL ||
        !add_u64(root, "total", j->total_known, j->total) ||
        text_json_add(root, "boot_id", j->boot_id) == NULL)
        goto out;
    segs = cJSON_AddArrayToObject(root, "segments");
    if (segs == NULL)
        goto out;
    for (unsigned i = 0; i < j->nsegments; i++) {
        cJSON *s = cJSON_CreateObject();
        if (s == NULL)
            goto out;
        cJSON_AddItemToArray(segs, s);
        uint64_t written = j->seg[i].written > j->seg[i].next ? j->seg[i].written
                                                              : j->seg[i].next;
        if (!add_u64(s, "start", true, j->seg[i].start) ||
            !add_u64(s, "end", j->seg[i].end_known, j->seg[i].end) ||
            !add_u64(s, "next", true, j->seg[i].next) || !add_written(s, written))
            goto out;
        if (j->nsources > 1 && j->seg[i].source >= 0 &&
            cJSON_AddNumberToObject(s, "source", j->seg[i].source) == NULL)
            goto out;
    }
    if (j->nsources > 1 && !add_sources(root, j))
        goto out;
    text = cJSON_Print(root);
    if (text == NULL)
        goto out;
    if (written_at != NULL && !find_written(text, j->nsegments, written_at))
        goto out;
    out = xstrdup(text);
out:
    cJSON_free(text);
    cJSON_Delete(root);
    return out;
}

char *
journal_encode(const struct journal *j)
{
    return journal_encode_at(j, NULL);
}

static bool
get_string(const cJSON *obj, const char *name, const char **out)
{
    const cJSON *item = cJSON_GetObjectItemCaseSensitive(obj, name);
    if (!cJSON_IsString(item))
        return false;
    *out = item->valuestring;
    return true;
}

/* "" means unknown; otherwise strictly decimal. */
static bool
get_u64(const cJSON *obj, const char *name, bool *known, uint64_t *v)
{
    const char *s;
    if (!get_string(obj, name, &s))
        return false;
    *known = s[0] != '\0';
    *v = 0;
    for (; *s; s++) {
        if (*s < '0' || *s > '9' || *v > (UINT64_MAX - 9) / 10)
            return false;
        *v = *v * 10 + (uint64_t)(*s - '0');
    }
    return true;
}

/* The rule of a response's (head.c): an unusable one is not one haul
 * could have written, and it would go back in If-Range.  Read as UTF-8
 * like every string of the journal (see journal_decode). */
static bool
copy_validator(char *dst, const char *src)
{
    char *fixed = text_utf8_repair(src);
    size_t n = strlen(fixed);
    bool ok = http_validator_usable(fixed, n, VALIDATOR_MAX);
    if (ok)
        memcpy(dst, fixed, n + 1);
    xfree(fixed);
    return ok;
}

/*
 * An index: a whole number from -1 to below `below`.  The range is checked
 * before the conversion to int, which for a number out of int's range
 * (1e300, or the infinity cJSON reads for 1e999) would be undefined.
 */
static bool
get_index(const cJSON *n, int below, int *out)
{
    if (!cJSON_IsNumber(n) || !(n->valuedouble >= -1 && n->valuedouble < below))
        return false;
    int v = (int)n->valuedouble;
    if ((double)v != n->valuedouble)
        return false;
    *out = v;
    return true;
}

/* "sources" and "source", optional: at most JOURNAL_MAX_SOURCES
 * strings, and an index among them or -1. */
static bool
get_sources(const cJSON *root, struct journal *j)
{
    const cJSON *a = cJSON_GetObjectItemCaseSensitive(root, "sources");
    const cJSON *n = cJSON_GetObjectItemCaseSensitive(root, "source");
    const cJSON *u;
    if (a == NULL && n == NULL)
        return true;
    if (!cJSON_IsArray(a) || cJSON_GetArraySize(a) > JOURNAL_MAX_SOURCES ||
        !get_index(n, cJSON_GetArraySize(a), &j->source))
        return false;
    cJSON_ArrayForEach(u, a) {
        if (!cJSON_IsString(u)) {
            journal_clear(j);
            return false;
        }
        j->sources[j->nsources++] = text_utf8_repair(u->valuestring);
    }
    return true;
}

/* "sources", "source", and the segments' "source" among them. */
static bool
get_all_sources(const cJSON *root, struct journal *j)
{
    if (!get_sources(root, j))
        return false;
    for (unsigned i = 0; i < j->nsegments; i++) {
        if (j->seg[i].source >= (int)j->nsources) {
            journal_clear(j);
            return false;
        }
    }
    return true;
}

/* A segment's "source", optional: an index among "sources" (checked
 * against their number once they are read), or -1. */
static bool
get_segment_source(const cJSON *seg, int *source)
{
    const cJSON *n = cJSON_GetObjectItemCaseSensitive(seg, "source");
    *source = -1;
    return n == NULL || get_index(n, JOURNAL_MAX_SOURCES, source);
}

bool
journal_decode(const char *text, struct journal *j)
{
    cJSON *root = cJSON_Parse(text);
    const char *url, *final_url, *etag, *lm;
    bool ok = false, known;
    const cJSON *segs, *s;

    memset(j, 0, sizeof *j);
    if (root == NULL)
        goto out;
    const cJSON *schema = cJSON_GetObjectItemCaseSensitive(root, "schema");
    if (!cJSON_IsNumber(schema) || schema->valuedouble != JOURNAL_SCHEMA)
        goto out;
    if (!get_string(root, "url", &url) || !get_string(root, "final_url", &final_url) ||
        !get_string(root, "etag", &etag) || !get_string(root, "last_modified", &lm) ||
        !get_u64(root, "total", &j->total_known, &j->total))
        goto out;
    if (!copy_validator(j->etag, etag) || !copy_validator(j->last_modified, lm))
        goto out;
    /* Absent in journals of older haul versions. */
    const cJSON *boot = cJSON_GetObjectItemCaseSensitive(root, "boot_id");
    if (boot != NULL) {
        if (!cJSON_IsString(boot) || strlen(boot->valuestring) >= sizeof j->boot_id ||
            strspn(boot->valuestring, "0123456789abcdef-") != strlen(boot->valuestring))
            goto out;
        memcpy(j->boot_id, boot->valuestring, strlen(boot->valuestring) + 1);
    }
    segs = cJSON_GetObjectItemCaseSensitive(root, "segments");
    if (!cJSON_IsArray(segs))
        goto out;
    cJSON_ArrayForEach(s, segs) {
        if (j->nsegments == JOURNAL_MAX_SEGMENTS)
            goto out;
        struct journal_segment *g = &j->seg[j->nsegments++];
        if (!get_u64(s, "start", &known, &g->start) || !known ||
            !get_u64(s, "end", &g->end_known, &g->end) ||
            !get_u64(s, "next", &known, &g->next) || !known || !get_segment_source(s, &g->source))
            goto out;
        if (g->next < g->start || (g->end_known && g->next > g->end) ||
            (j->total_known && (g->next > j->total || (g->end_known && g->end > j->total))))
            goto out;
        /* Optional: older journals have none (then it is next). */
        g->written = g->next;
        if (cJSON_GetObjectItemCaseSensitive(s, "written") != NULL &&
            (!get_u64(s, "written", &known, &g->written) || !known ||
             g->written < g->next || (g->end_known && g->written > g->end) ||
             (j->total_known && g->written > j->total)))
            goto out;
        /* Parts as haul writes them: in order, each after the one before
         * ends (only the last may have no end). */
        if (j->nsegments > 1) {
            const struct journal_segment *prev = g - 1;
            if (!prev->end_known || g->start < prev->end)
                goto out;
        }
    }
    /* haul's first part always starts at 0, and -c takes bytes [0, next)
     * of it as held: a first part starting further on is not a journal
     * haul wrote, and trusting it would keep unfetched bytes. */
    if (j->nsegments == 0 || j->seg[0].start != 0)
        goto out;
    /* The journal is UTF-8 JSON: haul writes each byte of a string that is
     * not UTF-8 as U+FFFD, and reads any such byte (from an older haul, or
     * damage) the same way, so what it reads it writes back unchanged.  A
     * validator changed so never matches in If-Range: the server then
     * sends the whole body and haul starts over, never splices. */
    j->source = -1;
    if (!get_all_sources(root, j))
        goto out;
    j->url = text_utf8_repair(url);
    j->final_url = final_url[0] ? text_utf8_repair(final_url) : NULL;
    ok = true;
out:
    cJSON_Delete(root);
    if (!ok)
        memset(j, 0, sizeof *j);
    return ok;
}

void
journal_clear(struct journal *j)
{
    xfree(j->url);
    xfree(j->final_url);
    j->url = j->final_url = NULL;
    for (unsigned i = 0; i < j->nsources; i++)
        xfree(j->sources[i]);
    j->nsources = 0;
}

void
journal_copy(struct journal *dst, const struct journal *src)
{
    *dst = *src;
    dst->url = src->url ? xstrdup(src->url) : NULL;
    dst->final_url = src->final_url ? xstrdup(src->final_url) : NULL;
    for (unsigned i = 0; i < src->nsources; i++)
        dst->sources[i] = src->sources[i] ? xstrdup(src->sources[i]) : NULL;
}

static int
write_all(int fd, const char *p, size_t len)
{
    while (len > 0) {
        ssize_t n = write(fd, p, len);
        if (n < 0) {
            if (errno == EINTR)
                continue;
            return errno;
        }
        p += n;
        len -= (size_t)n;
    }
    return 0;
}

static int
sync_dir_of(const char *path)
{
    /* Not dirname(): POSIX lets it be thread-unsafe, and this runs on
     * libuv's thread pool (output.c's save_work). */
    const char *slash = strrchr(path, '/');
    char *dir = slash == NULL ? xstrdup(".") :
                slash == path ? xstrdup("/") : xstrndup(path, (size_t)(slash - path));
    int fd = open(dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
    int rc = 0;
    xfree(dir);
    if (fd < 0)
        return errno;
    if (fsync(fd) != 0 && errno != EINVAL)
        rc = errno;
    close(fd);
    return rc;
}

/*
 * Creates the temporary file afresh: O_EXCL | O_NOFOLLOW never opens what
 * is there already.  A stale regular file (a save cut short by a crash) is
 * removed and the create tried once more; a symbolic link or anything else
 * is left alone and refused.
 */
static int
create_tmp(const char *tmp, int *fd)
{
    for (int tries = 0; tries < 2; tries++) {
        *fd = open(tmp, O_RDWR | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC | O_NOCTTY, 0666);
        if (*fd >= 0)
            return 0;
        if (errno != EEXIST)
            return errno;
        struct stat st;
        if (lstat(tmp, &st) != 0)
            continue;    /* gone meanwhile: try again */
        if (S_ISLNK(st.st_mode))
            return ELOOP;
        if (!S_ISREG(st.st_mode) || st.st_nlink > 1)
            return EEXIST;
        if (unlink(tmp) != 0 && errno != ENOENT)
            return errno;
    }
    return EEXIST;
}

/* Removes the temporary file of a failed save, if the name is still ours. */
static void
unlink_own(const char *tmp, int fd)
{
    struct stat mine, there;
    if (fd >= 0 && fstat(fd, &mine) == 0 && lstat(tmp, &there) == 0 &&
        mine.st_dev == there.st_dev && mine.st_ino == there.st_ino)
        unlink(tmp);
}

int
journal_save(const char *path, const struct journal *j, int data_fd,
             const struct journal_gate *gate, bool sync, struct journal_file *jf)
{
    char *text = NULL, *tmp = NULL;
    size_t at[JOURNAL_MAX_SEGMENTS] = { 0 };
    int fd = -1, rc = 0;
    bool published = false;

    if (jf != NULL) {
        jf->fd = -1;
        jf->seg = NULL;
    }
    /* The data the journal will name must be on disk first. */
    if (sync && data_fd >= 0 && fdatasync(data_fd) != 0 && errno != EINVAL) {
        rc = errno;
        goto out;
    }
    text = journal_encode_at(j, at);
    if (text == NULL) {
        rc = ENOMEM;
        goto out;
    }
    tmp = xconcat(path, ".tmp");
    if ((rc = create_tmp(tmp, &fd)) != 0)
        goto out;
    if ((rc = write_all(fd, text, strlen(text))) != 0 ||
        (rc = write_all(fd, "\n", 1)) != 0)
        goto out;
    if (sync && fsync(fd) != 0) {
        rc = errno;
        goto out;
    }
    if (gate != NULL) {
        uv_mutex_lock(gate->lock);
        if (*gate->obsolete) {
            uv_mutex_unlock(gate->lock);
            rc = ECANCELED;
            goto out;
        }
    }
    rc = rename(tmp, path) != 0 ? errno : 0;
    if (gate != NULL)
        uv_mutex_unlock(gate->lock);
    if (rc != 0)
        goto out;
    published = true;
    if (sync)
        rc = sync_dir_of(path);
out:
    if (rc != 0 && !published)
        unlink_own(tmp, fd);
    if (rc == 0 && jf != NULL) {
        jf->fd = fd;
        fd = -1;
        jf->nsegments = j->nsegments;
        jf->seg = xcalloc(j->nsegments > 0 ? j->nsegments : 1, sizeof *jf->seg);
        for (unsigned i = 0; i < j->nsegments; i++) {
            const struct journal_segment *g = &j->seg[i];
            struct journal_file_seg *f = &jf->seg[i];
            f->start = g->start;
            f->end = g->end_known ? g->end : UINT64_MAX;
            f->next = g->next;
            f->written = g->written > g->next ? g->written : g->next;
            f->written_at = at[i];
        }
    }
    if (fd >= 0 && close(fd) != 0 && rc == 0)
        rc = errno;
    xfree(tmp);
    xfree(text);
    return rc;
}

int
journal_patch_written(struct journal_file *jf, const struct journal *j)
{
    if (jf->fd < 0)
        return EBADF;
    if (j->nsegments != jf->nsegments)
        return ESTALE;
    for (unsigned i = 0; i < j->nsegments; i++)
        if (j->seg[i].start != jf->seg[i].start)
            return ESTALE;
    for (unsigned i = 0; i < j->nsegments; i++) {
        struct journal_file_seg *f = &jf->seg[i];
        uint64_t w = j->seg[i].written;
        /* Never below the file's "next" (the document would be refused),
         * never past the segment, never backwards. */
        if (w <= f->written || w < f->next || w > f->end)
            continue;
        char digits[JOURNAL_WRITTEN_DIGITS + 1];
        snprintf(digits, sizeof digits, "%0*" PRIu64, JOURNAL_WRITTEN_DIGITS, w);
        ssize_t n;
        do
            n = pwrite(jf->fd, digits, JOURNAL_WRITTEN_DIGITS, (off_t)f->written_at);
        while (n < 0 && errno == EINTR);
        if (n != JOURNAL_WRITTEN_DIGITS)
            return n < 0 ? errno : EIO;
        f->written = w;
    }
    return 0;
}

void
journal_file_close(struct journal_file *jf)
{
    if (jf->fd >= 0)
        close(jf->fd);
    jf->fd = -1;
    xfree(jf->seg);
    jf->seg = NULL;
}

int
journal_load(const char *path, struct journal *j)
{
    char buf[16384];
    size_t n = 0;
    struct stat st;

    memset(j, 0, sizeof *j);
    /* O_NONBLOCK: a FIFO planted there must not hang the open. */
    int fd = open(path, O_RDONLY | O_NOFOLLOW | O_CLOEXEC | O_NOCTTY | O_NONBLOCK);
    if (fd < 0)
        return errno;
    if (fstat(fd, &st) != 0 || !S_ISREG(st.st_mode)) {
        close(fd);
        return EINVAL;
    }
    while (n < sizeof buf) {
        ssize_t got = read(fd, buf + n, sizeof buf - n);
        if (got < 0 && errno == EINTR)
            continue;
        if (got <= 0)
            break;
        n += (size_t)got;
    }
    close(fd);
    if (n == sizeof buf)
        return EINVAL;    /* too long to be one of haul's */
    buf[n] = '\0';
    return journal_decode(buf, j) ? 0 : EINVAL;
}

static void
read_boot_id(char buf[JOURNAL_BOOT_ID_MAX])
{
    buf[0] = '\0';
    int fd = open("/proc/sys/kernel/random/boot_id", O_RDONLY | O_CLOEXEC);
    if (fd < 0)
        return;
    ssize_t n = read(fd, buf, JOURNAL_BOOT_ID_MAX - 1);
    close(fd);
    if (n <= 0) {
        buf[0] = '\0';
        return;
    }
    buf[n] = '\0';
    buf[strcspn(buf, "\n")] = '\0';
    /* Only what journal_decode accepts back. */
    if (strspn(buf, "0123456789abcdef-") != strlen(buf))
        buf[0] = '\0';
}

/* Read once per process (it changes only with a reboot): every FILE.part
 * wants it, and three system calls per file add up over a crawl.  Called
 * from the loop thread only. */
void
journal_boot_id(char buf[JOURNAL_BOOT_ID_MAX])
{
    static char cached[JOURNAL_BOOT_ID_MAX];
    static bool known;
    if (!known) {
        read_boot_id(cached);
        known = true;
    }
    memcpy(buf, cached, JOURNAL_BOOT_ID_MAX);
}

uint64_t
journal_resume_at(const struct journal *j, unsigned i, const char *boot_now, uint64_t file_size)
{
    const struct journal_segment *g = &j->seg[i];
    bool same_boot = j->boot_id[0] != '\0' && boot_now != NULL && strcmp(j->boot_id, boot_now) == 0;
    if (same_boot && g->written > g->next && g->written <= file_size)
        return g->written;
    return g->next;
}
