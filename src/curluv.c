/*
 * curluv.c - libcurl multi on a libuv loop; see curluv.h.
 *
 * Lifetimes: a struct sock_watch lives as long as its socket.  It is
 * created the first time libcurl reports the socket and attached to it
 * with curl_multi_assign(); on CURL_POLL_REMOVE it is detached but kept
 * (idle), still watching what it watched, unreferenced (it does not keep
 * the loop alive): a kept-alive connection's next transfer, which asks for
 * the same events, finds it and costs no system call, where a new
 * uv_poll_t costs uv_poll_init's checks, uv_poll_start's re-registration
 * and two EPOLL_CTL_DELs when closed (7 per transfer).  An idle watcher
 * that reports an event (the server closed the connection) is stopped
 * then, without bothering libcurl.  It is closed when libcurl closes the
 * socket, through CURLOPT_CLOSESOCKETFUNCTION, before the descriptor is;
 * its memory is released in the close callback only.  A watcher is found
 * by fd number, so every socket libcurl opens goes through
 * CURLOPT_OPENSOCKETFUNCTION too: a watcher still registered for the new
 * socket's number belongs to a socket closed some other way, and is
 * closed first.  (Both callbacks are set on every easy handle added;
 * libcurl copies them into each connection the handle opens.)
 *
 * TLS with read-ahead (tlsread.h): after a read event, while OpenSSL holds
 * records the socket will not announce again, libcurl is driven again for
 * that socket; after a timeout (which also ends a pause), every TLS socket
 * with held bytes is.  At most KICKS_AT_ONCE drives in a row; the rest
 * waits for a zero timer, so that a fast endless stream cannot keep the
 * loop from its other handles.
 *
 * Batched wakeups (rcvlowat.h): a socket's SO_RCVLOWAT follows its
 * transfer, RCVLOWAT_BATCH while a long HTTP/1 body arrives fast, 1 byte
 * otherwise.  It is chosen after each read event on the socket, and for
 * every candidate (a long body batched, or not yet known to be slow) after
 * each drive of libcurl, which may read a socket without an event for it:
 * no socket goes back to waiting with a batch asked for the end of its
 * body.  A repeating timer, running only while some socket waits for a
 * batch, sets back to 1 byte any such socket whose body has not moved for
 * RCVLOWAT_IDLE_MS.  A socket goes back to 1 byte too when its transfer
 * ends, before a kept-alive connection's next response.
 */
#include "config.h"

#include <stdbool.h>
#include <stdint.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include "curluv.h"
#include "mem.h"
#include "msg.h"
#include "rcvlowat.h"
#include "tlsread.h"

#define STR_(x) #x
#define STR(x) STR_(x)

/* Drives in a row for held TLS records before the loop gets a turn: 8 read
 * buffers' worth of 16 KiB records. */
#define KICKS_AT_ONCE 64

struct sock_watch {
    uv_poll_t poll;
    struct curluv *cu;
    curl_socket_t fd;
    int events;          /* UV_READABLE | UV_WRITABLE asked for */
    CURL *easy;          /* the last transfer libcurl named for it, until
                          * that one leaves the multi handle; or NULL */
    bool tls;            /* an https transfer's: may have an SSL */
    void *ssl;           /* the connection's SSL, once known */
    bool closed;         /* the socket is closing: the watcher is closed */
    bool idle;           /* CURL_POLL_REMOVE came: unreferenced, waiting
                          * for the connection's next transfer or close */
    bool again;          /* held records left for the kick timer */
    int lowat;           /* the socket's SO_RCVLOWAT: 1, or a batch */
    bool candidate;      /* on cu->candidates (see lowat_follow) */
    const CURL *seen_easy;  /* the transfer the figures below are of: */
    curl_off_t body_len;      /* its body's length, -1 before the body */
    curl_off_t sample_bytes;  /* its body bytes at the last speed sample, */
    uint64_t sample_ns;       /* and when (uv_hrtime); */
    curl_off_t moved_bytes;   /* its body bytes when last seen moving, */
    uint64_t moved_ns;        /* and when */
    struct sock_watch *cprev, *cnext;   /* cu->candidates */
    struct sock_watch *prev, *next;   /* cu->watches, until closed */
};

static void on_watch_closed_fwd(uv_handle_t *h);

/* A transfer whose socket could not be watched: failed from drain_done(),
 * outside libcurl's callbacks (an error returned from the socket callback
 * would abort every transfer of the multi handle). */
struct unwatched {
    CURL *easy;
    struct unwatched *next;
};

struct curluv {
    uv_loop_t *loop;
    CURLM *multi;
    uv_timer_t *timer;   /* separate allocation: freed in its close callback */
    uv_timer_t *kick;    /* held TLS records after KICKS_AT_ONCE; likewise */
    uv_timer_t *idle;    /* batched sockets gone quiet; likewise */
    struct sock_watch *candidates;    /* long fast bodies: see lowat_follow */
    unsigned batched;    /* watchers whose lowat is above 1 */
    curluv_done_cb *on_done;
    void *ctx;
    bool in_action;      /* inside curl_multi_socket_action: no re-entry */
    struct sock_watch *watches;       /* open watchers */
    struct sock_watch **byfd;         /* the open watcher of each fd, or NULL */
    size_t nbyfd;
    struct unwatched *unwatched;      /* to fail at the next drain_done() */
};

static void
watch_unlink(struct curluv *cu, struct sock_watch *w)
{
    if (w->prev != NULL)
        w->prev->next = w->next;
    else
        cu->watches = w->next;
    if (w->next != NULL)
        w->next->prev = w->prev;
    w->prev = w->next = NULL;
}

static struct sock_watch *
byfd_get(const struct curluv *cu, curl_socket_t fd)
{
    return fd >= 0 && (size_t)fd < cu->nbyfd ? cu->byfd[fd] : NULL;
}

static void
byfd_set(struct curluv *cu, curl_socket_t fd, struct sock_watch *w)
{
    if (fd < 0)
        return;
    if ((size_t)fd >= cu->nbyfd) {
        size_t n = cu->nbyfd ? cu->nbyfd : 64;
        while (n <= (size_t)fd)
            n *= 2;
        cu->byfd = xrealloc(cu->byfd, n * sizeof(struct sock_watch *));
        memset(cu->byfd + cu->nbyfd, 0, (n - cu->nbyfd) * sizeof(struct sock_watch *));
        cu->nbyfd = n;
    }
    cu->byfd[fd] = w;
}

/* Puts w on cu->candidates or takes it off. */
static void
candidate_set(struct curluv *cu, struct sock_watch *w, bool on)
{
    if (w->candidate == on)
        return;
    w->candidate = on;
    if (on) {
        w->cprev = NULL;
        w->cnext = cu->candidates;
        if (cu->candidates != NULL)
            cu->candidates->cprev = w;
        cu->candidates = w;
        return;
    }
    if (w->cprev != NULL)
        w->cprev->cnext = w->cnext;
    else
        cu->candidates = w->cnext;
    if (w->cnext != NULL)
        w->cnext->cprev = w->cprev;
    w->cprev = w->cnext = NULL;
}

static void
watch_close(struct curluv *cu, struct sock_watch *w)
{
    if (byfd_get(cu, w->fd) == w)
        byfd_set(cu, w->fd, NULL);
    if (w->lowat > 1)
        cu->batched--;
    w->lowat = 1;
    candidate_set(cu, w, false);
    watch_unlink(cu, w);
    w->closed = true;
    uv_poll_stop(&w->poll);
    uv_close((uv_handle_t *)&w->poll, on_watch_closed_fwd);
}

static void on_watch_closed_fwd(uv_handle_t *h) { xfree(h->data); }

/* The SSL of w's connection, asked of libcurl once it has one. */
static void *
watch_ssl(struct sock_watch *w)
{
    if (w->ssl == NULL && w->tls && w->easy != NULL)
        w->ssl = tlsread_ssl(w->easy);
    return w->ssl;
}

static void on_idle(uv_timer_t *t);

/* Sets w's SO_RCVLOWAT to `lowat` if it is not that already; the idle
 * timer runs while any socket waits for more than a byte.  A socket that
 * refuses keeps its mark: 1 byte, or a batch the idle timer retries. */
static void
lowat_set(struct curluv *cu, struct sock_watch *w, int lowat, const char *why)
{
    if (w->lowat == lowat)
        return;
    if (setsockopt(w->fd, SOL_SOCKET, SO_RCVLOWAT, &lowat, sizeof lowat) != 0)
        return;
    if (msg_level() >= MSG_VERBOSE) {
        const char *url = NULL;
        if (w->easy != NULL)
            curl_easy_getinfo(w->easy, CURLINFO_EFFECTIVE_URL, &url);
        if (url == NULL)
            url = "a connection";
        if (lowat > 1)
            msg_verbose("%s: fast body: waking once per %d KiB received", url, lowat / 1024);
        else
            msg_verbose("%s: waking at every byte received again: %s", url, why);
    }
    if (w->lowat > 1)
        cu->batched--;
    if (lowat > 1 && cu->batched++ == 0)
        uv_timer_start(cu->idle, on_idle, RCVLOWAT_IDLE_MS, RCVLOWAT_IDLE_MS);
    w->lowat = lowat;
}

/*
 * The mark w's transfer's body asks for now (rcvlowat.h).  Called after a
 * read event on w, and after every drive of libcurl for each candidate:
 * libcurl reads a socket without an event for it while it finds bytes
 * waiting (a client slower than its server never waits for an event), and
 * before it goes back to waiting the end of a body must be read at every
 * byte.  A candidate is a socket whose body is long enough to batch and
 * not known to be slow: a socket batched, or one whose speed is still
 * being sampled.  Speed samples are RCVLOWAT_SAMPLE_NS or RCVLOWAT_BATCH
 * wide at least, whichever comes first.  Only an HTTP/1 body: an HTTP/2
 * connection's bytes are shared by streams whose lengths no one transfer
 * knows.
 */
static void
lowat_follow(struct curluv *cu, struct sock_watch *w)
{
    if (w->closed)
        return;
    int lowat = 1;
    bool candidate = false;
    const char *why = "the body's length is not known";
    if (!w->idle && w->easy != NULL) {
        curl_off_t got = 0, len = w->body_len;
        uint64_t now = uv_hrtime();
        curl_easy_getinfo(w->easy, CURLINFO_SIZE_DOWNLOAD_T, &got);
        if (w->seen_easy != w->easy || len < 0 || got < w->sample_bytes || got > len) {
            /* A new body, or none known yet: what it is (from its head,
             * before its first byte: libcurl may then read all of it
             * without an event), and sample from here. */
            long version = 0, code = 0;
            curl_easy_getinfo(w->easy, CURLINFO_CONTENT_LENGTH_DOWNLOAD_T, &len);
            curl_easy_getinfo(w->easy, CURLINFO_HTTP_VERSION, &version);
            curl_easy_getinfo(w->easy, CURLINFO_RESPONSE_CODE, &code);
            bool body = (version == CURL_HTTP_VERSION_1_0 || version == CURL_HTTP_VERSION_1_1) &&
                        (code == 200 || code == 206) && len >= 0 && got <= len;
            w->seen_easy = w->easy;
            w->body_len = body ? len : -1;
            w->sample_bytes = w->moved_bytes = got;
            w->sample_ns = w->moved_ns = now;
            candidate = body && len - got >= RCVLOWAT_TAIL;
        } else {
            uint64_t moved = (uint64_t)(got - w->sample_bytes), ns = now - w->sample_ns;
            bool sample = rcvlowat_is_sample(moved, ns);
            lowat = rcvlowat_choose(len - got, sample ? moved : 0, ns, w->lowat);
            why = len - got < RCVLOWAT_TAIL ? "the end of the body is near" : "the body slowed down";
            if (sample) {
                w->sample_bytes = got;
                w->sample_ns = now;
            }
            if (got != w->moved_bytes) {
                w->moved_bytes = got;
                w->moved_ns = now;
            }
            candidate = lowat > 1 || (!sample && len - got >= RCVLOWAT_TAIL);
        }
    }
    lowat_set(cu, w, lowat, why);
    candidate_set(cu, w, candidate);
}

static void
follow_candidates(struct curluv *cu)
{
    struct sock_watch *next;
    for (struct sock_watch *w = cu->candidates; w != NULL; w = next) {
        next = w->cnext;
        lowat_follow(cu, w);
    }
}

/* Every RCVLOWAT_IDLE_MS while a socket waits for a batch: one whose body
 * has not moved for that long is set back to 1 byte, and the kernel wakes
 * haul at once for what it holds. */
static void
on_idle(uv_timer_t *t)
{
    struct curluv *cu = t->data;
    uint64_t now = uv_hrtime();
    struct sock_watch *next;
    for (struct sock_watch *w = cu->candidates; w != NULL; w = next) {
        next = w->cnext;
        if (w->lowat == 1)
            continue;
        curl_off_t got = 0;
        if (w->easy != NULL)
            curl_easy_getinfo(w->easy, CURLINFO_SIZE_DOWNLOAD_T, &got);
        if (w->easy != NULL && w->seen_easy == w->easy && got != w->moved_bytes) {
            w->moved_bytes = got;
            w->moved_ns = now;
        } else if (now - w->moved_ns >= (uint64_t)RCVLOWAT_IDLE_MS * 1000000) {
            lowat_set(cu, w, 1, "no byte for " STR(RCVLOWAT_IDLE_MS) " ms");
        }
    }
    if (cu->batched == 0)
        uv_timer_stop(cu->idle);
}

/* `easy` leaves the multi handle: no watcher may ask libcurl about it, and
 * its sockets wake haul at every byte again. */
static void
forget_easy(struct curluv *cu, const CURL *easy)
{
    for (struct sock_watch *w = cu->watches; w != NULL; w = w->next) {
        if (w->easy == easy) {
            lowat_set(cu, w, 1, "the transfer ended");
            w->easy = NULL;
        }
        if (w->seen_easy == easy)
            w->seen_easy = NULL;
    }
}
static void on_timer_closed(uv_handle_t *h) { xfree(h); }

/* Takes `easy` off the unwatched list; true if it was there. */
static bool
unwatched_take(struct curluv *cu, const CURL *easy)
{
    for (struct unwatched **p = &cu->unwatched; *p != NULL; p = &(*p)->next) {
        if ((*p)->easy == easy) {
            struct unwatched *u = *p;
            *p = u->next;
            xfree(u);
            return true;
        }
    }
    return false;
}

static void
unwatched_add(struct curluv *cu, CURL *easy)
{
    if (easy == NULL)
        return;
    for (const struct unwatched *u = cu->unwatched; u != NULL; u = u->next)
        if (u->easy == easy)
            return;
    struct unwatched *u = xmalloc(sizeof *u);
    u->easy = easy;
    u->next = cu->unwatched;
    cu->unwatched = u;
}

/* Reports every finished transfer; the message is copied before removal.
 * Then fails the transfers whose sockets could not be watched: they would
 * never be woken up.  (A receive error, so that they are retried.) */
static void
drain_done(struct curluv *cu)
{
    CURLMsg *m;
    int left;

    while ((m = curl_multi_info_read(cu->multi, &left)) != NULL) {
        if (m->msg != CURLMSG_DONE)
            continue;
        CURL *easy = m->easy_handle;
        CURLcode result = m->data.result;
        unwatched_take(cu, easy);
        forget_easy(cu, easy);
        curl_multi_remove_handle(cu->multi, easy);
        cu->on_done(cu->ctx, easy, result);
    }
    while (cu->unwatched != NULL) {
        CURL *easy = cu->unwatched->easy;
        unwatched_take(cu, easy);
        forget_easy(cu, easy);
        curl_multi_remove_handle(cu->multi, easy);
        cu->on_done(cu->ctx, easy, CURLE_RECV_ERROR);
    }
}

static void
socket_action(struct curluv *cu, curl_socket_t fd, int flags)
{
    int running = 0;
    /* libcurl forbids a call from inside its own callbacks (it returns
     * CURLM_RECURSIVE_API_CALL, and the event is lost): a bug in haul,
     * reported in every build, not only where assert() is compiled in. */
    if (cu->in_action) {
        msg_error("internal error: curl_multi_socket_action called from inside itself");
        return;
    }
    cu->in_action = true;
    CURLMcode rc = curl_multi_socket_action(cu->multi, fd, flags, &running);
    cu->in_action = false;
    if (rc != CURLM_OK)
        msg_error("internal error: curl_multi_socket_action: %s", curl_multi_strerror(rc));
    drain_done(cu);
    if (cu->candidates != NULL)
        follow_candidates(cu);
}

static void on_kick(uv_timer_t *t);

/*
 * Drives libcurl again for w's socket while OpenSSL holds bytes read from
 * it and the drive before read a record (the count is no longer `mark`):
 * bytes held after a drive that read none are the start of a record, or
 * the transfer is paused; the socket or the unpause wakes it then.
 */
static void
drive_held(struct curluv *cu, struct sock_watch *w, unsigned long mark)
{
    for (int n = 0; !w->closed && !w->idle && watch_ssl(w) != NULL && tlsread_held(w->ssl);
         n++) {
        if (tlsread_records() == mark)
            return;
        if (n == KICKS_AT_ONCE) {
            w->again = true;
            uv_timer_start(cu->kick, on_kick, 0, 0);
            return;
        }
        mark = tlsread_records();
        socket_action(cu, w->fd, CURL_CSELECT_IN);
    }
}

/* Drives each watcher marked `again` once at least, then while it reads
 * records.  From the head each time: a drive may close any watcher. */
static void
drive_marked(struct curluv *cu)
{
    for (;;) {
        struct sock_watch *w = cu->watches;
        while (w != NULL && !w->again)
            w = w->next;
        if (w == NULL)
            return;
        w->again = false;
        drive_held(cu, w, tlsread_records() - 1);
    }
}

/* Every TLS socket with held bytes, after a drive for a timeout (libcurl's
 * own timers, which also end a pause: curl_easy_pause sets a zero one)
 * that read records. */
static void
drive_all_held(struct curluv *cu)
{
    for (struct sock_watch *w = cu->watches; w != NULL; w = w->next)
        if (!w->idle && watch_ssl(w) != NULL && tlsread_held(w->ssl))
            w->again = true;
    drive_marked(cu);
}

static void
on_kick(uv_timer_t *t)
{
    drive_marked(t->data);
}

static void
on_poll(uv_poll_t *h, int status, int events)
{
    struct sock_watch *w = h->data;
    int flags = 0;

    if (w->idle) {
        uv_poll_stop(&w->poll);
        w->events = 0;
        return;
    }
    if (status < 0) {
        /* Report the events asked for, not CURL_CSELECT_ERR, so libcurl
         * finds the real error (56, not 55) when it reads (src/README.md,
         * "libcurl on libuv"). */
        events = w->events;
    }
    if (events & UV_READABLE)
        flags |= CURL_CSELECT_IN;
    if (events & UV_WRITABLE)
        flags |= CURL_CSELECT_OUT;
    unsigned long mark = tlsread_records();
    watch_ssl(w);
    socket_action(w->cu, w->fd, flags);
    if (flags & CURL_CSELECT_IN) {
        drive_held(w->cu, w, mark);
        /* A candidate was looked at after the last drive already. */
        if (!w->candidate)
            lowat_follow(w->cu, w);
    }
}

static void
on_timeout(uv_timer_t *t)
{
    struct curluv *cu = t->data;
    unsigned long mark = tlsread_records();
    socket_action(cu, CURL_SOCKET_TIMEOUT, 0);
    if (tlsread_records() != mark)
        drive_all_held(cu);
}

static int
on_curl_timer(CURLM *multi, long timeout_ms, void *userp)
{
    struct curluv *cu = userp;
    (void)multi;
    if (timeout_ms < 0)
        uv_timer_stop(cu->timer);
    else
        /* 0 means "soon": never call socket_action from in here. */
        uv_timer_start(cu->timer, on_timeout, (uint64_t)timeout_ms, 0);
    return 0;
}

/* libcurl closes a socket: its watcher first (libuv must not watch a
 * closed descriptor). */
static int
on_close_socket(void *clientp, curl_socket_t fd)
{
    struct curluv *cu = clientp;
    struct sock_watch *w = byfd_get(cu, fd);
    if (w != NULL)
        watch_close(cu, w);
    return close(fd);
}

/* libcurl opens a socket: a watcher left at its number (its socket was
 * closed without on_close_socket) must not pass for the new one's. */
static curl_socket_t
on_open_socket(void *clientp, curlsocktype purpose, struct curl_sockaddr *addr)
{
    struct curluv *cu = clientp;
    (void)purpose;
    curl_socket_t fd = socket(addr->family, addr->socktype, addr->protocol);
    struct sock_watch *w = byfd_get(cu, fd);
    if (w != NULL)
        watch_close(cu, w);
    return fd;
}

/* The watcher for a socket libcurl has just attached to no watcher: the
 * idle one of its connection, or a new one; NULL if it cannot be watched. */
static struct sock_watch *
watch_for(struct curluv *cu, curl_socket_t fd)
{
    struct sock_watch *w = byfd_get(cu, fd);
    if (w != NULL) {
        if (w->idle)
            uv_ref((uv_handle_t *)&w->poll);
        w->idle = false;
        w->easy = NULL;
        w->tls = false;
        w->ssl = NULL;
        w->again = false;
    } else {
        w = xcalloc(1, sizeof *w);
        w->cu = cu;
        w->fd = fd;
        w->lowat = 1;
        w->body_len = -1;
        if (uv_poll_init_socket(cu->loop, &w->poll, fd) != 0) {
            xfree(w);
            return NULL;
        }
        w->poll.data = w;
        w->next = cu->watches;
        if (cu->watches != NULL)
            cu->watches->prev = w;
        cu->watches = w;
        byfd_set(cu, fd, w);
    }
    curl_multi_assign(cu->multi, fd, w);
    return w;
}

static int
on_curl_socket(CURL *easy, curl_socket_t fd, int what, void *userp, void *socketp)
{
    struct curluv *cu = userp;
    struct sock_watch *w = socketp;

    if (what == CURL_POLL_REMOVE) {
        if (w != NULL) {
            curl_multi_assign(cu->multi, fd, NULL);
            uv_unref((uv_handle_t *)&w->poll);
            lowat_set(cu, w, 1, "the transfer ended");
            w->idle = true;
            w->easy = NULL;
            w->seen_easy = NULL;
            w->again = false;
        }
        return 0;
    }
    if (w == NULL && (w = watch_for(cu, fd)) == NULL) {
        unwatched_add(cu, easy);
        return 0;
    }
    if (easy != NULL) {
        w->easy = easy;
        w->tls = w->tls || tlsread_is_tls(easy);
    }
    int events = 0;
    if (what == CURL_POLL_IN || what == CURL_POLL_INOUT)
        events |= UV_READABLE;
    if (what == CURL_POLL_OUT || what == CURL_POLL_INOUT)
        events |= UV_WRITABLE;
    /* uv_poll_start would unregister the fd and register it again. */
    if (events == w->events && uv_is_active((uv_handle_t *)&w->poll))
        return 0;
    w->events = events;
    if (uv_poll_start(&w->poll, w->events, on_poll) != 0)
        unwatched_add(cu, easy);
    return 0;
}

struct curluv *
curluv_new(uv_loop_t *loop, curluv_done_cb *on_done, void *ctx)
{
    struct curluv *cu = xcalloc(1, sizeof *cu);

    cu->loop = loop;
    cu->on_done = on_done;
    cu->ctx = ctx;
    cu->timer = xcalloc(1, sizeof *cu->timer);
    cu->kick = xcalloc(1, sizeof *cu->kick);
    cu->idle = xcalloc(1, sizeof *cu->idle);
    cu->multi = curl_multi_init();
    if (cu->multi == NULL) {
        xfree(cu->idle);
        xfree(cu->kick);
        xfree(cu->timer);
        xfree(cu);
        return NULL;
    }
    uv_timer_init(loop, cu->timer);
    cu->timer->data = cu;
    uv_timer_init(loop, cu->kick);
    cu->kick->data = cu;
    uv_timer_init(loop, cu->idle);
    cu->idle->data = cu;
    curl_multi_setopt(cu->multi, CURLMOPT_SOCKETFUNCTION, on_curl_socket);
    curl_multi_setopt(cu->multi, CURLMOPT_SOCKETDATA, cu);
    curl_multi_setopt(cu->multi, CURLMOPT_TIMERFUNCTION, on_curl_timer);
    curl_multi_setopt(cu->multi, CURLMOPT_TIMERDATA, cu);
    return cu;
}

CURLM *curluv_multi(struct curluv *cu) { return cu->multi; }
uv_loop_t *curluv_loop(struct curluv *cu) { return cu->loop; }

CURLMcode
curluv_add(struct curluv *cu, CURL *easy)
{
    /* Copied into each connection the transfer opens.  (Through a
     * variable: cppcheck takes a socket-returning function passed by name
     * for a call whose socket leaks.) */
    curl_opensocket_callback open_cb = on_open_socket;
    curl_easy_setopt(easy, CURLOPT_OPENSOCKETFUNCTION, open_cb);
    curl_easy_setopt(easy, CURLOPT_OPENSOCKETDATA, cu);
    curl_easy_setopt(easy, CURLOPT_CLOSESOCKETFUNCTION, on_close_socket);
    curl_easy_setopt(easy, CURLOPT_CLOSESOCKETDATA, cu);
    return curl_multi_add_handle(cu->multi, easy);
}

void
curluv_remove(struct curluv *cu, CURL *easy)
{
    unwatched_take(cu, easy);
    forget_easy(cu, easy);
    curl_multi_remove_handle(cu->multi, easy);
}

void
curluv_kick(struct curluv *cu)
{
    if (!cu->in_action)
        drain_done(cu);
}

void
curluv_free(struct curluv *cu)
{
    if (cu == NULL)
        return;
    /* May call on_curl_socket(REMOVE) for sockets still open. */
    curl_multi_cleanup(cu->multi);
    while (cu->unwatched != NULL)
        unwatched_take(cu, cu->unwatched->easy);
    while (cu->watches != NULL)
        watch_close(cu, cu->watches);
    xfree(cu->byfd);
    uv_timer_stop(cu->timer);
    cu->timer->data = NULL;
    uv_close((uv_handle_t *)cu->timer, on_timer_closed);
    uv_timer_stop(cu->kick);
    cu->kick->data = NULL;
    uv_close((uv_handle_t *)cu->kick, on_timer_closed);
    uv_timer_stop(cu->idle);
    cu->idle->data = NULL;
    uv_close((uv_handle_t *)cu->idle, on_timer_closed);
    xfree(cu);
}
