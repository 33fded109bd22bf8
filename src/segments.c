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

#include "backoff.h"
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
            a->abort = ABORT_RESPONSE;
            return false;
        }
        if (g->next > g->start)
            t->stats->resumes++;
        return true;
    case RESP_SKIP:
        a->abort = ABORT_SEGFALLBACK;    /* the server ignores ranges */
        return false;
    default:
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

void
segment_ended(struct segment *g, CURLcode result)
{
    struct transfer *t = g->t;
    struct attempt *a = g->att;
    struct failure_class cls;
    char what[CURL_ERROR_SIZE + 64];
    long os_errno = 0;
    bool progress = a->received > 0;
    enum abort_reason abort = a->abort;
    int abort_code = a->abort_code;
    struct response_decision dec = a->dec;
    int status = a->head.got.status;
    bool in_head = attempt_in_head(a);
    int64_t retry_after = a->head.retry_after_ms;

    curl_easy_getinfo(a->easy, CURLINFO_OS_ERRNO, &os_errno);
    snprintf(what, sizeof what, "%s", a->errbuf[0] ? a->errbuf : curl_easy_strerror(result));
    segment_drop_attempt(g, false);
    g->state = SEG_WAITING;
    if (t->state == XS_DONE || t->state == XS_DRAINING || t->state == XS_FINISHING)
        return;

    if (abort == ABORT_NONE && result == CURLE_OK && g->next >= g->end) {
        g->state = SEG_DONE;
        transfer_segment_done(t);
        return;
    }
    switch (abort) {
    case ABORT_SEGFALLBACK:
        transfer_segments_fallback(t, "the server answered a segment with the whole file");
        return;
    case ABORT_RESPONSE:
        if (dec.action == RESP_HTTP_ERROR) {
            classify_http(status, &cls);
            snprintf(what, sizeof what, "HTTP %d", status);
            break;
        }
        if (dec.action == RESP_CHANGED || dec.action == RESP_RESTART ||
            dec.action == RESP_GAP) {
            transfer_restart_all(t, "the resource changed while its segments were fetched");
            return;
        }
        transfer_fail_from_segment(t, HAUL_EXIT_PROTOCOL, dec.why ? dec.why :
                                   "a segment's answer does not match its range");
        return;
    case ABORT_WRITE:
        transfer_fail_write(t, abort_code);
        return;
    case ABORT_STALL:
        cls = (struct failure_class){ HAUL_EXIT_TIMEOUT, true, false, DISC_STALL };
        snprintf(what, sizeof what, "no data for %.1fs", (double)t->cfg->stall_timeout_ms / 1000);
        break;
    case ABORT_NONE:
        if (result == CURLE_OK) {
            /* Ended before the end of its part: ask for the rest. */
            cls = (struct failure_class){ HAUL_EXIT_PARTIAL, true, false, DISC_FIN };
            snprintf(what, sizeof what, "response ended early");
        } else {
            classify_curl((int)result, (int)os_errno, &cls);
            const char *server_limit = classify_server_limit((int)result, what, in_head);
            if (server_limit != NULL) {
                transfer_fail_from_segment(t, HAUL_EXIT_PROTOCOL, server_limit);
                return;
            }
            if (result == CURLE_PARTIAL_FILE || result == CURLE_GOT_NOTHING)
                cls.kind = DISC_FIN;
            if (cls.kind == DISC_RST)
                snprintf(what, sizeof what, "connection reset");
            else if (cls.kind == DISC_FIN)
                snprintf(what, sizeof what, "connection closed early");
        }
        break;
    default:
        /* Deadline, signal, cancel: the transfer ends them itself. */
        return;
    }

    if (cls.kind != DISC_NONE) {
        t->stats->disconnects[cls.kind]++;
        events_disconnect(run_events(t->run), t->stats->id, t->display_url,
                          disconnect_kind_name(cls.kind), g->next, what);
    }
    const struct config *cfg = t->cfg;
    if (progress)
        g->failures = 0;
    else
        g->failures++;
    if (cls.limited && ++g->limited_failures > (cfg->retry < 3 ? cfg->retry : 3)) {
        transfer_fail_from_segment(t, cls.exit_code, what);
        return;
    }
    if (cfg->retry == 0 || !cls.retryable ||
        (cfg->retry != RETRY_FOREVER && g->failures > cfg->retry)) {
        transfer_fail_from_segment(t, cls.exit_code, what);
        return;
    }
    struct backoff_policy pol = {
        .base_ms = cfg->retry_delay_ms, .max_ms = cfg->retry_max_delay_ms,
        .fixed = cfg->retry_fixed,
    };
    uint64_t delay = backoff_delay_ms(&pol, g->failures,
                                      status == 429 || status == 503 ? retry_after : -1,
                                      run_random01(t->run));
    char retry_of[32] = "";
    if (cfg->retry != RETRY_FOREVER)
        snprintf(retry_of, sizeof retry_of, " of %u", cfg->retry);
    msg_warn("%s: segment %u: %s at byte %" PRIu64 "; retry %u%s in %.1fs", t->display_url,
             g->index, what, g->next, g->failures > 0 ? g->failures : 1, retry_of,
             (double)delay / 1000);
    events_retry(run_events(t->run), t->stats->id, t->display_url, t->stats->attempts + 1,
                 delay, what, g->next);
    g->retry_at_ms = now_ms(t) + delay;
    run_poke(t->run);
}
