/*
 * output.c - stdout, FILE.part + journal, or a file written in place; see
 * output.h.
 */
#include "config.h"

#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdio.h>
#include <string.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <unistd.h>

#include "exitcodes.h"
#include "mem.h"
#include "msg.h"
#include "output.h"

struct save_job;
struct output;
static int drop_journal(struct output *o);

struct output {
    uv_loop_t *loop;
    struct mem_account *acct;
    enum output_kind kind;
    bool append;
    size_t buffer;
    char *path;            /* "-" for stdout */
    char *part;            /* PARTFILE: FILE.part; INPLACE: == path */
    char *journal;         /* PARTFILE: FILE.part.haul */
    char *verify_file;     /* RESUME_VERIFY: the partial file found */
    bool verify_foreign;   /* it is FILE itself (from another tool) */
    struct sink *sink;
    struct sink_callbacks cb;
    void *cb_ctx;
    struct save_job *saving;
    bool save_warned;
    void (*idle_cb)(void *);
    void *idle_ctx;
    uint64_t last_save_ms;
};

struct save_job {
    uv_work_t req;
    struct output *owner;  /* NULL once the output is freed */
    char *path;
    struct journal j;
    int fd;
    int rc;
    uint64_t took_ms;
    /* Set (under lock) when the output starts over: this save names bytes
     * of a version that is gone, and must not be published. */
    uv_mutex_t lock;
    bool obsolete;
};

struct output *
output_new(uv_loop_t *loop, struct mem_account *acct, const char *path, bool append,
           size_t buffer, const struct sink_callbacks *cb, void *cb_ctx, int *code)
{
    struct output *o = xcalloc_in(acct, 1, sizeof *o);
    struct stat st;

    o->loop = loop;
    o->acct = acct;
    o->append = append;
    o->buffer = buffer;
    o->cb = *cb;
    o->cb_ctx = cb_ctx;
    if (path == NULL || strcmp(path, "-") == 0) {
        o->kind = OUTPUT_STDOUT;
        o->path = xstrdup_in(acct, "-");
        return o;
    }
    o->path = xstrdup_in(acct, path);
    if (stat(path, &st) == 0 && S_ISDIR(st.st_mode)) {
        msg_error("%s: is a directory; name a file with -o", path);
        *code = HAUL_EXIT_WRITE;
        output_free(o);
        return NULL;
    }
    if (append || (stat(path, &st) == 0 && !S_ISREG(st.st_mode))) {
        o->kind = OUTPUT_INPLACE;
        o->part = xstrdup_in(acct, path);
        return o;
    }
    /* FILE.part.haul must fit in a directory entry too: refuse before
     * anything is created rather than leave a FILE.part without journal. */
    const char *base = strrchr(path, '/');
    base = base != NULL ? base + 1 : path;
    if (strlen(base) + strlen(".part.haul") > NAME_MAX) {
        msg_error("%.40s...: file name too long (%zu bytes; at most %d, so that "
                  "FILE.part.haul fits)", base, strlen(base), NAME_MAX - 10);
        *code = HAUL_EXIT_WRITE;
        output_free(o);
        return NULL;
    }
    o->kind = OUTPUT_PARTFILE;
    o->part = xasprintf("%s.part", path);
    o->journal = xasprintf("%s.part.haul", path);
    /* xasprintf charges the root account; move them to this transfer's. */
    char *p = xstrdup_in(acct, o->part), *j = xstrdup_in(acct, o->journal);
    xfree(o->part);
    xfree(o->journal);
    o->part = p;
    o->journal = j;
    return o;
}

enum output_kind output_kind(const struct output *o) { return o->kind; }
const char *output_path(const struct output *o) { return o->path; }
const char *output_part_path(const struct output *o) { return o->part ? o->part : o->path; }
bool output_is_open(const struct output *o) { return o->sink != NULL; }
struct sink *output_sink(struct output *o) { return o->sink; }

static bool
file_size(const char *path, uint64_t *size)
{
    struct stat st;
    if (stat(path, &st) != 0 || !S_ISREG(st.st_mode))
        return false;
    *size = (uint64_t)st.st_size;
    return true;
}

void
output_find_resume(struct output *o, const char *url, struct output_resume *r)
{
    uint64_t size = 0;

    memset(r, 0, sizeof *r);
    r->how = RESUME_NONE;
    if (o->kind != OUTPUT_PARTFILE)
        return;

    int rc = journal_load(o->journal, &r->journal);
    bool holes = false;           /* FILE.part may hold unfetched ranges */
    uint64_t prefix = UINT64_MAX; /* bytes of FILE.part known contiguous */
    if (rc == 0) {
        bool usable = strcmp(r->journal.url, url) == 0 && file_size(o->part, &size);
        /* A part that got no byte yet (next == start, e.g. -x stopped
         * before its last part began) needs nothing of the file. */
        for (unsigned i = 0; usable && i < r->journal.nsegments; i++)
            if (r->journal.seg[i].next > r->journal.seg[i].start &&
                r->journal.seg[i].next > size)
                usable = false;
        if (usable && (r->journal.etag[0] != '\0' || r->journal.last_modified[0] != '\0')) {
            r->how = RESUME_JOURNAL;
            return;
        }
        if (strcmp(r->journal.url, url) != 0)
            msg_warn("%s: journal is for another URL (%s); checking %s instead", o->journal,
                     r->journal.url, o->part);
        else if (!usable)
            msg_warn("%s: journal names more bytes than %s holds; checking the file instead",
                     o->journal, o->part);
        /* Without a usable journal only its first part is known to be
         * contiguous: -x leaves holes further on. */
        prefix = r->journal.seg[0].next;
        journal_clear(&r->journal);
        memset(&r->journal, 0, sizeof r->journal);
    } else if (rc == EINVAL) {
        /* A broken journal may belong to a -x download with holes: the
         * file can't be checked by its tail. */
        msg_warn("%s: not a valid journal; starting %s over", o->journal, o->part);
        holes = true;
    }
    if (holes)
        return;
    if (file_size(o->part, &size) && size > 0) {
        if (size > prefix)
            size = prefix;
        if (size == 0)
            return;
        o->verify_file = xstrdup_in(o->acct, o->part);
        o->verify_foreign = false;
    } else if (file_size(o->path, &size) && size > 0) {
        o->verify_file = xstrdup_in(o->acct, o->path);
        o->verify_foreign = true;
    } else {
        return;
    }
    r->how = RESUME_VERIFY;
    r->size = size;
}

int
output_read_tail(struct output *o, uint64_t end, char *buf, size_t len)
{
    const char *path = o->verify_file;
    if (path == NULL) {
        if (o->kind != OUTPUT_PARTFILE)
            return EINVAL;
        if (o->sink != NULL && sink_flush_now(o->sink) != 0)
            return sink_error(o->sink);
        path = o->part;
    }
    int fd = open(path, O_RDONLY | O_CLOEXEC);
    int rc = 0;
    if (fd < 0)
        return errno;
    size_t got = 0;
    while (got < len) {
        ssize_t n = pread(fd, buf + got, len - got, (off_t)(end - len + got));
        if (n < 0 && errno == EINTR)
            continue;
        if (n <= 0) {
            rc = n < 0 ? errno : EIO;
            break;
        }
        got += (size_t)n;
    }
    close(fd);
    return rc;
}

int
output_adopt_partial(struct output *o)
{
    if (o->verify_file == NULL || !o->verify_foreign)
        return 0;
    if (rename(o->verify_file, o->part) != 0)
        return errno;
    msg_verbose("%s: verified against the server; continuing it as %s", o->path, o->part);
    return 0;
}

int
output_open(struct output *o, uint64_t at, uint64_t keep, int *code)
{
    int fd = -1, err = 0;

    if (o->sink != NULL)
        return 0;
    switch (o->kind) {
    case OUTPUT_STDOUT:
        o->sink = sink_new_stdout(o->loop, o->acct, o->buffer, &o->cb, o->cb_ctx, &err);
        if (o->sink == NULL)
            goto fail;
        return 0;
    case OUTPUT_INPLACE:
        fd = open(o->part, O_WRONLY | O_CREAT | O_CLOEXEC | O_NOCTTY | O_NONBLOCK |
                  (o->append ? O_APPEND : 0), 0666);
        if (fd < 0) {
            err = errno == ENXIO ? EPIPE : errno;
            goto fail;
        }
        break;
    case OUTPUT_PARTFILE:
        fd = open(o->part, O_WRONLY | O_CREAT | O_CLOEXEC, 0666);
        if (fd < 0) {
            err = errno;
            goto fail;
        }
        /* Two haul processes on one FILE.part would interleave their
         * bytes: the second one stops instead. */
        if (flock(fd, LOCK_EX | LOCK_NB) != 0) {
            err = errno == EWOULDBLOCK ? EBUSY : errno;
            close(fd);
            goto fail;
        }
        /* Bytes past `keep` are not known good: a journal names fewer.
         * Only cut a file that is longer: on ext4, a truncate to 0 makes
         * close() write the whole file out (auto_da_alloc), half a second
         * per GiB, for nothing when the file is new. */
        struct stat st;
        if (fstat(fd, &st) != 0 ||
            ((uint64_t)st.st_size > keep && ftruncate(fd, (off_t)keep) != 0)) {
            err = errno;
            close(fd);
            goto fail;
        }
        /* Starting from nothing: an old journal must not outlive the bytes
         * it named until the first new save. */
        if (keep == 0 && (err = drop_journal(o)) != 0) {
            close(fd);
            goto fail;
        }
        break;
    }
    /* Regular files were opened blocking-mode-agnostic; drop O_NONBLOCK
     * for them so writes are never short for no reason. */
    o->sink = sink_new_fd(o->loop, o->acct, o->buffer, fd, o->part, &o->cb, o->cb_ctx, &err);
    if (o->sink == NULL)
        goto fail;
    if (o->kind == OUTPUT_PARTFILE)
        sink_seek(o->sink, at);
    return 0;
fail:
    *code = haul_exit_for_errno(err);
    return err;
}

/* The journal names bytes that are gone: drop it, and keep a save still
 * in the thread pool from bringing it back. */
static int
drop_journal(struct output *o)
{
    if (o->kind != OUTPUT_PARTFILE)
        return 0;
    if (o->saving != NULL) {
        uv_mutex_lock(&o->saving->lock);
        o->saving->obsolete = true;
    }
    int rc = unlink(o->journal) != 0 && errno != ENOENT ? errno : 0;
    if (o->saving != NULL)
        uv_mutex_unlock(&o->saving->lock);
    return rc;
}

int
output_restart(struct output *o)
{
    int rc = drop_journal(o);
    if (rc == 0 && o->sink != NULL)
        rc = sink_truncate(o->sink, 0);
    return rc;
}

static void
save_work(uv_work_t *req)
{
    struct save_job *job = req->data;
    uint64_t start = uv_hrtime();
    struct journal_gate gate = { &job->lock, &job->obsolete };
    job->rc = journal_save(job->path, &job->j, job->fd, &gate);
    job->took_ms = (uv_hrtime() - start) / 1000000;
}

static void
save_done(uv_work_t *req, int status)
{
    struct save_job *job = req->data;
    struct output *o = job->owner;

    if (job->fd >= 0)
        close(job->fd);
    if (o != NULL) {
        o->saving = NULL;
        o->last_save_ms = job->took_ms;
        if (job->rc != 0 && job->rc != ECANCELED && !o->save_warned) {
            o->save_warned = true;
            msg_warn("%s: cannot save the resume journal: %s", o->journal, strerror(job->rc));
        }
    }
    (void)status;
    uv_mutex_destroy(&job->lock);
    journal_clear(&job->j);
    xfree(job->path);
    xfree(job);
    if (o != NULL && o->idle_cb != NULL) {
        void (*cb)(void *) = o->idle_cb;
        o->idle_cb = NULL;
        cb(o->idle_ctx);
    }
}

void
output_checkpoint(struct output *o, const struct journal *j)
{
    if (o->kind != OUTPUT_PARTFILE || o->sink == NULL || o->saving != NULL)
        return;
    /* The journal may only name bytes that are written (and then synced). */
    if (sink_flush_now(o->sink) != 0)
        return;
    /* Not in the transfer's account: the job may outlive the transfer. */
    struct save_job *job = xcalloc(1, sizeof *job);
    job->owner = o;
    job->path = xstrdup(o->journal);
    journal_copy(&job->j, j);
    job->fd = dup(sink_fd(o->sink));    /* the sink may close its own */
    job->req.data = job;
    uv_mutex_init(&job->lock);
    if (uv_queue_work(o->loop, &job->req, save_work, save_done) != 0) {
        uv_mutex_destroy(&job->lock);
        if (job->fd >= 0)
            close(job->fd);
        journal_clear(&job->j);
        xfree(job->path);
        xfree(job);
        return;
    }
    o->saving = job;
}

int
output_checkpoint_now(struct output *o, const struct journal *j)
{
    if (o->kind != OUTPUT_PARTFILE || o->sink == NULL)
        return 0;
    /* After a write error the journal names only what is written; the
     * caller has cut its offset to sink_written_position(). */
    if (sink_error(o->sink) == 0) {
        int rc = sink_flush_now(o->sink);
        if (rc != 0)
            return rc;
    }
    return journal_save(o->journal, j, sink_fd(o->sink), NULL);
}

bool output_checkpoint_busy(const struct output *o) { return o->saving != NULL; }
uint64_t output_last_save_ms(const struct output *o) { return o->last_save_ms; }

void
output_on_checkpoint_idle(struct output *o, void (*cb)(void *), void *ctx)
{
    o->idle_cb = cb;
    o->idle_ctx = ctx;
}

int
output_commit(struct output *o, int *code)
{
    sink_free(o->sink);
    o->sink = NULL;
    if (o->kind != OUTPUT_PARTFILE)
        return 0;
    if (rename(o->part, o->path) != 0) {
        int err = errno;
        *code = HAUL_EXIT_WRITE;
        return err;
    }
    if (unlink(o->journal) != 0 && errno != ENOENT)
        msg_warn("%s: cannot remove: %s", o->journal, strerror(errno));
    return 0;
}

void
output_discard(struct output *o)
{
    sink_free(o->sink);
    o->sink = NULL;
    if (o->kind != OUTPUT_PARTFILE)
        return;
    unlink(o->part);
    unlink(o->journal);
}

void
output_free(struct output *o)
{
    if (o == NULL)
        return;
    if (o->saving != NULL)
        o->saving->owner = NULL;
    sink_free(o->sink);
    xfree(o->path);
    xfree(o->part);
    xfree(o->journal);
    xfree(o->verify_file);
    xfree(o);
}
