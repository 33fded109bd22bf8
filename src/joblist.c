/*
 * joblist.c - the jobs of a run, one at a time; see joblist.h.
 *
 * The buffer holds what was read and not yet parsed: at most one read
 * chunk beyond the line being read.  A descriptor that libuv can watch
 * (pipe, FIFO, socket, terminal) is read only when the watcher says it is
 * readable, without blocking (uv_poll_init() makes it non-blocking; its
 * flags are put back at the end, as they are shared with whoever gave it
 * to haul).  One that cannot be watched (a regular file, /dev/null) is
 * read directly: such reads do not wait.
 */
#include "config.h"

#include <errno.h>
#include <fcntl.h>
#include <string.h>
#include <unistd.h>

#include "exitcodes.h"
#include "inputline.h"
#include "joblist.h"
#include "mem.h"
#include "msg.h"

#define READ_CHUNK 65536

struct joblist {
    const struct config *cfg;
    size_t next_arg;           /* next command-line job */
    int fd;                    /* -1: no input file, or done with it */
    uv_poll_t *poll;           /* NULL: read directly */
    bool polling;
    int saved_flags;           /* the descriptor's flags before libuv's */
    void (*wake)(void *ctx);
    void *ctx;
    char *buf;
    size_t start, len, cap;    /* unparsed bytes: buf[start, len) */
    bool eof;
    unsigned lineno;
    size_t jobs_seen;          /* in every shard */
    int status;
};

static void on_poll(uv_poll_t *h, int status, int events);

struct joblist *
joblist_new(const struct config *cfg, uv_loop_t *loop, void (*wake)(void *ctx), void *ctx)
{
    struct joblist *l = xcalloc(1, sizeof *l);
    l->cfg = cfg;
    l->wake = wake;
    l->ctx = ctx;
    l->fd = cfg->input_name != NULL ? cfg->input_fd : -1;
    l->eof = l->fd < 0;
    if (l->fd >= 0) {
        l->saved_flags = fcntl(l->fd, F_GETFL);
        l->poll = xcalloc(1, sizeof *l->poll);
        if (uv_poll_init(loop, l->poll, l->fd) != 0) {
            xfree(l->poll);    /* never initialised: nothing to close */
            l->poll = NULL;
            if (l->saved_flags != -1)
                (void)fcntl(l->fd, F_SETFL, l->saved_flags);
        } else {
            l->poll->data = l;
        }
    }
    return l;
}

static void
on_poll(uv_poll_t *h, int status, int events)
{
    struct joblist *l = h->data;
    (void)status;
    (void)events;
    /* Readable, or an error the next read() reports: the run reads. */
    uv_poll_stop(h);
    l->polling = false;
    l->wake(l->ctx);
}

static void on_closed(uv_handle_t *h) { xfree(h); }

/* The next whole line, NUL-terminated in place; the last one may lack its
 * newline.  NULL when no whole line is buffered. */
static char *
take_line(struct joblist *l)
{
    if (l->buf == NULL)
        return NULL;
    char *s = l->buf + l->start;
    char *nl = l->start < l->len ? memchr(s, '\n', l->len - l->start) : NULL;
    if (nl != NULL) {
        *nl = '\0';
        l->start = (size_t)(nl - l->buf) + 1;
        return s;
    }
    if (!l->eof || l->start == l->len)
        return NULL;
    l->buf[l->len] = '\0';    /* fill() keeps a byte free for this */
    l->start = l->len;
    return s;
}

/* Reads one chunk: 1 read, 0 nothing yet (EAGAIN), and at the end or
 * after an error (reported) sets eof. */
static int
fill(struct joblist *l)
{
    if (l->start > 0) {
        memmove(l->buf, l->buf + l->start, l->len - l->start);
        l->len -= l->start;
        l->start = 0;
    }
    if (l->cap - l->len < READ_CHUNK + 1) {
        l->cap = l->len + READ_CHUNK + 1;
        l->buf = xrealloc(l->buf, l->cap);
    }
    ssize_t n;
    do
        n = read(l->fd, l->buf + l->len, l->cap - l->len - 1);
    while (n < 0 && errno == EINTR);
    if (n > 0) {
        l->len += (size_t)n;
        return 1;
    }
    if (n < 0 && (errno == EAGAIN || errno == EWOULDBLOCK))
        return 0;
    if (n < 0) {
        msg_usage_error("--input-file %s: %s", l->cfg->input_name, strerror(errno));
        l->status = HAUL_EXIT_USAGE;
    }
    l->eof = true;
    return 1;
}

/* The end of the list: an input file without a single URL is a usage
 * error (in any shard: the list is the same for all). */
static enum joblist_got
at_end(struct joblist *l)
{
    if (l->fd >= 0) {
        l->fd = -1;
        if (l->jobs_seen == 0 && l->cfg->njobs == 0 && l->status == 0) {
            msg_usage_error("no URL in --input-file %s", l->cfg->input_name);
            l->status = HAUL_EXIT_USAGE;
        }
    }
    return JOBLIST_END;
}

enum joblist_got
joblist_next(struct joblist *l, struct job *job)
{
    const struct config *cfg = l->cfg;

    while (l->next_arg < cfg->njobs) {
        const struct job *j = &cfg->jobs[l->next_arg++];
        if (inputline_in_shard(j->url, cfg->shard_k, cfg->shard_n)) {
            job_init(job, j->url, j->output, j->line, j->input_ok);
            for (size_t k = 0; k < j->nmirrors; k++)
                job_add_mirror(job, j->mirrors[k]);
            return JOBLIST_JOB;
        }
    }
    while (l->fd >= 0) {
        char *s = take_line(l);
        if (s == NULL) {
            if (l->eof)
                return at_end(l);
            if (fill(l) == 0) {
                if (!l->polling && l->poll != NULL &&
                    uv_poll_start(l->poll, UV_READABLE, on_poll) == 0)
                    l->polling = true;
                return JOBLIST_WAIT;
            }
            continue;
        }
        struct inputline in;
        if (!inputline_parse(s, ++l->lineno, &in))
            continue;
        l->jobs_seen++;
        if (!inputline_in_shard(in.url, cfg->shard_k, cfg->shard_n))
            continue;
        job_init(job, in.url, in.output, l->lineno, in.ok);
        for (char *m; inputline_take_mirror(&in, &m);)
            job_add_mirror(job, m);
        return JOBLIST_JOB;
    }
    return JOBLIST_END;
}

void
joblist_stop(struct joblist *l)
{
    l->next_arg = l->cfg->njobs;
    l->fd = -1;
    l->eof = true;
}

int
joblist_status(const struct joblist *l)
{
    return l->status;
}

void
joblist_free(struct joblist *l)
{
    if (l == NULL)
        return;
    if (l->poll != NULL) {
        uv_poll_stop(l->poll);
        uv_close((uv_handle_t *)l->poll, on_closed);
        if (l->saved_flags != -1 && l->cfg->input_name != NULL)
            (void)fcntl(l->cfg->input_fd, F_SETFL, l->saved_flags);
    }
    xfree(l->buf);
    xfree(l);
}
