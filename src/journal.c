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

char *
journal_encode(const struct journal *j)
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
        !add_u64(root, "total", j->total_known, j->total))
        goto out;
    segs = cJSON_AddArrayToObject(root, "segments");
    if (segs == NULL)
        goto out;
    for (unsigned i = 0; i < j->nsegments; i++) {
        cJSON *s = cJSON_CreateObject();
        if (s == NULL)
            goto out;
        cJSON_AddItemToArray(segs, s);
        if (!add_u64(s, "start", true, j->seg[i].start) ||
            !add_u64(s, "end", j->seg[i].end_known, j->seg[i].end) ||
            !add_u64(s, "next", true, j->seg[i].next))
            goto out;
    }
    text = cJSON_Print(root);
    if (text != NULL)
        out = xstrdup(text);
out:
    cJSON_free(text);
    cJSON_Delete(root);
    return out;
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
    segs = cJSON_GetObjectItemCaseSensitive(root, "segments");
    if (!cJSON_IsArray(segs))
        goto out;
    cJSON_ArrayForEach(s, segs) {
        if (j->nsegments == JOURNAL_MAX_SEGMENTS)
            goto out;
        struct journal_segment *g = &j->seg[j->nsegments++];
        if (!get_u64(s, "start", &known, &g->start) || !known ||
            !get_u64(s, "end", &g->end_known, &g->end) ||
            !get_u64(s, "next", &known, &g->next) || !known)
            goto out;
        if (g->next < g->start || (g->end_known && g->next > g->end) ||
            (j->total_known && (g->next > j->total || (g->end_known && g->end > j->total))))
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
}

void
journal_copy(struct journal *dst, const struct journal *src)
{
    *dst = *src;
    dst->url = src->url ? xstrdup(src->url) : NULL;
    dst->final_url = src->final_url ? xstrdup(src->final_url) : NULL;
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

int
journal_save(const char *path, const struct journal *j, int data_fd,
             const struct journal_gate *gate)
{
    char *text = NULL, *tmp = NULL;
    int fd = -1, rc = 0;

    /* The data the journal will name must be on disk first. */
    if (data_fd >= 0 && fdatasync(data_fd) != 0 && errno != EINVAL) {
        rc = errno;
        goto out;
    }
    text = journal_encode(j);
    if (text == NULL) {
        rc = ENOMEM;
        goto out;
    }
    tmp = xasprintf("%s.tmp", path);
    fd = open(tmp, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0666);
    if (fd < 0) {
        rc = errno;
        goto out;
    }
    if ((rc = write_all(fd, text, strlen(text))) != 0 ||
        (rc = write_all(fd, "\n", 1)) != 0)
        goto out;
    if (fsync(fd) != 0) {
        rc = errno;
        goto out;
    }
    if (close(fd) != 0) {
        fd = -1;
        rc = errno;
        goto out;
    }
    fd = -1;
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
    rc = sync_dir_of(path);
out:
    if (fd >= 0)
        close(fd);
    if (rc != 0 && tmp != NULL)
        unlink(tmp);
    xfree(tmp);
    xfree(text);
    return rc;
}

int
journal_load(const char *path, struct journal *j)
{
    FILE *f = fopen(path, "re");
    char buf[16384];
    size_t n;

    memset(j, 0, sizeof *j);
    if (f == NULL)
        return errno;
    n = fread(buf, 1, sizeof buf - 1, f);
    bool too_long = !feof(f);
    fclose(f);
    if (too_long)
        return EINVAL;
    buf[n] = '\0';
    return journal_decode(buf, j) ? 0 : EINVAL;
}
