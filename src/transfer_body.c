/*
 * transfer_body.c - what a transfer does with an answer and its body: the
 * callbacks of its own attempts (attempt.h's on_response and on_body).
 *
 * The answer's head was judged by response_decide() against what was
 * asked; here it is carried out: write from where the output stands,
 * start over from byte 0, drop the bytes that are held already, or refuse.
 * A resume without a validator first compares the bytes before the resume
 * point with what is held (the overlap check), from FILE.part or from the
 * ring of last bytes kept for outputs that can't be read back.  --stream
 * bodies go through records.c so that a reconnect never glues half a
 * record to the next connection's bytes.
 */
#include "config.h"

#include <errno.h>
#include <inttypes.h>
#include <stdio.h>
#include <string.h>
#include <strings.h>

#include "events.h"
#include "exitcodes.h"
#include "human.h"
#include "mem.h"
#include "msg.h"
#include "transfer_int.h"

/* Bytes kept for the overlap check when an output can't be read back. */
#define TAIL_KEEP (64 * 1024)

/* ---- the tail ring -------------------------------------------------- */

bool
transfer_tail_copy(const struct transfer *t, char *buf, size_t len)
{
    if (!t->keep_tail || t->tail_fill < len)
        return false;
    /* The ring's last `len` bytes, oldest first. */
    size_t start = (t->tail_head + TAIL_KEEP - len) % TAIL_KEEP;
    size_t first = len < TAIL_KEEP - start ? len : TAIL_KEEP - start;
    memcpy(buf, t->tail + start, first);
    memcpy(buf + first, t->tail, len - first);
    return true;
}

static void
tail_keep(struct transfer *t, const char *data, size_t len)
{
    if (t->tail == NULL)
        t->tail = xmalloc_in(t->acct, TAIL_KEEP);
    if (len > TAIL_KEEP) {
        data += len - TAIL_KEEP;
        len = TAIL_KEEP;
    }
    size_t first = len < TAIL_KEEP - t->tail_head ? len : TAIL_KEEP - t->tail_head;
    memcpy(t->tail + t->tail_head, data, first);
    memcpy(t->tail, data + first, len - first);
    t->tail_head = (t->tail_head + len) % TAIL_KEEP;
    t->tail_fill = t->tail_fill + len > TAIL_KEEP ? TAIL_KEEP : t->tail_fill + len;
}

/* ---- the response ------------------------------------------------------ */

static const char *
validated_by(const struct transfer *t)
{
    const struct response_ask *ask = &t->fl.ask;
    if (t->fl.sent_last_event_id)
        return "last-event-id";
    if (ask->if_range)
        return http_etag_is_strong(ask->etag) && ask->etag[0] ? "etag" : "last-modified";
    if (ask->total_known)
        return "length";
    return "none";
}

/* The answer is of a version not held before: take its validators. */
static void
adopt_version(struct transfer *t, const struct head *h)
{
    version_adopt(&t->ver, h, time(NULL));
    t->ver_source = (int)t->fl.source;
    t->stats->total_known = t->ver.total_known;
    t->stats->total = t->ver.total;
    /* No validator, or another source to switch to: a resume will be
     * checked by overlap, and an output that can't be read back must keep
     * its last bytes for that. */
    t->keep_tail = ((!version_strong(&t->ver) && !t->ver.lm_safe) || transfer_mirrored(t)) &&
                   !t->stream && output_kind(t->out) != OUTPUT_PARTFILE;
    t->tail_fill = t->tail_head = 0;
}

/* A 206 of the version held may tell the total only now. */
static void
learn_total(struct transfer *t, const struct head *h)
{
    const struct response_got *g = &h->got;
    if (!t->ver.total_known && g->has_range && g->range.total_known) {
        t->ver.total_known = true;
        t->ver.total = g->range.total;
    }
}

static void
setup_records(struct transfer *t, const struct head *h)
{
    enum stream_mode m = t->cfg->stream;
    if (!t->stream || t->rec_on)
        return;
    bool sse = m == STREAM_EVENTS ||
               (m != STREAM_LINES && strncasecmp(h->content_type, "text/event-stream", 17) == 0);
    t->sse = sse;
    /* raw: no record boundaries, and so no event id to resume from. */
    if (m == STREAM_RAW)
        return;
    records_init(&t->rec, sse ? RECORDS_EVENTS : RECORDS_LINES,
                 (size_t)t->cfg->buffer_size / 2, t->acct);
    t->rec_on = true;
}

/* Ends the attempt from a callback because the output failed. */
static void
stop_for_output(struct transfer *t, int code, bool said)
{
    t->fl.stop = STOP_WRITE;
    t->fl.stop_code = code;
    t->fl.stop_said = said;
}

static bool
open_output(struct transfer *t, uint64_t at)
{
    int code = HAUL_EXIT_WRITE;
    struct journal j;
    int err = output_open(t->out, at, t->segs != NULL ? t->ver.total : at,
                          transfer_journal(t, &j), &code);
    if (err == 0)
        return true;
    if (code == HAUL_EXIT_PIPE) {
        stop_for_output(t, code, false);
        return false;
    }
    if (output_problem(t->out) != NULL)
        msg_error("%s: %s", t->display_url, output_problem(t->out));
    else
        msg_error("%s: cannot write %s: %s", t->display_url, output_part_path(t->out),
                  strerror(err));
    stop_for_output(t, code, true);
    return false;
}

/* The answer starts the resource over: 200 to a resume of a file. */
static bool
restart(struct transfer *t, const struct head *h, struct response_decision *d)
{
    /* With segments running, starting over ends their attempts, which
     * may not happen inside a libcurl callback: ask again instead. */
    if (d->refetch || t->segs != NULL) {
        d->refetch = true;
        t->fl.stop = STOP_REFUSED;
        return false;
    }
    msg_note("%s: %s", t->display_url, d->why);
    if (transfer_start_over(t) != 0) {
        stop_for_output(t, HAUL_EXIT_WRITE, false);
        return false;
    }
    adopt_version(t, h);
    setup_records(t, h);
    return open_output(t, 0);
}

/* --stream: a fresh stream after a reconnect; the bytes between are lost. */
static bool
gap(struct transfer *t, const struct head *h, const struct response_decision *d)
{
    size_t lost = t->rec_on ? records_discard(&t->rec) : 0;
    t->stats->gaps++;
    msg_warn("%s: the stream restarted after a reconnect; bytes in between are lost "
             "(%zu held bytes of an incomplete record dropped)", t->display_url, lost);
    events_gap(t->env.events, t->stats->id, t->display_url, false, 0, d->why);
    t->have = 0;
    adopt_version(t, h);
    setup_records(t, h);
    return open_output(t, 0);
}

/* A 206 (or 200) whose bytes come from range_first on: with the overlap
 * check open, compare first; else they must continue the output. */
static bool
write_from(struct transfer *t, const struct head *h, struct response_decision *d)
{
    const struct response_got *g = &h->got;

    if (t->verify_pending) {
        if (d->offset != t->fl.ask.range_first ||
            (g->has_range && g->range.total_known && g->range.total < t->verify_size)) {
            t->fl.stop = STOP_MISMATCH;
            return false;
        }
        t->fl.body_off = d->offset;
        if (t->fl.foreign)
            version_adopt(&t->fl.next_ver, h, time(NULL));    /* once the overlap passed */
        else if (d->new_version)
            adopt_version(t, h);
        else
            learn_total(t, h);
        setup_records(t, h);
        return true;
    }
    if (t->sse)
        t->have = 0;    /* event streams resume by event id; each response starts at 0 */
    if (d->offset != t->have) {
        t->fl.stop = STOP_REFUSED;
        d->action = RESP_PROTOCOL;
        d->why = "the response does not continue where the output stands";
        return false;
    }
    t->fl.body_off = d->offset;
    if (d->new_version)
        adopt_version(t, h);
    else
        learn_total(t, h);
    if (d->offset == 0 && t->cfg->segments > 1 && t->segs == NULL &&
        output_kind(t->out) == OUTPUT_PARTFILE && !t->stream && !t->encoded &&
        !t->cfg->whole_only &&
        t->ver.total_known && h->accept_ranges && !transfer_mirrored(t))
        transfer_split(t);
    return true;
}

/* What the resume that write_from() accepted is, for messages and events. */
static void
say_resume(struct transfer *t, const struct response_decision *d)
{
    struct events *ev = t->env.events;
    if (t->sse && t->fl.sent_last_event_id) {
        /* The server continues after the last complete event: the
         * incomplete one held back comes again whole. */
        if (t->rec_on)
            records_discard(&t->rec);
        t->stats->resumes++;
        events_resume(ev, t->stats->id, t->display_url, 0, "last-event-id");
        msg_verbose("%s: resumed after event id %s", t->display_url, t->rec.last_id);
    } else if (t->sse && t->stats->attempts > 1 && t->stats->bytes_written > 0) {
        size_t lost = t->rec_on ? records_discard(&t->rec) : 0;
        t->stats->gaps++;
        msg_warn("%s: the event stream restarted without an event id; events in between "
                 "are lost (%zu held bytes dropped)", t->display_url, lost);
        events_gap(ev, t->stats->id, t->display_url, false, 0, "no event id to resume from");
    } else if (d->offset > 0) {
        if (t->probe_pending) {
            char n[32];
            msg_warn("%s: the body had no length and stopped at %s, but the server has more; "
                     "continuing", t->display_url, human_size((double)d->offset, n, sizeof n));
        }
        t->stats->resumes++;
        events_resume(ev, t->stats->id, t->display_url, d->offset, validated_by(t));
        msg_verbose("%s: resuming at byte %" PRIu64 " (validated by %s)", t->display_url,
                    d->offset, validated_by(t));
    }
}

/* Heads are kept only for -I: they are its output. */
void
transfer_on_head_line(void *owner, const char *line, size_t len)
{
    struct transfer *t = owner;
    if (!t->cfg->head)
        return;
    if (t->head_cap - t->head_len < len) {
        t->head_cap = (t->head_len + len) * 2;
        t->head_text = xrealloc_in(t->acct, t->head_text, t->head_cap);
    }
    memcpy(t->head_text + t->head_len, line, len);
    t->head_len += len;
}

static bool emit(struct transfer *t, const char *data, size_t len);

/* -I: a 2xx or 3xx answer's heads (those of the redirects before it too,
 * as curl -IL prints them) are the output, and the transfer is done.  An
 * error status goes the way of any request's (retried, or the HTTP error
 * and its exit status). */
static bool
head_done(struct transfer *t)
{
    t->fl.stop = STOP_DONE;
    if (!open_output(t, 0) || !emit(t, t->head_text, t->head_len))
        return false;
    t->have = t->head_len;
    return false;
}

bool
transfer_on_response(void *owner, const struct head *h, struct response_decision *d)
{
    struct transfer *t = owner;
    const struct response_got *g = &h->got;
    bool verify_416 = t->verify_pending && g->status == 416;
    enum stop_reason files = transfer_files_response(t, h, d);

    t->stats->http_status = g->status;
    if (t->cfg->head && g->status < 400)
        return head_done(t);
    if (h->encoded)
        t->encoded = true;
    /* The end-of-body check: 416 means there is nothing more, whatever
     * its Content-Range says. */
    if (t->probe_pending && g->status == 416)
        d->action = RESP_DONE;
    events_response(t->env.events, t->stats->id, t->display_url, g,
                    files == STOP_NOT_MODIFIED ? "not_modified"
                    : verify_416               ? "mismatch"
                                               : response_action_name(d->action),
                    d->action == RESP_WRITE ? d->offset : 0);
    if (files != STOP_NONE) {
        t->fl.stop = files;
        return false;
    }
    /* -c without journal: a 416 to the overlap request means the file is
     * longer than the resource: not its prefix. */
    if (verify_416) {
        t->fl.stop = STOP_MISMATCH;
        return false;
    }
    switch (d->action) {
    case RESP_DONE:
        t->fl.stop = STOP_DONE;
        return false;
    case RESP_HTTP_ERROR:
    case RESP_CHANGED:
    case RESP_PROTOCOL:
        t->fl.stop = STOP_REFUSED;
        return false;
    case RESP_RESTART:
        return restart(t, h, d);
    case RESP_GAP:
        return gap(t, h, d);
    case RESP_SKIP:
        /* The whole body again: what is held is dropped as it passes (and
         * its overlap compared, without validators). */
        t->fl.body_off = 0;
        t->stats->resumes++;
        msg_verbose("%s: %s (%" PRIu64 " bytes)", t->display_url, d->why, d->skip);
        events_resume(t->env.events, t->stats->id, t->display_url, d->skip, "skip");
        return open_output(t, t->have);
    case RESP_WRITE:
        break;
    }
    if (!write_from(t, h, d))
        return false;
    if (t->verify_pending)
        return true;    /* the output opens once the overlap compared equal */
    say_resume(t, d);
    t->probe_pending = false;
    setup_records(t, h);
    return open_output(t, t->have);
}

/* ---- the body ---------------------------------------------------------- */

void
transfer_hash_update(struct transfer *t, const char *data, size_t len)
{
    for (int i = 0; i < 2; i++)
        if (t->md[i] != NULL)
            EVP_DigestUpdate(t->md[i], data, len);
}

/* Writes bytes that passed every check; false when the output failed. */
static bool
emit(struct transfer *t, const char *data, size_t len)
{
    struct sink *s = output_sink(t->out);
    if (t->tty_check > 0) {
        size_t look = len < t->tty_check ? len : t->tty_check;
        t->tty_check -= look;
        if (memchr(data, '\0', look) != NULL) {
            t->tty_refused = true;    /* transfer_fail_output() says so */
            stop_for_output(t, HAUL_EXIT_WRITE, false);
            return false;
        }
    }
    enum sink_result r = sink_write(s, data, len);
    if (r == SINK_PAUSE) {
        /* sink_reserve() said there was room: bytes must never be dropped
         * silently, so this is a failure, loudly. */
        msg_error("%s: internal error: the output refused %zu bytes it had room for",
                  t->display_url, len);
        stop_for_output(t, HAUL_EXIT_INTERNAL, true);
        return false;
    }
    if (r == SINK_FAIL) {
        stop_for_output(t, haul_exit_for_errno(sink_error(s)), false);
        return false;
    }
    transfer_hash_update(t, data, len);
    if (t->keep_tail)
        tail_keep(t, data, len);
    t->stats->bytes_written += len;
    size_t q = sink_queued(s);
    if (q > t->stats->sink_peak)
        t->stats->sink_peak = q;
    return true;
}

int
transfer_verify_passed(struct transfer *t)
{
    int err = output_adopt_partial(t->out);
    if (err != 0)
        return err;
    t->verify_pending = false;
    t->have = t->verify_size;
    if (t->fl.foreign) {
        /* The source asked serves the bytes held: from now on they are its
         * own, and its validators protect the next resume. */
        t->ver = t->fl.next_ver;
        t->fl.foreign = false;
    }
    t->ver_source = (int)t->fl.source;    /* the overlap proved it */
    t->stats->resumes++;
    events_resume(t->env.events, t->stats->id, t->display_url, t->have, "overlap");
    return 0;
}

/* Body bytes below what is held: compared with it when the overlap check
 * is open, then dropped.  False on a difference. */
static bool
pass_held(struct transfer *t, const char *data, size_t drop, uint64_t hold)
{
    struct flight *f = &t->fl;
    if (t->verify_pending) {
        uint64_t vstart = hold - f->verify_len;
        uint64_t from = f->body_off > vstart ? f->body_off : vstart;
        uint64_t to = f->body_off + drop;
        if (from < to && memcmp(f->verify + (from - vstart), data + (from - f->body_off),
                                (size_t)(to - from)) != 0) {
            t->fl.stop = STOP_MISMATCH;
            return false;
        }
    }
    f->body_off += drop;
    return true;
}

/* The whole overlap came back equal: what is held is this resource's
 * prefix, and the output opens where it ends. */
static bool
overlap_passed(struct transfer *t)
{
    bool switched = t->fl.foreign;
    int err = transfer_verify_passed(t);
    if (err != 0) {
        msg_error("%s: cannot continue %s: %s", t->display_url, output_part_path(t->out),
                  strerror(err));
        stop_for_output(t, HAUL_EXIT_WRITE, true);
        return false;
    }
    msg_verbose("%s: the last %zu bytes of %s match the server's; continuing at byte %"
                PRIu64, t->display_url, t->fl.verify_len, output_part_path(t->out), t->have);
    xfree(t->fl.verify);
    t->fl.verify = NULL;
    if (!open_output(t, t->have))
        return false;
    if (switched) {
        /* The journal names the source the bytes now come from at once. */
        t->journal_dirty = true;
        transfer_checkpoint(t);
    }
    return true;
}

/* Bytes that go out: records first cut at their boundaries in --stream. */
static bool
write_body(struct transfer *t, const char *data, size_t len)
{
    if (t->rec_on) {
        size_t from_tail = 0, from_data = 0;
        records_feed(&t->rec, data, len, &from_tail, &from_data);
        if (from_tail > 0 && !emit(t, t->rec.tail, from_tail))
            return false;
        if (from_data > 0 && !emit(t, data, from_data))
            return false;
        records_consume_tail(&t->rec, from_tail);
    } else if (!emit(t, data, len)) {
        return false;
    }
    return true;
}

static void
count(struct transfer *t, size_t len)
{
    t->have += len;
    t->fl.body_off += len;
    t->fl.received += len;
    t->stats->bytes_received += len;
    t->journal_dirty = true;
    transfer_note_written(t);
}

size_t
transfer_on_body(void *owner, const char *data, size_t len)
{
    struct transfer *t = owner;
    size_t total = len;

    /*
     * Bytes below `hold` are already held: they are dropped as they pass
     * (a 200 that sends the whole resource again, or the overlap asked for
     * before the resume point), and those of the overlap are compared.
     * Returning CURL_WRITEFUNC_PAUSE consumes nothing (libcurl delivers the
     * same bytes again), so whether the output can take the rest is
     * decided before anything moves.
     */
    uint64_t hold = t->verify_pending ? t->verify_size : t->have;
    uint64_t below = t->fl.body_off < hold ? hold - t->fl.body_off : 0;
    size_t drop = below < len ? (size_t)below : len;
    size_t rest = len - drop;
    struct sink *s = output_sink(t->out);
    if (rest > 0 && s != NULL && !sink_reserve(s, rest + (t->rec_on ? t->rec.len : 0)))
        return CURL_WRITEFUNC_PAUSE;
    if (rate_limited(&t->rate) && !rate_take(&t->rate, transfer_now(t), len)) {
        t->fl.rate_paused = true;
        return CURL_WRITEFUNC_PAUSE;
    }
    if (drop > 0) {
        if (!pass_held(t, data, drop, hold))
            return 0;
        data += drop;
        len -= drop;
    }
    if (len > 0 && t->verify_pending && !overlap_passed(t))
        return 0;
    if (len == 0)
        return total;
    if (!transfer_files_body_fits(t, len))
        return 0;
    /* -x: the own part ends at seg_end; the parts have the rest. */
    if (t->seg_end != UINT64_MAX && t->have + len >= t->seg_end) {
        size_t part = (size_t)(t->seg_end - t->have);
        if (part > 0 && !emit(t, data, part))
            return 0;
        count(t, part);
        t->fl.stop = STOP_PART_DONE;
        return 0;
    }
    if (!write_body(t, data, len))
        return 0;
    count(t, len);
    return total;
}
