/*
 * segments.c - -x/--segments: the parts of a file fetched over their own
 * connections; see segments.h.
 *
 * Each part is an owner of attempts like the transfer is: it builds the
 * request (its range, the transfer's validators), takes the answer or
 * refuses it, writes the body at its place, and when an attempt ends asks
 * the retry policy (retry.c) what follows, exactly as the transfer does
 * for its own part.  What concerns only the part (a retry, its end) it
 * does itself; what concerns the whole transfer (start over, fall back to
 * one connection, fail) it hands to the transfer.
 */
#include "config.h"

#include <inttypes.h>
#include <stdio.h>
#include <string.h>

#include "events.h"
#include "exitcodes.h"
#include "mem.h"
#include "msg.h"
#include "segments.h"

/* Parts smaller than this are not worth a connection. */
#define SEGMENT_MIN (1024 * 1024)
/* Several sources: the bytes a source must serve equal to those held
 * before its own are written (the file's first ones, or a part's last). */
#define SOURCE_CHECK (64 * 1024)

/* Why a part's attempt was ended by haul rather than by libcurl. */
enum part_stop {
    PART_STOP_NONE,       /* libcurl ended it */
    PART_STOP_REFUSED,    /* its response was refused (see the outcome's dec) */
    PART_STOP_STALL,      /* no byte for --stall-timeout */
    PART_STOP_WRITE,      /* the output failed */
    PART_STOP_MISMATCH,   /* the bytes compared differ from those held */
    PART_STOP_QUIET,      /* the segments are cancelled: only clean up */
};

struct part {
    struct segments *s;            /* borrowed: the set it belongs to */
    unsigned index;                /* 1, 2, ... (0 is the transfer's own part) */
    uint64_t start, end;           /* bytes [start, end) */
    uint64_t next;                 /* the first byte not yet written */
    enum { PART_WAITING, PART_ACTIVE, PART_DONE } state;
    uint64_t retry_at_ms;
    struct retry_state retry;
    struct attempt *att;           /* in flight, or NULL */
    enum part_stop stop;           /* of the attempt in flight */
    uint64_t received;             /* ... body bytes it brought */
    bool rate_paused;              /* ... paused by --limit-rate */
    struct mem_account acct;       /* its attempts' memory: 0 after each */
    /* Several sources: the one it is fetched from, its failures since, and
     * the check of the attempt in flight: body bytes [vfrom, vfrom + vlen)
     * are compared with vbuf (read from the file), never written. */
    unsigned source;
    int held_src;                  /* the source its bytes so far came from, or -1 */
    unsigned src_failures;
    char *vbuf;                    /* in acct, freed when the attempt ends */
    size_t vlen;
    uint64_t vfrom;
    uint64_t body_off;             /* resource offset of the next body byte */
    bool foreign;                  /* the source has no validators held: a
                                    * difference is its fault, it is dropped */
    bool probe;                    /* the check is the file's first bytes only */
    bool checked;                  /* ... and every byte of it compared equal */
};

struct segments {
    struct segments_setup set;
    uint64_t total;
    uint64_t first_end;            /* the transfer's own part is [0, first_end) */
    struct part *parts;
    unsigned n;
    bool dirty;                    /* bytes written since the last save */
    bool stopped;                  /* cancelled: no part starts again */
    /* The ops may free the segments while one of their own functions is
     * still running: the memory then goes when the outermost returns. */
    unsigned busy;
    bool doomed;
};

static void
enter(struct segments *s)
{
    s->busy++;
}

/* False when the segments are gone (or going): touch nothing more. */
static bool
leave(struct segments *s)
{
    if (--s->busy > 0)
        return !s->doomed;
    if (s->doomed) {
        xfree(s->parts);
        xfree(s);
        return false;
    }
    return true;
}

static uint64_t
now_ms(const struct segments *s)
{
    return uv_now(s->set.env->loop);
}

/* The parts are spread over several sources. */
static bool
spread(const struct segments *s)
{
    return s->set.src != NULL && sources_count(s->set.src) > 1;
}

static struct segments *
create(const struct segments_setup *setup, unsigned nparts, uint64_t total, uint64_t first_end)
{
    struct mem_account *acct = &setup->stats->acct;
    struct segments *s = xcalloc_in(acct, 1, sizeof *s);
    s->set = *setup;
    s->total = total;
    s->first_end = first_end;
    s->parts = xcalloc_in(acct, nparts, sizeof *s->parts);
    return s;
}

static void
add_part(struct segments *s, uint64_t start, uint64_t end, uint64_t next, unsigned source)
{
    struct part *g = &s->parts[s->n];
    memset(g, 0, sizeof *g);
    g->s = s;
    g->index = s->n + 1;
    g->start = start;
    g->end = end;
    g->next = next;
    g->state = next >= end ? PART_DONE : PART_WAITING;
    g->source = source;
    g->held_src = next > start ? (int)source : -1;
    mem_account_init(&g->acct, &s->set.stats->acct);
    s->n++;
}

struct segments *
segments_split(const struct segments_setup *setup, uint64_t total, uint64_t *first_end)
{
    uint64_t n = setup->cfg->segments;
    if (total / n < SEGMENT_MIN)
        n = total / SEGMENT_MIN;
    if (n < 2)
        return NULL;
    *first_end = total / n;
    struct segments *s = create(setup, (unsigned)n - 1, total, *first_end);
    unsigned first = setup->src != NULL ? sources_current(setup->src) : 0;
    for (uint64_t k = 1; k < n; k++) {
        uint64_t start = total * k / n;
        uint64_t end = k + 1 == n ? total : total * (k + 1) / n;
        unsigned source = spread(s) ? sources_nth_live(setup->src, first, (unsigned)k) : 0;
        add_part(s, start, end, start, source);
    }
    msg_verbose("%s: %u connections, first part bytes 0-%" PRIu64, setup->name, s->n + 1,
                *first_end - 1);
    return s;
}

struct segments *
segments_restore(const struct segments_setup *setup, const struct journal *j,
                 uint64_t *first_end)
{
    if (j->nsegments < 2)
        return NULL;
    /* The parts must tile [0, total) in order, as haul writes them. */
    if (!j->total_known || j->seg[0].start != 0)
        return NULL;
    for (unsigned i = 0; i < j->nsegments; i++) {
        if (!j->seg[i].end_known || (i > 0 && j->seg[i].start != j->seg[i - 1].end))
            return NULL;
    }
    if (j->seg[j->nsegments - 1].end != j->total)
        return NULL;
    *first_end = j->seg[0].end;
    struct segments *s = create(setup, j->nsegments - 1, j->total, *first_end);
    for (unsigned i = 1; i < j->nsegments; i++) {
        unsigned source = 0;
        if (spread(s)) {
            int k = j->seg[i].source;
            int found = k >= 0 ? sources_find(setup->src, j->sources[k]) : -1;
            source = found >= 0 ? (unsigned)found : sources_current(setup->src);
        }
        add_part(s, j->seg[i].start, j->seg[i].end, j->seg[i].next, source);
    }
    return s;
}

void
segments_journal(const struct segments *s, struct journal *j)
{
    if (s == NULL)
        return;
    j->seg[0].end_known = true;
    j->seg[0].end = s->first_end;
    for (unsigned i = 0; i < s->n && j->nsegments < JOURNAL_MAX_SEGMENTS; i++) {
        const struct part *g = &s->parts[i];
        j->seg[j->nsegments++] = (struct journal_segment){
            .start = g->start, .end = g->end, .end_known = true, .next = g->next,
            .source = spread(s) ? (int)g->source : -1,
        };
    }
}

uint64_t
segments_bytes(const struct segments *s)
{
    uint64_t n = 0;
    for (unsigned i = 0; s != NULL && i < s->n; i++)
        n += s->parts[i].next - s->parts[i].start;
    return n;
}

bool
segments_all_done(const struct segments *s)
{
    for (unsigned i = 0; s != NULL && i < s->n; i++)
        if (s->parts[i].state != PART_DONE)
            return false;
    return true;
}

bool segments_dirty(const struct segments *s) { return s != NULL && s->dirty; }

void
segments_saved(struct segments *s)
{
    if (s != NULL)
        s->dirty = false;
}

/* ---- a part's attempt --------------------------------------------------- */

static bool
part_on_response(void *owner, const struct head *h, struct response_decision *d)
{
    struct part *g = owner;
    const struct segments_setup *set = &g->s->set;

    events_response(set->env->events, set->stats->id, set->name, &h->got,
                    response_action_name(d->action), d->action == RESP_WRITE ? d->offset : 0);
    if (d->action == RESP_WRITE && d->offset != (g->vlen > 0 ? g->vfrom : g->next)) {
        d->action = RESP_PROTOCOL;
        d->why = "the response does not continue where the part stands";
    }
    if (d->action != RESP_WRITE) {
        /* RESP_SKIP (the server ignores ranges) and the rest: the retry
         * policy says what follows. */
        g->stop = PART_STOP_REFUSED;
        return false;
    }
    if (g->next > g->start)
        set->stats->resumes++;
    g->body_off = d->offset;
    return true;
}

/* Body bytes of the check window: compared with those held, then passed
 * over.  Returns how many of `len` it took, or SIZE_MAX on a difference. */
static size_t
part_check(struct part *g, const char *data, size_t len)
{
    uint64_t vend = g->vfrom + g->vlen;
    if (g->vlen == 0 || g->body_off >= vend)
        return 0;
    size_t n = vend - g->body_off < len ? (size_t)(vend - g->body_off) : len;
    if (memcmp(data, g->vbuf + (g->body_off - g->vfrom), n) != 0) {
        g->stop = PART_STOP_MISMATCH;
        return SIZE_MAX;
    }
    g->body_off += n;
    if (g->body_off == vend) {
        /* The source serves the bytes held: its own may be written. */
        g->checked = true;
        sources_set_verified(g->s->set.src, g->source, true);
    }
    return n;
}

static size_t
part_on_body(void *owner, const char *data, size_t len)
{
    struct part *g = owner;
    struct segments *s = g->s;
    struct sink *sink = output_sink(s->set.out);
    size_t total = len;

    if (rate_limited(s->set.rate) && !rate_take(s->set.rate, now_ms(s), len)) {
        g->rate_paused = true;
        return CURL_WRITEFUNC_PAUSE;
    }
    size_t checked = part_check(g, data, len);
    if (checked == SIZE_MAX)
        return 0;
    data += checked;
    len -= checked;
    if (len == 0 || g->probe)
        return len == 0 ? total : 0;    /* a probe writes nothing */
    if (g->next + len > g->end)
        len = (size_t)(g->end - g->next);    /* never past the part */
    size_t want = len + checked;
    if (sink == NULL || sink_write_at(sink, data, len, g->next) != SINK_OK) {
        g->stop = PART_STOP_WRITE;
        return 0;
    }
    g->next += len;
    g->held_src = (int)g->source;
    g->body_off += len;
    g->received += len;
    s->set.stats->bytes_received += len;
    s->set.stats->bytes_written += len;
    s->dirty = true;
    s->set.ops->on_written(s->set.owner);
    return want == total ? total : 0;
}

/* The part's attempt is gone: check that it left nothing behind. */
static void
part_account(struct part *g)
{
    struct xfer_stats *st = g->s->set.stats;
    struct mem_figures f;
    mem_account_read(&g->acct, &f);
    if (f.live > st->attempt_live_max)
        st->attempt_live_max = f.live;
    if (f.live != 0)
        st->attempts_leaking++;
}

/* What the retry policy needs to know of the part and its attempt. */
static void
part_inputs(const struct part *g, const struct attempt_outcome *ao, struct retry_outcome *o,
            struct retry_held *h)
{
    static const enum retry_end ends[] = {
        [PART_STOP_NONE] = RETRY_END_CURL, [PART_STOP_REFUSED] = RETRY_END_REFUSED,
        [PART_STOP_STALL] = RETRY_END_STALL, [PART_STOP_MISMATCH] = RETRY_END_MISMATCH,
    };
    *o = (struct retry_outcome){
        .end = ends[g->stop], .curl_code = (int)ao->result, .os_errno = ao->os_errno,
        .what = ao->what, .in_head = ao->in_head,
        .alloc_failed = ao->alloc_failed, .decided = ao->decided, .dec = ao->dec,
        .status = ao->head->got.status, .retry_after_ms = ao->head->retry_after_ms,
        .http2 = ao->http_version >= CURL_HTTP_VERSION_2, .bounded = true,
        .accept_ranges = true, .received = g->received, .body_end = g->next,
        .now_ms = now_ms(g->s),
    };
    *h = (struct retry_held){
        .part = g->index, .have = g->next, .part_end = g->end,
        .total_known = true, .total = g->s->total, .can_restart = true,
        .path = output_part_path(g->s->set.out), .stream_retry_ms = -1,
        .contacted = true,    /* parts start after the transfer's first answer */
    };
    if (spread(g->s)) {
        const struct sources *src = g->s->set.src;
        h->source = sources_shown(src, g->source);
        h->sources_left = sources_left_of(src, g->source);
        h->sources_ready = sources_ready_of(src, g->source);
        h->source_failures = g->src_failures;
        /* Bytes were compared: a difference drops a source without the
         * validators held (on the one with them, the file starts over). */
        h->foreign = g->vlen > 0 && g->foreign;
        h->verify_size = g->vfrom + g->vlen;
    }
}

/* Hands a verdict for the whole transfer to it; false when the segments
 * are gone afterwards. */
static bool
escalate(struct segments *s, struct retry_verdict *v)
{
    enter(s);
    s->set.ops->on_verdict(s->set.owner, v);
    return leave(s);
}

/* Another source takes the part's range over: the one it was on is set
 * aside or dropped for every part, as the policy's line says. */
static void
part_switch(struct part *g, const struct retry_verdict *v)
{
    struct segments *s = g->s;
    const struct segments_setup *set = &s->set;
    const char *was = sources_shown(set->src, g->source);
    int next = sources_switch_from(set->src, g->source, v->drop);

    if (next < 0) {
        struct retry_verdict fail = { .action = RETRY_FAIL, .exit_code = HAUL_EXIT_INTERNAL };
        snprintf(fail.message, sizeof fail.message,
                 "segment %u: internal error: no source left to switch to", g->index);
        escalate(s, &fail);
        return;
    }
    const char *to = sources_shown(set->src, (unsigned)next);
    if (v->delay_ms > 0)
        msg_warn("%s: %s; trying %s in %.1fs", set->name, v->message, to,
                 (double)v->delay_ms / 1000.0);
    else
        msg_warn("%s: %s; continuing from %s", set->name, v->message, to);
    events_source(set->env->events, set->stats->id, set->name, was,
                  v->drop ? "dropped" : "aside", v->reason, to, g->next);
    g->source = (unsigned)next;
    g->src_failures = 0;
    s->dirty = true;    /* the journal names each part's source */
    g->retry_at_ms = now_ms(s) + v->delay_ms;
    set->env->wake(set->env->ctx);
}

/* Carries out the verdict on a part. */
static void
part_verdict(struct part *g, struct retry_verdict *v)
{
    struct segments *s = g->s;
    const struct segments_setup *set = &s->set;

    if (v->disconnect != DISC_NONE) {
        set->stats->disconnects[v->disconnect]++;
        events_disconnect(set->env->events, set->stats->id, set->name,
                          disconnect_kind_name(v->disconnect), g->next, v->disconnect_message);
        v->disconnect = DISC_NONE;
    }
    switch (v->action) {
    case RETRY_PART_DONE:
    case RETRY_FINISH:
        g->state = PART_DONE;
        enter(s);
        set->ops->on_part_done(set->owner);
        leave(s);
        return;
    case RETRY_LATER:
        g->src_failures++;
        msg_warn("%s: %s", set->name, v->message);
        events_retry(set->env->events, set->stats->id, set->name, set->stats->attempts + 1,
                     v->delay_ms, v->reason, g->next);
        /* fall through */
    case RETRY_AGAIN:
        g->retry_at_ms = now_ms(s) + v->delay_ms;
        set->env->wake(set->env->ctx);
        return;
    case RETRY_SWITCH:
        part_switch(g, v);
        return;
    case RETRY_START_OVER:
    case RETRY_FALLBACK:
    case RETRY_FAIL:
        escalate(s, v);
        return;
    }
}

static void
part_on_end(void *owner, const struct attempt_outcome *ao)
{
    struct part *g = owner;
    struct segments *s = g->s;
    struct retry_outcome o;
    struct retry_held h;
    struct retry_verdict v;

    g->att = NULL;
    xfree(g->vbuf);
    g->vbuf = NULL;
    part_account(g);
    g->state = PART_WAITING;
    if (g->stop == PART_STOP_QUIET || s->stopped)
        return;
    if (g->probe && g->checked) {
        /* The source served the file's first bytes equal: now its part. */
        msg_verbose("%s: segment %u: source %s serves the bytes held", s->set.name, g->index,
                    sources_shown(s->set.src, g->source));
        g->probe = false;
        g->vlen = 0;
        g->retry_at_ms = now_ms(s);
        s->set.env->wake(s->set.env->ctx);
        return;
    }
    if (g->stop == PART_STOP_WRITE) {
        enter(s);
        s->set.ops->on_output_error(s->set.owner);
        leave(s);
        return;
    }
    part_inputs(g, ao, &o, &h);
    retry_decide(&o, &h, &g->retry, s->set.retry, s->set.env->random01(s->set.env->ctx), &v);
    part_verdict(g, &v);
}

static const struct attempt_ops part_ops = {
    .on_response = part_on_response,
    .on_body = part_on_body,
    .on_end = part_on_end,
};

/*
 * Several sources: what the part's next attempt must compare before its
 * source's bytes are written.  A source not yet checked first serves the
 * file's first SOURCE_CHECK bytes (a probe, once the transfer's own part
 * holds them); a part that resumes on a source without the validators
 * held, or on another source than the one its bytes came from, first
 * compares its own last bytes.  False when the part must wait (or the
 * read failed: the part fails the transfer).
 */
static bool
part_window(struct part *g, const struct segments_view *view, struct attempt_request *req)
{
    struct segments *s = g->s;
    bool foreign = (int)g->source != view->ver_source;
    int err;

    g->vlen = 0;
    g->foreign = foreign;
    g->probe = g->checked = false;
    if (foreign) {
        /* Another server's validators mean nothing there. */
        req->if_range = NULL;
        req->ask.etag[0] = req->ask.last_modified[0] = '\0';
    }
    if (foreign && !sources_verified(s->set.src, g->source)) {
        if (view->prefix < SOURCE_CHECK)
            return false;
        g->probe = true;
        g->vfrom = 0;
        g->vlen = SOURCE_CHECK;
        req->ask.range_first = 0;
        req->ask.range_last = SOURCE_CHECK - 1;
    } else if (g->next > g->start && (foreign || g->held_src != (int)g->source)) {
        g->vlen = g->next - g->start < SOURCE_CHECK ? (size_t)(g->next - g->start) : SOURCE_CHECK;
        g->vfrom = g->next - g->vlen;
        req->ask.range_first = g->vfrom;
    } else {
        return true;
    }
    g->vbuf = xmalloc_in(&g->acct, g->vlen);
    err = output_read_tail(s->set.out, g->vfrom + g->vlen, g->vbuf, g->vlen);
    if (err != 0) {
        struct retry_verdict v = { .action = RETRY_FAIL, .exit_code = HAUL_EXIT_WRITE };
        snprintf(v.message, sizeof v.message, "segment %u: cannot read %s back to check it: %s",
                 g->index, output_part_path(s->set.out), strerror(err));
        xfree(g->vbuf);
        g->vbuf = NULL;
        g->vlen = 0;
        escalate(s, &v);
        return false;
    }
    return true;
}

/* Starts the part's next attempt; false when it must wait (a probe whose
 * bytes are not held yet). */
static bool
part_start(struct part *g, uint64_t now, const struct segments_view *view)
{
    struct segments *s = g->s;
    const struct attempt_request *base = view->base;
    struct attempt_request req = *base;
    const char *why = NULL;

    /* Exactly the part's remaining bytes, of the same version. */
    req.ask = (struct response_ask){
        .held = g->next, .ranged = true, .range_first = g->next,
        .range_last_set = true, .range_last = g->end - 1,
        .total_known = base->ask.total_known, .total = base->ask.total,
    };
    memcpy(req.ask.etag, base->ask.etag, sizeof req.ask.etag);
    memcpy(req.ask.last_modified, base->ask.last_modified, sizeof req.ask.last_modified);
    if (spread(s)) {
        if (sources_state(s->set.src, g->source) == SOURCE_DROPPED) {
            g->source = sources_nth_live(s->set.src, g->source, 0);
            g->src_failures = 0;
        }
        req.url = sources_url(s->set.src, g->source);
        req.credentials = true;    /* the URL as given */
        if (!part_window(g, view, &req))
            return false;
    }
    req.last_event_id = NULL;
    req.own_connection = true;
    req.acct = &g->acct;
    g->stop = PART_STOP_NONE;
    g->received = 0;
    g->rate_paused = false;
    g->att = attempt_start(s->set.env->cu, &req, &part_ops, g, now, &why);
    if (g->att == NULL) {
        struct retry_verdict v = { .action = RETRY_FAIL, .exit_code = HAUL_EXIT_INTERNAL };
        snprintf(v.message, sizeof v.message, "segment %u: %s", g->index, why);
        xfree(g->vbuf);
        g->vbuf = NULL;
        escalate(s, &v);
        return true;
    }
    g->state = PART_ACTIVE;
    s->set.stats->attempts++;
    return true;
}

/* One part's turn in the tick; returns when it wants the next. */
static uint64_t
part_tick(struct part *g, uint64_t now, const struct segments_view *view)
{
    uint64_t stall = g->s->set.cfg->stall_timeout_ms;

    if (g->state == PART_WAITING) {
        /* After -c, parts wait until the transfer's own answer opened the
         * output: they write into it. */
        if (!output_is_open(g->s->set.out))
            return UINT64_MAX;
        if (now < g->retry_at_ms)
            return g->retry_at_ms;
        /* A probe waits for the bytes it is compared with. */
        if (!part_start(g, now, view) && !g->s->stopped)
            return now + 20;
        return UINT64_MAX;
    }
    if (g->state != PART_ACTIVE || g->att == NULL || attempt_paused(g->att) || stall == 0)
        return UINT64_MAX;
    if (now - attempt_last_byte_ms(g->att) < stall)
        return attempt_last_byte_ms(g->att) + stall;
    g->stop = PART_STOP_STALL;
    attempt_abort(g->att);    /* part_on_end decides */
    return g->state == PART_WAITING ? g->retry_at_ms : UINT64_MAX;
}

uint64_t
segments_tick(struct segments *s, uint64_t now, const struct segments_view *view)
{
    uint64_t next = UINT64_MAX;

    enter(s);
    for (unsigned i = 0; i < s->n && !s->stopped && !s->doomed; i++) {
        uint64_t due = part_tick(&s->parts[i], now, view);
        if (due < next)
            next = due;
    }
    if (!leave(s) || s->stopped)
        return UINT64_MAX;
    return next;
}

bool
segments_rate_resume(struct segments *s, uint64_t now)
{
    bool resumed = false;

    enter(s);
    /* An attempt that unpausing ends may fail the transfer or free the
     * parts: check before each one. */
    for (unsigned i = 0; i < s->n && !s->stopped && !s->doomed; i++) {
        struct part *g = &s->parts[i];
        if (g->att == NULL || !g->rate_paused || !rate_ready(s->set.rate))
            continue;
        g->rate_paused = false;
        attempt_unpause(g->att, now);
        resumed = true;
    }
    leave(s);
    return resumed;
}

void
segments_cancel(struct segments *s)
{
    if (s == NULL)
        return;
    enter(s);
    s->stopped = true;
    for (unsigned i = 0; i < s->n; i++) {
        struct part *g = &s->parts[i];
        if (g->att != NULL) {
            g->stop = PART_STOP_QUIET;
            attempt_abort(g->att);
        }
        if (g->state != PART_DONE)
            g->state = PART_WAITING;
    }
    leave(s);
}

void
segments_free(struct segments *s)
{
    if (s == NULL)
        return;
    segments_cancel(s);
    s->doomed = true;
    if (s->busy == 0) {
        s->busy = 1;
        leave(s);
    }
}
