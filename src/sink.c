/*
 * sink.c - non-blocking output of body bytes; see sink.h.
 */
#include "config.h"

#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdio.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/uio.h>
#include <unistd.h>

#include "sink.h"

struct sink {
    uv_loop_t *loop;
    struct mem_account *acct;
    enum sink_mode mode;
    int fd;
    bool owns_fd;           /* haul opened fd and closes it */
    bool positional;        /* pwrite at pos (files haul opened) */
    int restore_flags;      /* SINK_SOCKET: fd's flags to put back, or -1 */
    uint64_t pos;
    uint64_t written;
    char *name;

    /*
     * SINK_DIRECT to a file: libcurl hands its write callback at most
     * 16 KiB at a time (CURL_MAX_WRITE_SIZE), so each 128 KiB recv would
     * become eight write(2)s.  Consecutive bytes are gathered here and
     * written at the end of the loop iteration (uv_check), when this fills,
     * or when the caller needs them on disk (flush, journal save).  The
     * bytes waiting are those of [pos, pos + wlen).
     */
    bool coalesce;
    bool discard;                 /* /dev/null: counted, never written */
    size_t wlen;                  /* bytes of shared_buf that are this sink's */
    uv_check_t *check;            /* separate allocation, freed when closed */

    /* Bytes waiting for a non-blocking descriptor. */
    char *ring;
    size_t cap, head, len, peak;
    uv_poll_t *poll;        /* separate allocation, freed in its close callback */
    bool polling;

    bool want_drain;
    bool want_flush;
    int error;

    struct sink_callbacks cb;
    void *ctx;
};

static void on_poll_closed(uv_handle_t *h) { xfree(h); }

/* The flags of a socket on stdout to put back, or -1: the sink's own
 * restore_flags, kept here too for sink_restore_stdout(). */
static int stdout_flags = -1;
static void on_check_closed(uv_handle_t *h) { xfree(h); }

/* Gather buffer size: eight of libcurl's write-callback chunks, one recv
 * (attempt.c's RECV_BUFFER); bigger buys nothing measurable and costs RSS
 * per running transfer. */
#define WBUF_SIZE (128 * 1024)
/* The most libcurl hands the write callback at once (CURL_MAX_WRITE_SIZE). */
#define CHUNK_SIZE (16 * 1024)

static struct sink *
sink_alloc(uv_loop_t *loop, struct mem_account *acct, size_t cap,
           const struct sink_callbacks *cb, void *ctx, const char *name)
{
    struct sink *s = xcalloc_in(acct, 1, sizeof *s);
    s->loop = loop;
    s->acct = acct;
    s->cap = cap;
    s->fd = -1;
    s->restore_flags = -1;
    s->cb = *cb;
    s->ctx = ctx;
    s->name = xstrdup_in(acct, name);
    return s;
}

/* Picks the mode for a descriptor from what it is (st: its fstat, or NULL
 * when that failed). */
static enum sink_mode
mode_for(int fd, const struct stat *st, bool *positional)
{
    *positional = false;
    if (st == NULL)
        return SINK_DIRECT;
    if (S_ISREG(st->st_mode) || S_ISBLK(st->st_mode)) {
        *positional = S_ISREG(st->st_mode);
        return SINK_DIRECT;
    }
    if (S_ISSOCK(st->st_mode))
        return SINK_SOCKET;
    if (S_ISFIFO(st->st_mode))
        return SINK_NONBLOCK;
    if (S_ISCHR(st->st_mode))
        return isatty(fd) ? SINK_NONBLOCK : SINK_DIRECT;   /* /dev/null, /dev/zero */
    return SINK_DIRECT;
}

static bool
is_dev_null(const struct stat *st)
{
    struct stat null;
    return st != NULL && S_ISCHR(st->st_mode) && stat("/dev/null", &null) == 0 &&
           st->st_rdev == null.st_rdev;
}

static int
start_watch(struct sink *s)
{
    int rc;
    /* Not in the transfer account: freed in its close callback, later. */
    s->poll = xcalloc(1, sizeof *s->poll);
    if (s->mode == SINK_SOCKET)
        rc = uv_poll_init_socket(s->loop, s->poll, s->fd);
    else
        rc = uv_poll_init(s->loop, s->poll, s->fd);
    if (rc != 0) {
        xfree(s->poll);
        s->poll = NULL;
        return -rc;
    }
    s->poll->data = s;
    return 0;
}

struct sink *
sink_new_stdout(uv_loop_t *loop, struct mem_account *acct, size_t cap,
                const struct sink_callbacks *cb, void *ctx, int *err)
{
    struct sink *s = sink_alloc(loop, acct, cap, cb, ctx, "stdout");
    struct stat stb;
    const struct stat *st = fstat(STDOUT_FILENO, &stb) == 0 ? &stb : NULL;
    bool positional;

    s->mode = mode_for(STDOUT_FILENO, st, &positional);
    s->fd = STDOUT_FILENO;
    s->owns_fd = false;
    s->positional = false;    /* share the shell's offset (> and >> work) */
    s->coalesce = s->mode == SINK_DIRECT && positional;    /* a regular file */
    s->discard = is_dev_null(st);
    if (s->mode == SINK_NONBLOCK) {
        /* A private description of the same pipe or terminal. */
        int fd = open("/proc/self/fd/1", O_WRONLY | O_NONBLOCK | O_CLOEXEC | O_NOCTTY);
        if (fd < 0) {
            if (errno == ENXIO) {   /* a FIFO whose reader is gone */
                *err = EPIPE;
                sink_free(s);
                return NULL;
            }
            s->mode = SINK_DIRECT;  /* no /proc: blocking writes, documented */
        } else {
            s->fd = fd;
            s->owns_fd = true;
        }
    } else if (s->mode == SINK_SOCKET) {
        s->restore_flags = fcntl(STDOUT_FILENO, F_GETFL);
        stdout_flags = s->restore_flags;
    }
    if (s->mode != SINK_DIRECT) {
        int rc = start_watch(s);
        if (rc != 0) {
            *err = rc;
            sink_free(s);
            return NULL;
        }
    }
    return s;
}

struct sink *
sink_new_fd(uv_loop_t *loop, struct mem_account *acct, size_t cap, int fd,
            const struct stat *st, bool append, const char *name,
            const struct sink_callbacks *cb, void *ctx, int *err)
{
    struct sink *s = sink_alloc(loop, acct, cap, cb, ctx, name);
    struct stat stb;
    bool positional;

    if (st == NULL && fstat(fd, &stb) == 0)
        st = &stb;
    s->fd = fd;
    s->owns_fd = true;
    s->mode = mode_for(fd, st, &positional);
    s->coalesce = s->mode == SINK_DIRECT && positional;    /* a regular file */
    s->discard = is_dev_null(st);
    s->positional = positional && !append;
    if (s->mode != SINK_DIRECT) {
        int rc = start_watch(s);
        if (rc != 0) {
            *err = rc;
            sink_free(s);
            return NULL;
        }
    }
    return s;
}

enum sink_mode sink_mode(const struct sink *s) { return s->mode; }
int sink_fd(const struct sink *s) { return s->fd; }
uint64_t sink_position(const struct sink *s) { return s->pos + s->wlen; }
uint64_t sink_written_position(const struct sink *s) { return s->pos; }
uint64_t sink_written(const struct sink *s) { return s->written; }
size_t sink_queued(const struct sink *s) { return s->len; }
size_t sink_queued_peak(const struct sink *s) { return s->peak; }
int sink_error(const struct sink *s) { return s->error; }
const char *sink_name(const struct sink *s) { return s->name; }

bool
sink_reserve(struct sink *s, size_t len)
{
    if (s->error != 0)
        return true;    /* sink_write reports the failure */
    /* len never exceeds cap: the caller's pieces are at most one libcurl
     * chunk (16 KiB) plus a --stream record tail (cap/2), and cap is at
     * least 64 KiB. */
    if (s->mode == SINK_DIRECT || s->cap - s->len >= len)
        return true;
    s->want_drain = true;
    return false;
}

/* One non-blocking write; returns bytes taken, or -1 with errno. */
static ssize_t
write_some(struct sink *s, const struct iovec *iov, int iovcnt)
{
    ssize_t n;
    do {
        if (s->mode == SINK_SOCKET) {
            struct msghdr m = { .msg_iov = (struct iovec *)iov, .msg_iovlen = (size_t)iovcnt };
            n = sendmsg(s->fd, &m, MSG_DONTWAIT | MSG_NOSIGNAL);
        } else if (s->positional) {
            n = pwritev(s->fd, iov, iovcnt, (off_t)s->pos);
        } else {
            n = writev(s->fd, iov, iovcnt);
        }
    } while (n < 0 && errno == EINTR);
    if (n > 0) {
        s->written += (uint64_t)n;
        s->pos += (uint64_t)n;
    }
    return n;
}

static void
ring_append(struct sink *s, const char *data, size_t len)
{
    if (s->ring == NULL) {
        s->ring = xmalloc_in(s->acct, s->cap);
        s->head = 0;
    }
    size_t tail = (s->head + s->len) % s->cap;
    size_t first = len < s->cap - tail ? len : s->cap - tail;
    memcpy(s->ring + tail, data, first);
    memcpy(s->ring, data + first, len - first);
    s->len += len;
    if (s->len > s->peak)
        s->peak = s->len;
}

static void
ring_release(struct sink *s)
{
    xfree(s->ring);
    s->ring = NULL;
    s->head = s->len = 0;
}

static void on_writable(uv_poll_t *h, int status, int events);

/* Returns false, with s->error set, when the poll cannot start. */
static bool
watch(struct sink *s, bool on)
{
    if (s->poll == NULL || s->polling == on)
        return true;
    if (on) {
        int rc = uv_poll_start(s->poll, UV_WRITABLE, on_writable);
        if (rc != 0) {
            s->error = -rc;
            return false;
        }
    } else {
        uv_poll_stop(s->poll);
    }
    s->polling = on;
    return true;
}

/* Writes len bytes now, completing short writes; false on failure. */
static bool
write_now(struct sink *s, const char *data, size_t len)
{
    while (len > 0) {
        struct iovec iov = { (void *)data, len };
        ssize_t n = write_some(s, &iov, 1);
        if (n <= 0) {
            s->error = n < 0 ? errno : EIO;
            return false;
        }
        data += n;
        len -= (size_t)n;
    }
    return true;
}

/*
 * One gather buffer for the whole process.  libcurl delivers one recv of
 * one transfer at a time (its chunks come one after another), so when a
 * second sink starts gathering, the first one's bytes are written out:
 * sixteen fast downloads share one 128 KiB buffer instead of holding one
 * each.  The loop is single-threaded; sink_cleanup() frees it.
 */
static char *shared_buf;
static struct sink *shared_owner;

/* Writes the gathered bytes; false (and s->error) on failure. */
static bool
flush_gathered(struct sink *s)
{
    if (s->check != NULL)
        uv_check_stop(s->check);
    if (s->wlen == 0)
        return s->error == 0;
    size_t n = s->wlen;
    s->wlen = 0;
    shared_owner = NULL;
    return write_now(s, shared_buf, n);
}

void
sink_cleanup(void)
{
    xfree(shared_buf);
    shared_buf = NULL;
    shared_owner = NULL;
}

void
sink_restore_stdout(void)
{
    if (stdout_flags >= 0)
        fcntl(STDOUT_FILENO, F_SETFL, stdout_flags);
}

static void
on_iteration_end(uv_check_t *h)
{
    struct sink *s = h->data;
    if (!flush_gathered(s) && s->cb.on_error != NULL)
        s->cb.on_error(s->ctx);    /* may free s */
}

static enum sink_result
gather(struct sink *s, const char *data, size_t len)
{
    /* A piece shorter than libcurl's 16 KiB chunk, with nothing gathered
     * before it, is a whole recv: a slow transfer.  Written at once, it
     * needs no buffer (1,000 slow streams would each touch one). */
    if (s->wlen == 0 && len < CHUNK_SIZE)
        return write_now(s, data, len) ? SINK_OK : SINK_FAIL;
    if (shared_owner != NULL && shared_owner != s) {
        struct sink *prev = shared_owner;
        /* A failure is the previous sink's: it hears of it from its own
         * check callback, outside this transfer's write path. */
        if (!flush_gathered(prev))
            uv_check_start(prev->check, on_iteration_end);
    }
    if (s->wlen > 0 && s->wlen + len > WBUF_SIZE && !flush_gathered(s))
        return SINK_FAIL;
    if (len >= WBUF_SIZE)
        return write_now(s, data, len) ? SINK_OK : SINK_FAIL;
    if (shared_buf == NULL)
        shared_buf = xmalloc(WBUF_SIZE);    /* the run's, not a transfer's */
    if (s->check == NULL) {
        s->check = xcalloc(1, sizeof *s->check);
        uv_check_init(s->loop, s->check);
        s->check->data = s;
    }
    memcpy(shared_buf + s->wlen, data, len);
    shared_owner = s;
    if (s->wlen == 0)
        uv_check_start(s->check, on_iteration_end);
    s->wlen += len;
    return SINK_OK;
}

int
sink_flush_now(struct sink *s)
{
    if (s->coalesce && !flush_gathered(s))
        return s->error;
    return 0;
}

enum sink_result
sink_write(struct sink *s, const char *data, size_t len)
{
    if (s->error != 0)
        return SINK_FAIL;
    if (len == 0)
        return SINK_OK;

    if (s->discard) {
        /* A write(2) to /dev/null does nothing but cost a system call. */
        s->written += len;
        s->pos += len;
        return SINK_OK;
    }
    if (s->coalesce)
        return gather(s, data, len);
    if (s->mode == SINK_DIRECT)
        return write_now(s, data, len) ? SINK_OK : SINK_FAIL;

    if (s->len == 0) {
        struct iovec iov = { (void *)data, len };
        ssize_t n = write_some(s, &iov, 1);
        if (n < 0) {
            if (errno != EAGAIN && errno != EWOULDBLOCK) {
                s->error = errno;
                return SINK_FAIL;
            }
            n = 0;
        }
        data += n;
        len -= (size_t)n;
        if (len == 0)
            return SINK_OK;
        if (len > s->cap) {
            /* Callers reserve room first (sink_reserve): a bug, but the
             * ring is never overrun, in any build. */
            s->error = ENOBUFS;
            return SINK_FAIL;
        }
        ring_append(s, data, len);
        /* Unwatched, the queued bytes would never be written. */
        return watch(s, true) ? SINK_OK : SINK_FAIL;
    }
    if (s->cap - s->len < len) {
        s->want_drain = true;
        return SINK_PAUSE;
    }
    ring_append(s, data, len);
    return SINK_OK;
}

enum sink_result
sink_write_at(struct sink *s, const char *data, size_t len, uint64_t offset)
{
    if (s->error != 0 || !s->positional) {
        if (s->error == 0)
            s->error = ESPIPE;
        return SINK_FAIL;
    }
    while (len > 0) {
        ssize_t n = pwrite(s->fd, data, len, (off_t)offset);
        if (n < 0 && errno == EINTR)
            continue;
        if (n <= 0) {
            s->error = n < 0 ? errno : EIO;
            return SINK_FAIL;
        }
        s->written += (uint64_t)n;
        data += n;
        len -= (size_t)n;
        offset += (uint64_t)n;
    }
    return SINK_OK;
}

/* Writes queued bytes; returns false when the sink failed. */
static bool
drain(struct sink *s)
{
    while (s->len > 0) {
        struct iovec iov[2];
        size_t first = s->len < s->cap - s->head ? s->len : s->cap - s->head;
        int cnt = 1;
        iov[0].iov_base = s->ring + s->head;
        iov[0].iov_len = first;
        /* cppcheck-suppress knownConditionTrueFalse ; true when the ring wraps */
        if (first < s->len) {
            iov[1].iov_base = s->ring;
            iov[1].iov_len = s->len - first;
            cnt = 2;
        }
        ssize_t n = write_some(s, iov, cnt);
        if (n < 0) {
            if (errno == EAGAIN || errno == EWOULDBLOCK)
                return true;
            s->error = errno;
            return false;
        }
        s->head = (s->head + (size_t)n) % s->cap;
        s->len -= (size_t)n;
    }
    return true;
}

static void
on_writable(uv_poll_t *h, int status, int events)
{
    struct sink *s = h->data;
    (void)status;
    (void)events;

    /* On a poll error, the write below finds the real errno (EPIPE ...). */
    if (!drain(s)) {
        watch(s, false);
        ring_release(s);
        if (s->cb.on_error != NULL)
            s->cb.on_error(s->ctx);
        return;    /* the callback may have freed s */
    }
    if (s->len == 0) {
        watch(s, false);
        ring_release(s);
    }
    /* One callback at most: it may free the sink.  A flush asked for wins:
     * its transfer is ending and will not take more bytes. */
    if (s->want_flush && s->len == 0) {
        s->want_flush = false;
        s->want_drain = false;
        if (s->cb.on_flushed != NULL)
            s->cb.on_flushed(s->ctx);
        return;
    }
    if (s->want_drain && s->cap - s->len >= s->cap / 2) {
        s->want_drain = false;
        if (s->cb.on_drained != NULL)
            s->cb.on_drained(s->ctx);
    }
}

bool
sink_flush(struct sink *s)
{
    if (s->coalesce)
        flush_gathered(s);    /* a failure shows in sink_error() */
    if (s->len == 0 || s->error != 0)
        return true;
    s->want_flush = true;
    return false;
}

int
sink_seek(struct sink *s, uint64_t pos)
{
    if (s->coalesce && !flush_gathered(s))
        return s->error;
    if (!s->positional)
        return pos == s->pos ? 0 : ESPIPE;
    s->pos = pos;
    return 0;
}

int
sink_truncate(struct sink *s, uint64_t size)
{
    if (s->wlen > 0) {
        s->wlen = 0;    /* bytes past the cut are not wanted */
        shared_owner = NULL;
    }
    if (s->check != NULL)
        uv_check_stop(s->check);
    if (!s->positional)
        return ESPIPE;
    if (ftruncate(s->fd, (off_t)size) != 0)
        return errno;
    s->pos = size;
    return 0;
}

void
sink_free(struct sink *s)
{
    if (s == NULL)
        return;
    if (s->poll != NULL) {
        uv_poll_stop(s->poll);
        s->poll->data = NULL;
        uv_close((uv_handle_t *)s->poll, on_poll_closed);
    }
    if (s->check != NULL) {
        flush_gathered(s);    /* best effort: callers flush what matters */
        uv_check_stop(s->check);
        s->check->data = NULL;
        uv_close((uv_handle_t *)s->check, on_check_closed);
    }
    if (shared_owner == s)
        shared_owner = NULL;
    if (s->restore_flags >= 0) {
        fcntl(STDOUT_FILENO, F_SETFL, s->restore_flags);
        stdout_flags = -1;
    }
    if (s->owns_fd && s->fd >= 0)
        close(s->fd);
    xfree(s->ring);
    xfree(s->name);
    xfree(s);
}
