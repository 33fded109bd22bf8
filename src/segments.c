/*
 * segments.c - -x/--segments: one file over several connections.
 *
 * The transfer's own attempt fetches the first part, [0, seg_end); each
 * other part is a struct segment with its own attempts, retries and resume
 * offset, written with pwrite at its place in FILE.part and recorded in the
 * journal, so `-c` after kill -9 resumes every part where it stood.  Each
 * segment's request carries Range "A-B" and the same If-Range as the
 * transfer, and its answer must be a 206 starting at exactly A, for the
 * same version and total (response_decide).  A server that answers a
 * segment with the whole resource (it ignores ranges) makes the transfer
 * fall back to one connection; one that answers with another version makes
 * it start over.  Nothing a segment fetched is trusted past that point.
 */
#include "config.h"

#include <inttypes.h>
#include <stdio.h>
#include <string.h>

#include "events.h"
#include "exitcodes.h"
#include "msg.h"
#include "run.h"
#include "transfer_int.h"

/* Parts smaller than this are not worth a connection. */
#define SEGMENT_MIN (1024 * 1024)

static uint64_t now_ms(const struct transfer *t) { return run_now_ms(t->run); }

bool
segments_wanted(const struct transfer *t, const struct attempt *a)
{
    return t->cfg->segments > 1 && t->nsegs == 0 && output_kind(t->out) == OUTPUT_PARTFILE &&
           !t->stream && !t->encoded && t->total_known && a->head.accept_ranges &&
           t->total >= 2 * (uint64_t)SEGMENT_MIN;
}

static void
add_segment(struct transfer *t, uint64_t start, uint64_t end, uint64_t next)
{
    struct segment *g = &t->segs[t->nsegs];
    memset(g, 0, sizeof *g);
    g->t = t;
    g->index = t->nsegs + 1;
    g->start = start;
    g->end = end;
    g->next = next;
    g->state = next >= end ? SEG_DONE : SEG_WAITING;
    g->retry_at_ms = 0;
    mem_account_init(&g->acct, t->acct);
    t->nsegs++;
}

void
segments_split(struct transfer *t)
{
    uint64_t n = t->cfg->segments;
    if (t->total / n < SEGMENT_MIN)
        n = t->total / SEGMENT_MIN;
    if (n < 2)
        return;
    t->segs = xcalloc_in(t->acct, (size_t)n - 1, sizeof *t->segs);
    t->seg_end = t->total / n;
    for (uint64_t k = 1; k < n; k++) {
        uint64_t start = t->total * k / n;
        uint64_t end = k + 1 == n ? t->total : t->total * (k + 1) / n;
        add_segment(t, start, end, start);
    }
    msg_verbose("%s: %u connections, first part bytes 0-%" PRIu64, t->display_url,
                t->nsegs + 1, t->seg_end - 1);
}

bool
segments_restore(struct transfer *t, const struct journal *j)
{
    if (j->nsegments < 2)
        return false;
    /* The parts must tile [0, total) in order, as haul writes them. */
    if (!j->total_known || j->seg[0].start != 0)
        return false;
    for (unsigned i = 0; i < j->nsegments; i++) {
        if (!j->seg[i].end_known || (i > 0 && j->seg[i].start != j->seg[i - 1].end))
            return false;
    }
    if (j->seg[j->nsegments - 1].end != j->total)
        return false;
    t->segs = xcalloc_in(t->acct, j->nsegments - 1, sizeof *t->segs);
    t->seg_end = j->seg[0].end;
    for (unsigned i = 1; i < j->nsegments; i++)
        add_segment(t, j->seg[i].start, j->seg[i].end, j->seg[i].next);
    return true;
}

void
segments_journal(const struct transfer *t, struct journal *j)
{
    if (t->nsegs == 0)
        return;
    j->seg[0].end_known = true;
    j->seg[0].end = t->seg_end;
    for (unsigned i = 0; i < t->nsegs && j->nsegments < JOURNAL_MAX_SEGMENTS; i++) {
        const struct segment *g = &t->segs[i];
        j->seg[j->nsegments++] = (struct journal_segment){
            .start = g->start, .end = g->end, .end_known = true, .next = g->next,
        };
    }
}

uint64_t
segments_bytes(const struct transfer *t)
{
    uint64_t n = 0;
    for (unsigned i = 0; i < t->nsegs; i++)
        n += t->segs[i].next - t->segs[i].start;
    return n;
}

bool
segments_all_done(const struct transfer *t)
{
    for (unsigned i = 0; i < t->nsegs; i++)
        if (t->segs[i].state != SEG_DONE)
            return false;
    return true;
}

/* Releases a segment's attempt, checking it left nothing behind. */
static void
segment_drop_attempt(struct segment *g, bool remove)
{
    struct attempt *a = g->att;
    struct mem_figures f;
    if (a == NULL)
        return;
    g->att = NULL;
    if (remove)
        curluv_remove(run_curluv(g->t->run), a->easy);
    attempt_free(a);
    mem_account_read(&g->acct, &f);
    if (f.live > g->t->stats->attempt_live_max)
        g->t->stats->attempt_live_max = f.live;
    if (f.live != 0)
        g->t->stats->attempts_leaking++;
}

void
segments_cancel(struct transfer *t)
{
    for (unsigned i = 0; i < t->nsegs; i++) {
        segment_drop_attempt(&t->segs[i], true);
        if (t->segs[i].state != SEG_DONE)
            t->segs[i].state = SEG_WAITING;
    }
}

void
segments_free(struct transfer *t)
{
    segments_cancel(t);
    xfree(t->segs);
    t->segs = NULL;
    t->nsegs = 0;
    t->seg_end = UINT64_MAX;
}

static void
segment_start(struct segment *g, uint64_t now)
{
    struct transfer *t = g->t;
    int code = HAUL_EXIT_INTERNAL;

    g->att = attempt_new(t, g, now, &code);
    if (g->att == NULL) {
        transfer_fail_from_segment(t, code, "cannot set up the request of a segment");
        return;
    }
    g->state = SEG_ACTIVE;
    t->stats->attempts++;
    if (curluv_add(run_curluv(t->run), g->att->easy) != CURLM_OK) {
        segment_drop_attempt(g, false);
        transfer_fail_from_segment(t, HAUL_EXIT_INTERNAL, "cannot start a segment");
    }
}

uint64_t
segments_tick(struct transfer *t, uint64_t now)
{
    uint64_t next = UINT64_MAX;
    for (unsigned i = 0; i < t->nsegs && t->nsegs > 0; i++) {
        struct segment *g = &t->segs[i];
        if (t->state != XS_ACTIVE && t->state != XS_WAITING && t->state != XS_SEGWAIT)
            return UINT64_MAX;    /* failed or finishing meanwhile */
        if (g->state == SEG_WAITING) {
            /* After -c, parts wait until the transfer's own answer opened
             * the output: they write into it. */
            if (!output_is_open(t->out))
                continue;
            if (now >= g->retry_at_ms)
                segment_start(g, now);
            else if (g->retry_at_ms < next)
                next = g->retry_at_ms;
            if (t->state == XS_DONE || t->nsegs == 0)
                return UINT64_MAX;
            continue;
        }
        if (g->state == SEG_ACTIVE && g->att != NULL && !g->att->paused &&
            t->cfg->stall_timeout_ms > 0) {
            if (now - g->att->last_byte_ms >= t->cfg->stall_timeout_ms) {
                g->att->abort = ABORT_STALL;
                curluv_remove(run_curluv(t->run), g->att->easy);
                segment_ended(g, CURLE_ABORTED_BY_CALLBACK);
                if (t->state == XS_DONE || t->nsegs == 0)
                    return UINT64_MAX;
                if (g->state == SEG_WAITING && g->retry_at_ms < next)
                    next = g->retry_at_ms;
            } else if (g->att->last_byte_ms + t->cfg->stall_timeout_ms < next) {
                next = g->att->last_byte_ms + t->cfg->stall_timeout_ms;
            }
        }
    }
    return next;
}

bool
segment_on_response(struct segment *g, struct attempt *a)
{
    struct transfer *t = g->t;
    const struct response_decision *d = &a->dec;

    events_response(run_events(t->run), t->stats->id, t->display_url, a->head.got.status,
                    a->head.got.has_length, a->head.got.length,
                    a->head.got.has_range && a->head.got.range.total_known, a->head.got.range.total,
                    a->head.got.etag, a->head.got.last_modified, response_action_name(d->action),
                    d->action == RESP_WRITE ? d->offset : 0);
    switch (d->action) {
    case RESP_WRITE:
        if (d->offset != g->next) {
            a->dec.action = RESP_PROTOCOL;
            a->dec.why = "the response does not continue where the part stands";
            a->abort = ABORT_RESPONSE;
            return false;
        }
        if (g->next > g->start)
            t->stats->resumes++;
        return true;
    default:
        /* RESP_SKIP (the server ignores ranges) and the rest: the retry
         * policy says what follows. */
        a->abort = ABORT_RESPONSE;
        return false;
    }
}

size_t
segment_on_body(struct segment *g, struct attempt *a, const char *data, size_t len)
{
    struct transfer *t = g->t;
    struct sink *s = output_sink(t->out);
    size_t total = len;

    a->last_byte_ms = uv_now(run_loop(t->run));
    if (!transfer_rate_take(t, a, len))
        return CURL_WRITEFUNC_PAUSE;
    if (g->next + len > g->end)
        len = (size_t)(g->end - g->next);    /* never past the part */
    if (s == NULL || sink_write_at(s, data, len, g->next) != SINK_OK) {
        a->abort = ABORT_WRITE;
        a->abort_code = transfer_write_error_code(s);
        return 0;
    }
    g->next += len;
    a->received += len;
    t->stats->bytes_received += len;
    t->stats->bytes_written += len;
    t->journal_dirty = true;
    return len == total ? total : 0;
}

/* How a part's attempt ended, for the retry policy. */
static void
part_outcome(const struct segment *g, const struct attempt *a, CURLcode result,
             const char *what, struct retry_outcome *o)
{
    long os_errno = 0;

    curl_easy_getinfo(a->easy, CURLINFO_OS_ERRNO, &os_errno);
    memset(o, 0, sizeof *o);
    o->end = a->abort == ABORT_RESPONSE ? RETRY_END_REFUSED
           : a->abort == ABORT_STALL ? RETRY_END_STALL : RETRY_END_CURL;
    o->curl_code = (int)result;
    o->os_errno = (int)os_errno;
    o->what = what;
    o->in_head = attempt_in_head(a);
    o->decided = a->decided;
    o->dec = a->dec;
    o->status = a->head.got.status;
    o->retry_after_ms = a->head.retry_after_ms;
    o->bounded = true;
    o->accept_ranges = true;
    o->received = a->received;
    o->body_end = g->next;
    o->now_ms = now_ms(g->t);
}

static void
part_held(const struct segment *g, struct retry_held *h)
{
    const struct transfer *t = g->t;
    memset(h, 0, sizeof *h);
    h->name = t->display_url;
    h->part = g->index;
    h->have = g->next;
    h->part_end = g->end;
    h->total_known = t->total_known;
    h->total = t->total;
    h->can_restart = true;
    h->path = output_part_path(t->out);
    h->stream_retry_ms = -1;
}

void
segment_ended(struct segment *g, CURLcode result)
{
    struct transfer *t = g->t;
    struct attempt *a = g->att;
    struct retry_outcome o;
    struct retry_held held;
    struct retry_config rc;
    struct retry_verdict v;
    char what[CURL_ERROR_SIZE + 64];
    enum abort_reason abort = a->abort;
    int abort_code = a->abort_code;

    snprintf(what, sizeof what, "%s", a->errbuf[0] ? a->errbuf : curl_easy_strerror(result));
    part_outcome(g, a, result, what, &o);
    segment_drop_attempt(g, false);
    g->state = SEG_WAITING;
    if (t->state == XS_DONE || t->state == XS_DRAINING || t->state == XS_FINISHING)
        return;
    if (abort == ABORT_WRITE) {
        transfer_fail_write(t, abort_code);
        return;
    }
    if (abort != ABORT_NONE && abort != ABORT_RESPONSE && abort != ABORT_STALL)
        return;    /* deadline, signal, cancel: the transfer ends them itself */

    part_held(g, &held);
    transfer_retry_config(t, &rc);
    retry_decide(&o, &held, &g->retry, &rc, run_random01(t->run), &v);
    if (v.disconnect != DISC_NONE) {
        t->stats->disconnects[v.disconnect]++;
        events_disconnect(run_events(t->run), t->stats->id, t->display_url,
                          disconnect_kind_name(v.disconnect), g->next, v.disconnect_message);
        v.disconnect = DISC_NONE;
    }
    switch (v.action) {
    case RETRY_PART_DONE:
    case RETRY_FINISH:
        g->state = SEG_DONE;
        transfer_segment_done(t);
        return;
    case RETRY_AGAIN:
    case RETRY_LATER:
        if (v.action == RETRY_LATER) {
            msg_warn("%s", v.message);
            events_retry(run_events(t->run), t->stats->id, t->display_url,
                         t->stats->attempts + 1, v.delay_ms, v.reason, g->next);
        }
        g->retry_at_ms = now_ms(t) + v.delay_ms;
        run_poke(t->run);
        return;
    case RETRY_START_OVER:
    case RETRY_FALLBACK:
    case RETRY_FAIL:
        transfer_part_verdict(t, &v);    /* may free the segments */
        return;
    }
}
