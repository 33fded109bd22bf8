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

/* Why a part's attempt was ended by haul rather than by libcurl. */
enum part_stop {
    PART_STOP_NONE,       /* libcurl ended it */
    PART_STOP_REFUSED,    /* its response was refused (see the outcome's dec) */
    PART_STOP_STALL,      /* no byte for --stall-timeout */
    PART_STOP_WRITE,      /* the output failed */
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
add_part(struct segments *s, uint64_t start, uint64_t end, uint64_t next)
{
    struct part *g = &s->parts[s->n];
    memset(g, 0, sizeof *g);
    g->s = s;
    g->index = s->n + 1;
    g->start = start;
    g->end = end;
    g->next = next;
    g->state = next >= end ? PART_DONE : PART_WAITING;
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
    for (uint64_t k = 1; k < n; k++) {
        uint64_t start = total * k / n;
        uint64_t end = k + 1 == n ? total : total * (k + 1) / n;
        add_part(s, start, end, start);
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
    for (unsigned i = 1; i < j->nsegments; i++)
        add_part(s, j->seg[i].start, j->seg[i].end, j->seg[i].next);
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
    if (d->action == RESP_WRITE && d->offset != g->next) {
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
    return true;
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
    if (g->next + len > g->end)
        len = (size_t)(g->end - g->next);    /* never past the part */
    if (sink == NULL || sink_write_at(sink, data, len, g->next) != SINK_OK) {
        g->stop = PART_STOP_WRITE;
        return 0;
    }
    g->next += len;
    g->received += len;
    s->set.stats->bytes_received += len;
    s->set.stats->bytes_written += len;
    s->dirty = true;
    s->set.ops->on_written(s->set.owner);
    return len == total ? total : 0;
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
        [PART_STOP_STALL] = RETRY_END_STALL,
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
        msg_warn("%s: %s", set->name, v->message);
        events_retry(set->env->events, set->stats->id, set->name, set->stats->attempts + 1,
                     v->delay_ms, v->reason, g->next);
        /* fall through */
    case RETRY_AGAIN:
        g->retry_at_ms = now_ms(s) + v->delay_ms;
        set->env->wake(set->env->ctx);
        return;
    case RETRY_START_OVER:
    case RETRY_FALLBACK:
    case RETRY_FAIL:
    case RETRY_SWITCH:    /* parts are not told of sources: never */
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
    part_account(g);
    g->state = PART_WAITING;
    if (g->stop == PART_STOP_QUIET || s->stopped)
        return;
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

static void
part_start(struct part *g, uint64_t now, const struct attempt_request *base)
{
    struct segments *s = g->s;
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
    req.last_event_id = NULL;
    req.own_connection = true;
    req.acct = &g->acct;
    g->stop = PART_STOP_NONE;
    g->received = 0;
    g->rate_paused = false;
    g->att = attempt_start(s->set.env->cu, &req, &part_ops, g, now, &why);
    if (g->att == NULL) {
        struct retry_verdict v = { .action = RETRY_FAIL, .exit_code = HAUL_EXIT_INTERNAL };
        snprintf(v.message, sizeof v.message, "%s: segment %u: %s", s->set.name, g->index, why);
        escalate(s, &v);
        return;
    }
    g->state = PART_ACTIVE;
    s->set.stats->attempts++;
}

/* One part's turn in the tick; returns when it wants the next. */
static uint64_t
part_tick(struct part *g, uint64_t now, const struct attempt_request *base)
{
    uint64_t stall = g->s->set.cfg->stall_timeout_ms;

    if (g->state == PART_WAITING) {
        /* After -c, parts wait until the transfer's own answer opened the
         * output: they write into it. */
        if (!output_is_open(g->s->set.out))
            return UINT64_MAX;
        if (now < g->retry_at_ms)
            return g->retry_at_ms;
        part_start(g, now, base);
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
segments_tick(struct segments *s, uint64_t now, const struct attempt_request *base)
{
    uint64_t next = UINT64_MAX;

    enter(s);
    for (unsigned i = 0; i < s->n && !s->stopped && !s->doomed; i++) {
        uint64_t due = part_tick(&s->parts[i], now, base);
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
