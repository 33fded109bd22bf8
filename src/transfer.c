/*
 * transfer.c - the life of one download: attempts, resume, retries, output,
 * and the end (success or failure).
 *
 * Where a disconnect is handled: attempt_ended().  It classifies what
 * happened, releases the attempt at once (attempt_free: easy handle, error
 * buffer, header list, response state), and then either finishes the
 * transfer, fails it, or schedules the next attempt.  A transfer waiting
 * for its retry holds only what it needs to resume: offset, validators,
 * URLs, and its open output.
 */
#include "config.h"

#include <errno.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "backoff.h"
#include "digest.h"
#include "events.h"
#include "exitcodes.h"
#include "http.h"
#include "human.h"
#include "mem.h"
#include "msg.h"
#include "run.h"
#include "transfer_int.h"

/*
 * When the resume journal is saved while bytes arrive: at most once a
 * second, and only when what a crash would lose is worth a sync: 1 MiB or
 * more not yet in the journal, or anything after 30 s.  A save costs an
 * fdatasync of FILE.part; when those take long (a slow disk, many dirty
 * pages) the interval grows to 20 times the last one, so saving never
 * takes more than about 5% of the disk's time.
 */
#define JOURNAL_INTERVAL_MS 1000
#define JOURNAL_MIN_BYTES (1024 * 1024)
#define JOURNAL_MAX_WAIT_MS 30000
/* Bytes kept for the overlap check when an output can't be read back. */
#define TAIL_KEEP (64 * 1024)
/* How often a "progress" event is written. */
#define EVENTS_PROGRESS_MS 1000

static void finish_continue(void *ctx);
static void fail_continue(void *ctx);
static void fail_finish(struct transfer *t);
static void fail(struct transfer *t, int code, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));

/* ---- small helpers ---------------------------------------------------- */

static uint64_t now_ms(struct transfer *t) { return run_now_ms(t->run); }

/* Bytes of the resource on hand: the transfer's own part and any segments'. */
static uint64_t held_bytes(const struct transfer *t) { return t->have + segments_bytes(t); }

/*
 * --limit-rate: a token bucket, filled at the rate, at most a tenth of a
 * second's worth ahead (16 KiB at least).  A connection that finds it empty
 * pauses (CURL_WRITEFUNC_PAUSE: libcurl stops reading its socket) until the
 * tick refills it.  libcurl's own CURLOPT_MAX_RECV_SPEED_LARGE averages over
 * the whole transfer and lets short bodies through at full speed.
 */
static double
rate_burst(const struct transfer *t)
{
    double b = (double)t->rate_limit / 10;
    return b < 16384 ? 16384 : b;
}

static void
rate_fill(struct transfer *t, uint64_t now)
{
    if (now > t->tokens_ms) {
        t->tokens += (double)t->rate_limit * (double)(now - t->tokens_ms) / 1000.0;
        if (t->tokens > rate_burst(t))
            t->tokens = rate_burst(t);
    }
    t->tokens_ms = now;
}

bool
transfer_rate_take(struct transfer *t, struct attempt *a, size_t len)
{
    if (t->rate_limit == 0)
        return true;
    rate_fill(t, uv_now(run_loop(t->run)));
    if (t->tokens <= 0) {
        a->paused = a->rate_paused = true;
        return false;
    }
    t->tokens -= (double)len;    /* may go below 0: paid back before the next read */
    return true;
}

static void attempt_ended(struct transfer *t, CURLcode result);

/*
 * Lets libcurl go on with a paused attempt.  curl_easy_pause() may run the
 * write callback at once; when that ends the attempt (a write error, the
 * end of a -x part), libcurl 7.88 returns the error and no longer watches
 * the transfer: it must be ended here, or it would hang.  Returns false
 * when the attempt ended.
 */
static bool
unpause(struct transfer *t, struct attempt *a, uint64_t now)
{
    a->rate_paused = false;
    a->paused = false;
    a->last_byte_ms = now;
    CURLcode rc = curl_easy_pause(a->easy, CURLPAUSE_CONT);
    if (rc == CURLE_OK)
        return true;
    curluv_remove(run_curluv(t->run), a->easy);
    if (a->seg != NULL)
        segment_ended(a->seg, rc);
    else
        attempt_ended(t, rc);
    return false;
}

/* Resumes an attempt paused for the rate once the bucket has tokens. */
static bool
rate_resume(struct transfer *t, struct attempt *a, uint64_t now)
{
    if (a == NULL || !a->rate_paused || t->tokens <= 0)
        return false;
    unpause(t, a, now);
    return true;
}

static struct journal *
journal_of(struct transfer *t, struct journal *j)
{
    memset(j, 0, sizeof *j);
    j->url = t->display_url;
    j->final_url = t->stats->final_url;
    memcpy(j->etag, t->etag, sizeof j->etag);
    /* A Last-Modified too close to Date is no validator; don't keep it. */
    if (t->lm_safe)
        memcpy(j->last_modified, t->last_modified, sizeof j->last_modified);
    j->total_known = t->total_known;
    j->total = t->total;
    j->nsegments = 1;
    j->seg[0].start = 0;
    j->seg[0].end_known = t->total_known;
    j->seg[0].end = t->total;
    j->seg[0].next = t->have;
    segments_journal(t, j);
    return j;
}

static bool
journaled(struct transfer *t)
{
    return output_kind(t->out) == OUTPUT_PARTFILE && output_is_open(t->out);
}

static bool
journal_due(struct transfer *t, uint64_t now)
{
    uint64_t since = now - t->journal_ms;
    uint64_t interval = JOURNAL_INTERVAL_MS;
    uint64_t sync_ms = output_last_save_ms(t->out);
    if (sync_ms * 20 > interval)
        interval = sync_ms * 20;
    if (since < interval)
        return false;
    uint64_t held = held_bytes(t);
    uint64_t unsaved = held > t->journal_have ? held - t->journal_have : held;
    return unsaved >= JOURNAL_MIN_BYTES || since >= JOURNAL_MAX_WAIT_MS;
}

static void
checkpoint(struct transfer *t)
{
    struct journal j;
    if (!journaled(t) || output_checkpoint_busy(t->out))
        return;
    output_checkpoint(t->out, journal_of(t, &j));
    t->journal_have = held_bytes(t);
    t->journal_ms = now_ms(t);
    t->journal_dirty = false;
}

static void
forget_version(struct transfer *t)
{
    t->etag[0] = '\0';
    t->last_modified[0] = '\0';
    t->lm_safe = false;
    t->total_known = false;
    t->total = 0;
}

/*
 * The output starts over from byte 0: the parts of -x, the bytes held, the
 * journal naming them (and a save of it in flight) and the version they
 * belong to are all dropped.  Every start-over goes through here.  Not
 * from inside libcurl's callbacks while segments exist: ending them
 * removes their easy handles.
 */
static int
start_over(struct transfer *t)
{
    segments_free(t);
    t->have = 0;
    t->journal_have = 0;
    t->journal_dirty = false;
    t->verify_pending = false;
    t->probe_pending = false;
    forget_version(t);
    t->stats->restarts++;
    return output_restart(t->out);
}

/* ---- sink callbacks --------------------------------------------------- */

static void
on_sink_drained(void *ctx)
{
    struct transfer *t = ctx;
    struct attempt *a = t->att;
    if (a == NULL || !a->paused)
        return;
    /* Time paused by our own output is no stall: unpause resets the clock. */
    if (unpause(t, a, now_ms(t)))
        curluv_kick(run_curluv(t->run));
}

static void abort_attempt(struct transfer *t, enum abort_reason why, int code);

static void
on_sink_error(void *ctx)
{
    struct transfer *t = ctx;
    int err = sink_error(output_sink(t->out));
    int code = err == EPIPE ? HAUL_EXIT_PIPE
             : (err == ENOSPC || err == EDQUOT || err == EFBIG) ? HAUL_EXIT_DISKFULL
             : HAUL_EXIT_WRITE;
    if (t->att != NULL) {
        abort_attempt(t, ABORT_WRITE, code);
        return;
    }
    if (t->state == XS_DRAINING) {
        fail_finish(t);
        return;
    }
    if (t->state == XS_FINISHING) {
        if (code == HAUL_EXIT_PIPE) {
            run_stdout_broken(t->run);    /* may fail t itself */
            if (t->state == XS_FINISHING)
                fail(t, code, "output pipe closed");
        } else {
            fail(t, code, "%s: %s", output_part_path(t->out), strerror(err));
        }
    }
}

static void
on_sink_flushed(void *ctx)
{
    struct transfer *t = ctx;
    if (t->state == XS_DRAINING)
        fail_continue(t);
    else
        finish_continue(t);
}

static const struct sink_callbacks sink_cb = {
    .on_drained = on_sink_drained,
    .on_error = on_sink_error,
    .on_flushed = on_sink_flushed,
};

/* ---- creation --------------------------------------------------------- */

static char *
join_path(struct mem_account *acct, const char *dir, const char *name)
{
    if (dir == NULL || name[0] == '/')
        return xstrdup_in(acct, name);
    size_t n = strlen(dir);
    char *tmp = xasprintf("%s%s%s", dir, n > 0 && dir[n - 1] == '/' ? "" : "/", name);
    char *out = xstrdup_in(acct, tmp);
    xfree(tmp);
    return out;
}

/* Marks a transfer that could not even start as failed. */
static void
fail_early(struct transfer *t, int code, const char *message)
{
    t->state = XS_DONE;
    t->stats->exit_code = code;
    t->stats->message = xstrdup(message);
    t->stats->finished = true;
    msg_error("%s", message);
    events_error(run_events(t->run), t->stats->id, t->display_url, code, message);
}

struct transfer *
transfer_new(struct run *run, const struct config *cfg, const struct job *job,
             struct xfer_stats *stats)
{
    struct mem_account *acct = &stats->acct;
    struct transfer *t = xcalloc_in(acct, 1, sizeof *t);
    char *path = NULL, *message = NULL;
    const char *why;
    int code = 0;

    t->run = run;
    t->cfg = cfg;
    t->job = job;
    t->stats = stats;
    t->acct = acct;
    t->state = XS_NEW;
    t->url = xstrdup_in(acct, job->url);
    t->display_url = url_redacted(job->url);
    t->deadline_ms = UINT64_MAX;
    t->seg_end = UINT64_MAX;
    t->rate_limit = cfg->limit_rate;
    stats->url = xstrdup(t->display_url);

    if (!job->input_ok) {
        message = xasprintf("input line %u: expected \"URL [OUTPUT]\": %s", job->line,
                            t->display_url);
        fail_early(t, HAUL_EXIT_URL, message);
        goto out;
    }
    if ((why = url_problem(job->url)) != NULL) {
        if (job->line > 0)
            message = xasprintf("input line %u: %s: %s", job->line, t->display_url, why);
        else
            message = xasprintf("%s: %s", t->display_url, why);
        fail_early(t, HAUL_EXIT_URL, message);
        goto out;
    }
    t->host_key = url_host_key(job->url);

    if (job->output != NULL && strcmp(job->output, "-") != 0) {
        path = join_path(acct, cfg->output_dir, job->output);
    } else if (job->output == NULL && cfg->remote_name) {
        char *name = url_remote_name(job->url);
        if (name == NULL) {
            message = xasprintf("%s: no file name in the URL path for -O; name one with -o FILE",
                                t->display_url);
            fail_early(t, HAUL_EXIT_USAGE, message);
            goto out;
        }
        path = join_path(acct, cfg->output_dir, name);
        xfree(name);
    }
    t->stream = cfg->stream != STREAM_OFF;
    t->out = output_new(run_loop(run), acct, path, t->stream && path != NULL,
                        (size_t)cfg->buffer_size, &sink_cb, t, &code);
    if (t->out == NULL) {
        message = xasprintf("%s: cannot write %s", t->display_url, path);
        t->state = XS_DONE;
        stats->exit_code = code;
        stats->message = message;
        stats->finished = true;
        message = NULL;
        goto out;
    }
    t->to_stdout = output_kind(t->out) == OUTPUT_STDOUT;
    stats->output = xstrdup(output_path(t->out));

    t->md_want[0] = cfg->sha256 || cfg->checksum_algo == CHECKSUM_SHA256;
    t->md_want[1] = cfg->checksum_algo == CHECKSUM_SHA512;
    /* Digests of FILE.part are read back at the end (it may be written
     * out of order, by -x or after -c); any other output is hashed as it
     * is written: stdout, a FIFO or /dev/null can't be read back, and a
     * --stream file holds older bytes too. */
    for (int i = 0; i < 2; i++) {
        if (!t->md_want[i] || output_kind(t->out) == OUTPUT_PARTFILE)
            continue;
        t->md[i] = EVP_MD_CTX_new();
        if (t->md[i] == NULL ||
            !EVP_DigestInit_ex(t->md[i], digest_md(i ? CHECKSUM_SHA512 : CHECKSUM_SHA256), NULL)) {
            fail_early(t, HAUL_EXIT_INTERNAL, "cannot set up the digest");
            goto out;
        }
    }

    if (cfg->cont) {
        struct output_resume r;
        output_find_resume(t->out, t->display_url, &r);
        if (r.how == RESUME_JOURNAL) {
            t->have = r.journal.seg[0].next;
            t->total_known = r.journal.total_known;
            t->total = r.journal.total;
            memcpy(t->etag, r.journal.etag, sizeof t->etag);
            memcpy(t->last_modified, r.journal.last_modified, sizeof t->last_modified);
            /* A journal only holds validators that were safe to use. */
            t->lm_safe = t->last_modified[0] != '\0';
            if (r.journal.final_url != NULL)
                t->final_url = xstrdup_in(acct, r.journal.final_url);
            segments_restore(t, &r.journal);
            t->journal_have = held_bytes(t);
            journal_clear(&r.journal);
        } else if (r.how == RESUME_VERIFY) {
            t->verify_pending = true;
            t->verify_size = r.size;
        }
    }
out:
    xfree(path);
    xfree(message);
    return t;
}

/* ---- attempts --------------------------------------------------------- */

static void
start_attempt(struct transfer *t)
{
    uint64_t now = now_ms(t);
    int code = HAUL_EXIT_INTERNAL;

    if (now >= t->deadline_ms) {
        fail(t, HAUL_EXIT_TIMEOUT, "%s: gave up after --max-time", t->display_url);
        return;
    }
    t->att = attempt_new(t, NULL, now, &code);
    if (t->att == NULL) {
        fail(t, code, "%s: cannot set up the request", t->display_url);
        return;
    }
    t->state = XS_ACTIVE;
    t->stats->attempts++;
    CURLMcode mc = curluv_add(run_curluv(t->run), t->att->easy);
    if (mc != CURLM_OK) {
        attempt_free(t->att);
        t->att = NULL;
        fail(t, HAUL_EXIT_INTERNAL, "%s: %s", t->display_url, curl_multi_strerror(mc));
    }
}

void
transfer_start(struct transfer *t)
{
    if (t->state != XS_NEW)
        return;
    t->started = true;
    t->stats->start_ms = now_ms(t);
    if (t->cfg->max_time_ms > 0)
        t->deadline_ms = t->stats->start_ms + t->cfg->max_time_ms;
    t->rate_ms = t->stats->start_ms;
    t->tokens_ms = t->stats->start_ms;
    t->tokens = t->rate_limit > 0 ? rate_burst(t) : 0;
    events_start(run_events(t->run), t->stats->id, t->display_url, output_path(t->out), t->have);
    if (t->have > 0)
        msg_verbose("%s: continuing at byte %" PRIu64 " from the journal", t->display_url, t->have);
    start_attempt(t);
}

/* Ends the in-flight attempt from outside libcurl's callbacks. */
static void
abort_attempt(struct transfer *t, enum abort_reason why, int code)
{
    struct attempt *a = t->att;
    if (a == NULL)
        return;
    a->abort = why;
    a->abort_code = code;
    curluv_remove(run_curluv(t->run), a->easy);
    attempt_ended(t, CURLE_ABORTED_BY_CALLBACK);
}

/* ---- response and body (from attempt.c) ------------------------------- */

static const char *
validated_by(const struct attempt *a)
{
    if (a->sent_last_event_id)
        return "last-event-id";
    if (a->ask.if_range)
        return http_etag_is_strong(a->ask.etag) && a->ask.etag[0] ? "etag" : "last-modified";
    if (a->ask.total_known)
        return "length";
    return "none";
}

static void
adopt_version(struct transfer *t, const struct attempt *a)
{
    const struct response_got *g = &a->head.got;

    memcpy(t->etag, g->etag, sizeof t->etag);
    memcpy(t->last_modified, g->last_modified, sizeof t->last_modified);
    /* Last-Modified is a usable validator only if it is at least a second
     * older than the response's Date (RFC 9110 13.1.5 / 8.8.2.2). */
    t->lm_safe = false;
    if (g->last_modified[0] != '\0') {
        time_t lm = http_date(g->last_modified);
        time_t date = a->head.date != -1 ? a->head.date : time(NULL);
        t->lm_safe = lm != -1 && lm + 1 <= date;
    }
    t->total_known = false;
    if (g->has_range && g->range.total_known) {
        t->total_known = true;
        t->total = g->range.total;
    } else if (g->status == 200 && g->has_length) {
        t->total_known = true;
        t->total = g->length;
    }
    t->stats->total_known = t->total_known;
    t->stats->total = t->total;
    /* No validator: a resume will be checked by overlap, and an output
     * that can't be read back must keep its last bytes for that. */
    bool strong = t->etag[0] != '\0' && http_etag_is_strong(t->etag);
    t->keep_tail = !strong && !t->lm_safe && !t->stream &&
                   output_kind(t->out) != OUTPUT_PARTFILE;
    t->tail_fill = t->tail_head = 0;
}

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

static void
setup_records(struct transfer *t, const struct attempt *a)
{
    enum stream_mode m = t->cfg->stream;
    if (!t->stream || t->rec_on)
        return;
    bool sse = m == STREAM_EVENTS ||
               (m != STREAM_LINES && strncasecmp(a->head.content_type, "text/event-stream", 17) == 0);
    t->sse = sse;
    /* raw: no record boundaries, and so no event id to resume from. */
    if (m == STREAM_RAW)
        return;
    records_init(&t->rec, sse ? RECORDS_EVENTS : RECORDS_LINES,
                 (size_t)t->cfg->buffer_size / 2, t->acct);
    t->rec_on = true;
}

static bool
open_output(struct transfer *t, struct attempt *a, uint64_t at)
{
    int code = HAUL_EXIT_WRITE;
    int err = output_open(t->out, at, t->nsegs > 0 ? t->total : at, &code);
    if (err != 0) {
        a->abort = ABORT_WRITE;
        a->abort_code = code;
        if (code == HAUL_EXIT_PIPE)
            return false;
        if (err == EBUSY)
            msg_error("%s: %s is being written by another process; not touching it",
                      t->display_url, output_part_path(t->out));
        else
            msg_error("%s: cannot write %s: %s", t->display_url, output_part_path(t->out),
                      strerror(err));
        a->abort_code = -code;    /* negative: the message is out already */
        return false;
    }
    return true;
}

bool
transfer_on_response(struct transfer *t, struct attempt *a)
{
    struct response_decision *d = &a->dec;
    struct events *ev = run_events(t->run);

    t->stats->http_status = a->head.got.status;
    if (a->head.encoded)
        t->encoded = true;

    /* The end-of-body check: 416 means there is nothing more, whatever
     * its Content-Range says. */
    if (t->probe_pending && a->head.got.status == 416)
        d->action = RESP_DONE;
    events_response(ev, t->stats->id, t->display_url, a->head.got.status, a->head.got.has_length,
                    a->head.got.length,
                    a->head.got.has_range ? a->head.got.range.total_known : a->head.got.has_length,
                    a->head.got.has_range ? a->head.got.range.total : a->head.got.length, a->head.got.etag,
                    a->head.got.last_modified,
                    t->verify_pending && a->head.got.status == 416 ? "mismatch"
                                                               : response_action_name(d->action),
                    d->action == RESP_WRITE ? d->offset : 0);

    /* -c without journal: a 416 to the overlap request means the file is
     * longer than the resource: not its prefix. */
    if (t->verify_pending && a->head.got.status == 416) {
        a->abort = ABORT_MISMATCH;
        return false;
    }


    switch (d->action) {
    case RESP_HTTP_ERROR:
    case RESP_CHANGED:
    case RESP_PROTOCOL:
    case RESP_DONE:
        a->abort = d->action == RESP_DONE ? ABORT_DONE : ABORT_RESPONSE;
        return false;
    case RESP_RESTART:
        /* With segments running, starting over ends their attempts, which
         * may not happen inside a libcurl callback: ask again instead. */
        if (d->refetch || t->nsegs > 0) {
            d->refetch = true;
            a->abort = ABORT_RESPONSE;
            return false;
        }
        msg_note("%s: %s", t->display_url, d->why);
        if (start_over(t) != 0) {
            a->abort = ABORT_WRITE;
            a->abort_code = HAUL_EXIT_WRITE;
            return false;
        }
        adopt_version(t, a);
        setup_records(t, a);
        return open_output(t, a, 0);
    case RESP_GAP: {
        size_t lost = t->rec_on ? records_discard(&t->rec) : 0;
        t->stats->gaps++;
        msg_warn("%s: the stream restarted after a reconnect; bytes in between are lost "
                 "(%zu held bytes of an incomplete record dropped)", t->display_url, lost);
        events_gap(ev, t->stats->id, t->display_url, false, 0, d->why);
        t->have = 0;
        adopt_version(t, a);
        setup_records(t, a);
        return open_output(t, a, 0);
    }
    case RESP_SKIP:
        /* The whole body again: what is held is dropped as it passes (and
         * its overlap compared, without validators). */
        a->body_off = 0;
        t->stats->resumes++;
        msg_verbose("%s: %s (%" PRIu64 " bytes)", t->display_url, d->why, d->skip);
        events_resume(ev, t->stats->id, t->display_url, d->skip, "skip");
        return open_output(t, a, t->have);
    case RESP_WRITE:
        break;
    }

    if (t->verify_pending) {
        /* Bytes from range_first on: compare the overlap, then write. */
        if (d->offset != a->ask.range_first ||
            (a->head.got.has_range && a->head.got.range.total_known &&
             a->head.got.range.total < t->verify_size)) {
            a->abort = ABORT_MISMATCH;
            return false;
        }
        a->body_off = d->offset;
        if (d->new_version)
            adopt_version(t, a);
        else if (!t->total_known && a->head.got.has_range && a->head.got.range.total_known) {
            t->total_known = true;
            t->total = a->head.got.range.total;
        }
        setup_records(t, a);
        return true;
    }
    if (t->sse)
        t->have = 0;    /* event streams resume by event id; each response starts at 0 */
    if (d->offset != t->have) {
        a->abort = ABORT_RESPONSE;
        d->action = RESP_PROTOCOL;
        d->why = "the response does not continue where the output stands";
        return false;
    }
    a->body_off = d->offset;
    if (d->new_version)
        adopt_version(t, a);
    else if (!t->total_known && a->head.got.has_range && a->head.got.range.total_known) {
        t->total_known = true;
        t->total = a->head.got.range.total;
    }
    if (d->offset == 0 && segments_wanted(t, a))
        segments_split(t);
    if (t->sse && a->sent_last_event_id) {
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
        events_resume(ev, t->stats->id, t->display_url, d->offset, validated_by(a));
        msg_verbose("%s: resuming at byte %" PRIu64 " (validated by %s)", t->display_url,
                    d->offset, validated_by(a));
    }
    t->probe_pending = false;
    setup_records(t, a);
    return open_output(t, a, t->have);
}

static void
hash_update(struct transfer *t, const char *data, size_t len)
{
    for (int i = 0; i < 2; i++)
        if (t->md[i] != NULL)
            EVP_DigestUpdate(t->md[i], data, len);
}

/* Writes bytes that passed every check; false when the output failed. */
static bool
emit(struct transfer *t, struct attempt *a, const char *data, size_t len)
{
    struct sink *s = output_sink(t->out);
    enum sink_result r = sink_write(s, data, len);
    if (r == SINK_PAUSE) {
        /* sink_reserve() said there was room: bytes must never be dropped
         * silently, so this is a failure, loudly. */
        msg_error("%s: internal error: the output refused %zu bytes it had room for",
                  t->display_url, len);
        a->abort = ABORT_WRITE;
        a->abort_code = -HAUL_EXIT_INTERNAL;
        return false;
    }
    if (r == SINK_FAIL) {
        a->abort = ABORT_WRITE;
        a->abort_code = transfer_write_error_code(s);
        return false;
    }
    hash_update(t, data, len);
    if (t->keep_tail)
        tail_keep(t, data, len);
    t->stats->bytes_written += len;
    size_t q = sink_queued(s);
    if (q > t->stats->sink_peak)
        t->stats->sink_peak = q;
    return true;
}

/* -c without a journal: the overlap came back equal, so what FILE.part
 * holds is this resource's prefix.  Adopts it; 0 or an errno. */
static int
verify_passed(struct transfer *t)
{
    int err = output_adopt_partial(t->out);
    if (err != 0)
        return err;
    t->verify_pending = false;
    t->have = t->verify_size;
    t->stats->resumes++;
    events_resume(run_events(t->run), t->stats->id, t->display_url, t->have, "overlap");
    return 0;
}

size_t
transfer_on_body(struct transfer *t, struct attempt *a, const char *data, size_t len)
{
    size_t total = len;

    a->last_byte_ms = uv_now(run_loop(t->run));

    /*
     * Bytes below `hold` are already held: they are dropped as they pass
     * (a 200 that sends the whole resource again, or the overlap asked for
     * before the resume point), and those of the overlap are compared.
     * Returning CURL_WRITEFUNC_PAUSE consumes nothing (libcurl delivers the
     * same bytes again), so whether the output can take the rest is
     * decided before anything moves.
     */
    uint64_t hold = t->verify_pending ? t->verify_size : t->have;
    size_t drop = a->body_off < hold ? (size_t)(hold - a->body_off < len ? hold - a->body_off
                                                                           : len) : 0;
    size_t rest = len - drop;
    struct sink *s = output_sink(t->out);
    if (rest > 0 && s != NULL && !sink_reserve(s, rest + (t->rec_on ? t->rec.len : 0))) {
        a->paused = true;
        return CURL_WRITEFUNC_PAUSE;
    }
    if (!transfer_rate_take(t, a, len))
        return CURL_WRITEFUNC_PAUSE;

    if (drop > 0) {
        if (t->verify_pending) {
            uint64_t vstart = hold - a->verify_len;
            uint64_t from = a->body_off > vstart ? a->body_off : vstart;
            uint64_t to = a->body_off + drop;
            if (from < to && memcmp(a->verify + (from - vstart), data + (from - a->body_off),
                                    (size_t)(to - from)) != 0) {
                a->abort = ABORT_MISMATCH;
                return 0;
            }
        }
        a->body_off += drop;
        data += drop;
        len -= drop;
    }
    if (len > 0 && t->verify_pending) {
        /* The whole overlap came back equal: what is held is this
         * resource's prefix. */
        int err = verify_passed(t);
        if (err != 0) {
            msg_error("%s: cannot continue %s: %s", t->display_url, output_part_path(t->out),
                      strerror(err));
            a->abort = ABORT_WRITE;
            a->abort_code = -HAUL_EXIT_WRITE;
            return 0;
        }
        msg_verbose("%s: the last %zu bytes of %s match the server's; continuing at byte %"
                    PRIu64, t->display_url, a->verify_len, output_part_path(t->out), t->have);
        xfree(a->verify);
        a->verify = NULL;
        if (!open_output(t, a, t->have))
            return 0;
    }
    if (len == 0)
        return total;

    /* -x: the transfer's own part ends at seg_end; the segments have the rest. */
    if (t->seg_end != UINT64_MAX && t->have + len >= t->seg_end) {
        size_t part = (size_t)(t->seg_end - t->have);
        if (part > 0 && !emit(t, a, data, part))
            return 0;
        t->have += part;
        a->body_off += part;
        a->received += part;
        t->stats->bytes_received += part;
        t->journal_dirty = true;
        a->abort = ABORT_SEGDONE;
        return 0;
    }

    if (t->rec_on) {
        size_t from_tail = 0, from_data = 0;
        records_feed(&t->rec, data, len, &from_tail, &from_data);
        if (from_tail > 0 && !emit(t, a, t->rec.tail, from_tail))
            return 0;
        if (from_data > 0 && !emit(t, a, data, from_data))
            return 0;
        records_consume_tail(&t->rec, from_tail);
    } else if (!emit(t, a, data, len)) {
        return 0;
    }
    t->have += len;
    a->body_off += len;
    a->received += len;
    t->stats->bytes_received += len;
    t->journal_dirty = true;
    return total;
}

/* ---- the end of an attempt -------------------------------------------- */

static void
finish_ok(struct transfer *t)
{
    t->state = XS_FINISHING;
    finish_continue(t);
}

void
transfer_retry_config(const struct transfer *t, struct retry_config *c)
{
    const struct config *cfg = t->cfg;
    c->retry = cfg->retry;
    c->backoff = (struct backoff_policy){
        .base_ms = cfg->retry_delay_ms,
        .max_ms = cfg->retry_max_delay_ms,
        .fixed = cfg->retry_fixed,
    };
    c->stall_timeout_ms = cfg->stall_timeout_ms;
    c->deadline_ms = t->deadline_ms;
}

/* A failure worth another attempt: wait, then ask again. */
static void
retry_later(struct transfer *t, const struct retry_verdict *v)
{
    msg_warn("%s", v->message);
    events_retry(run_events(t->run), t->stats->id, t->display_url, t->stats->attempts + 1,
                 v->delay_ms, v->reason, t->have);
    if (t->journal_dirty)
        checkpoint(t);
    t->state = XS_WAITING;
    t->retry_at_ms = now_ms(t) + v->delay_ms;
    run_poke(t->run);
}

/* Starts the next attempt at once, without counting a failure. */
static void
again_now(struct transfer *t)
{
    t->state = XS_WAITING;
    t->retry_at_ms = now_ms(t);
    run_poke(t->run);
}

static void
note_disconnect(struct transfer *t, enum disconnect_kind kind, const char *message)
{
    if (kind == DISC_NONE)
        return;
    t->stats->disconnects[kind]++;
    events_disconnect(run_events(t->run), t->stats->id, t->display_url,
                      disconnect_kind_name(kind), t->have, message);
}

/* -x: the transfer's own part is complete. */
static void
own_part_done(struct transfer *t)
{
    if (segments_all_done(t)) {
        finish_ok(t);
        return;
    }
    t->state = XS_SEGWAIT;
    run_poke(t->run);
}

void
transfer_segment_done(struct transfer *t)
{
    if (t->state == XS_SEGWAIT && segments_all_done(t))
        finish_ok(t);
}

/* Whatever happened, a transfer left active without an attempt asks again:
 * it never sits there waiting for nothing. */
static void
go_on(struct transfer *t)
{
    if (t->state == XS_SEGWAIT || (t->state == XS_ACTIVE && t->att == NULL))
        again_now(t);
}

static void
fall_back(struct transfer *t, const char *why)
{
    msg_note("%s: %s; going on over one connection", t->display_url, why);
    segments_free(t);
    t->journal_dirty = true;
    checkpoint(t);
    go_on(t);
}

/* Starts over from byte 0, if --retry allows another start-over. */
static void
start_over_again(struct transfer *t, struct retry_verdict *v)
{
    struct retry_config rc;
    transfer_retry_config(t, &rc);
    retry_start_over(&t->retry, &rc, t->display_url, t->have, v);
    if (v->action == RETRY_FAIL) {
        fail(t, v->exit_code, "%s", v->message);
        return;
    }
    msg_note("%s", v->note);
    start_over(t);
    if (t->att != NULL)
        abort_attempt(t, ABORT_RESTART, 0);
    else
        again_now(t);
}

/* The overlap of -c matched to the end of the resource: it is complete. */
static void
finish_verified(struct transfer *t)
{
    int err = verify_passed(t);
    if (err != 0) {
        fail(t, HAUL_EXIT_WRITE, "%s: cannot continue %s: %s", t->display_url,
             output_part_path(t->out), strerror(err));
        return;
    }
    msg_verbose("%s: %s matches the server's copy to its end", t->display_url,
                output_part_path(t->out));
    finish_ok(t);
}

/* Carries out a verdict of the retry policy on the whole transfer. */
static void
carry_out(struct transfer *t, struct retry_verdict *v)
{
    if (v->note[0] != '\0' && v->action != RETRY_START_OVER)
        msg_note("%s", v->note);
    if (v->forget_final_url) {
        xfree(t->final_url);
        t->final_url = NULL;
        xfree(t->stats->final_url);
        t->stats->final_url = NULL;
    }
    note_disconnect(t, v->disconnect, v->disconnect_message);
    switch (v->action) {
    case RETRY_FINISH:
        if (v->verified)
            finish_verified(t);
        else
            finish_ok(t);
        return;
    case RETRY_PART_DONE:
        own_part_done(t);
        return;
    case RETRY_AGAIN:
        if (v->probe) {
            t->probe_pending = true;
            msg_verbose("%s: body had no length; asking whether more follows", t->display_url);
        }
        again_now(t);
        return;
    case RETRY_LATER:
        retry_later(t, v);
        return;
    case RETRY_START_OVER:
        start_over_again(t, v);
        return;
    case RETRY_FALLBACK:
        fall_back(t, v->reason);
        return;
    case RETRY_FAIL:
        fail(t, v->exit_code, "%s", v->message);
        return;
    }
}

void
transfer_part_verdict(struct transfer *t, struct retry_verdict *v)
{
    carry_out(t, v);
}

void
transfer_fail_from_segment(struct transfer *t, int code, const char *why)
{
    fail(t, code, "%s: %s", t->display_url, why);
}

int
transfer_write_error_code(const struct sink *s)
{
    return haul_exit_for_errno(s != NULL ? sink_error(s) : EIO);
}

/* The output failed (abort_code: an exit code, negative when the line
 * naming the file is printed already). */
void
transfer_fail_write(struct transfer *t, int abort_code)
{
    if (abort_code == HAUL_EXIT_PIPE) {
        run_stdout_broken(t->run);
        fail(t, HAUL_EXIT_PIPE, "output pipe closed");
    } else if (abort_code < 0) {
        t->said = true;    /* the line naming the file is out already */
        fail(t, -abort_code, "%s: cannot write %s", t->display_url, output_part_path(t->out));
    } else if (abort_code == HAUL_EXIT_DISKFULL) {
        struct sink *s = output_sink(t->out);
        char n[32];
        bool resumable = output_kind(t->out) == OUTPUT_PARTFILE;
        fail(t, abort_code, "%s: %s after %s written%s", output_part_path(t->out),
             strerror(s ? sink_error(s) : ENOSPC),
             human_size((double)(s ? sink_written(s) : held_bytes(t)), n, sizeof n),
             resumable ? "; run again with -c to continue once there is space" : "");
    } else {
        struct sink *s = output_sink(t->out);
        fail(t, abort_code, "%s: %s", output_part_path(t->out),
             strerror(s ? sink_error(s) : EIO));
    }
}

/* How the attempt ended, for the retry policy. */
static void
outcome_of(const struct transfer *t, struct attempt *a, CURLcode result, const char *what,
           struct retry_outcome *o)
{
    static const enum retry_end ends[] = {
        [ABORT_NONE] = RETRY_END_CURL,       [ABORT_RESPONSE] = RETRY_END_REFUSED,
        [ABORT_DONE] = RETRY_END_DONE,       [ABORT_STALL] = RETRY_END_STALL,
        [ABORT_MISMATCH] = RETRY_END_MISMATCH, [ABORT_SEGDONE] = RETRY_END_PART_DONE,
    };
    long os_errno = 0, http_version = 0;
    const struct head *h = &a->head;

    curl_easy_getinfo(a->easy, CURLINFO_OS_ERRNO, &os_errno);
    curl_easy_getinfo(a->easy, CURLINFO_HTTP_VERSION, &http_version);
    memset(o, 0, sizeof *o);
    o->end = (size_t)a->abort < sizeof ends / sizeof ends[0] ? ends[a->abort] : RETRY_END_CURL;
    o->curl_code = (int)result;
    o->os_errno = (int)os_errno;
    o->what = what;
    o->in_head = attempt_in_head(a);
    o->decided = a->decided;
    o->dec = a->dec;
    o->status = h->got.status;
    o->retry_after_ms = h->retry_after_ms;
    o->shrank = h->got.status == 416 ||
                (h->got.has_range && h->got.range.total_known && h->got.range.total <= t->have);
    o->unframed = a->decided && !h->chunked && !h->got.has_length && !h->encoded;
    o->http2 = http_version >= CURL_HTTP_VERSION_2;
    o->bounded = a->ask.range_last_set;
    o->accept_ranges = t->accept_ranges || h->accept_ranges;
    o->received = a->received;
    o->body_end = a->body_off;
    o->used_final = a->used_final;
    o->final_url = t->stats->final_url;
    o->now_ms = uv_now(run_loop(t->run));
}

/* What the transfer holds, for the retry policy. */
static void
held_of(const struct transfer *t, struct retry_held *h)
{
    memset(h, 0, sizeof *h);
    h->name = t->display_url;
    h->have = t->have;
    h->part_end = t->seg_end;
    h->total_known = t->total_known;
    h->total = t->total;
    h->can_restart = output_kind(t->out) == OUTPUT_PARTFILE;
    h->path = output_part_path(t->out);
    h->stream = t->stream;
    h->sse = t->sse;
    h->stream_retry_ms = t->rec_on ? t->rec.retry_ms : -1;
    h->verifying = t->verify_pending;
    h->verify_size = t->verify_size;
}

static void
attempt_ended(struct transfer *t, CURLcode result)
{
    struct attempt *a = t->att;
    struct retry_outcome o;
    struct retry_held held;
    struct retry_config rc;
    struct retry_verdict v;
    char what[CURL_ERROR_SIZE + 64];
    enum abort_reason abort = a->abort;
    int abort_code = a->abort_code;

    if (a->errbuf[0] != '\0')
        snprintf(what, sizeof what, "%s", a->errbuf);
    else
        snprintf(what, sizeof what, "%s", curl_easy_strerror(result));
    char *eff = NULL;
    if (result == CURLE_UNSUPPORTED_PROTOCOL &&
        curl_easy_getinfo(a->easy, CURLINFO_EFFECTIVE_URL, &eff) == CURLE_OK && eff != NULL &&
        strcmp(eff, a->url) != 0 && strncasecmp(eff, "http://", 7) != 0 &&
        strncasecmp(eff, "https://", 8) != 0) {
        /* libcurl's "Protocol "file" not supported or disabled" hides that
         * it was a redirect haul refused to follow.  (The same code comes
         * for an HTTP/0.9 answer: an http(s) target keeps libcurl's text.) */
        char *shown = url_redacted(eff);
        snprintf(what, sizeof what, "redirected to %s; haul follows only http and https", shown);
        xfree(shown);
    }
    outcome_of(t, a, result, what, &o);
    attempt_collect(a);
    if (a->head.accept_ranges)
        t->accept_ranges = true;
    o.final_url = t->stats->final_url;

    /* Teardown first: nothing of this attempt outlives this point. */
    t->att = NULL;
    attempt_free(a);
    a = NULL;
    struct mem_figures f;
    mem_account_read(&t->stats->attempt_acct, &f);
    if (f.live > t->stats->attempt_live_max)
        t->stats->attempt_live_max = f.live;
    if (f.live != 0)
        t->stats->attempts_leaking++;

    if (t->state != XS_ACTIVE)
        return;

    switch (abort) {
    case ABORT_RESTART:
        again_now(t);
        return;
    case ABORT_WRITE:
        transfer_fail_write(t, abort_code);
        return;
    case ABORT_DEADLINE:
        fail(t, HAUL_EXIT_TIMEOUT, "%s: gave up after --max-time (%.1fs)", t->display_url,
             (double)t->cfg->max_time_ms / 1000);
        return;
    case ABORT_SIGNAL:
        fail(t, abort_code, "interrupted");
        return;
    case ABORT_CANCEL:
        fail(t, HAUL_EXIT_PIPE, "output pipe closed");
        return;
    default:
        break;
    }
    held_of(t, &held);
    transfer_retry_config(t, &rc);
    retry_decide(&o, &held, &t->retry, &rc, run_random01(t->run), &v);
    carry_out(t, &v);
}

void
transfer_on_curl_done(CURL *easy, CURLcode result)
{
    char *priv = NULL;
    curl_easy_getinfo(easy, CURLINFO_PRIVATE, &priv);
    struct attempt *a = (struct attempt *)(void *)priv;
    if (a == NULL)
        return;
    if (a->seg != NULL) {
        if (a->seg->att == a)
            segment_ended(a->seg, result);
        return;
    }
    if (a->t->att == a)
        attempt_ended(a->t, result);
}

/* ---- finishing ---------------------------------------------------------- */

struct hash_job {
    uv_work_t req;
    struct transfer *t;
    char *path;
    bool want[2];
    unsigned char digest[2][64];
    unsigned len[2];
    int rc;
};

static void
hash_work(uv_work_t *req)
{
    struct hash_job *job = req->data;
    for (int i = 0; i < 2 && job->rc == 0; i++)
        if (job->want[i])
            job->rc = digest_file(job->path, i ? CHECKSUM_SHA512 : CHECKSUM_SHA256,
                                  job->digest[i], &job->len[i]);
}

static void
hash_done(uv_work_t *req, int status)
{
    struct hash_job *job = req->data;
    struct transfer *t = job->t;
    (void)status;
    t->hash_running = false;
    if (job->rc != 0) {
        int rc = job->rc;
        xfree(job->path);
        xfree(job);
        fail(t, HAUL_EXIT_WRITE, "%s: cannot read it back for its checksum: %s",
             output_part_path(t->out), strerror(rc));
        return;
    }
    memcpy(t->digest, job->digest, sizeof t->digest);
    memcpy(t->digest_len, job->len, sizeof t->digest_len);
    t->hashed = true;
    xfree(job->path);
    xfree(job);
    finish_continue(t);
}

static bool
start_hash(struct transfer *t)
{
    if (t->hashed || !(t->md_want[0] || t->md_want[1]))
        return false;
    if (output_kind(t->out) != OUTPUT_PARTFILE) {
        for (int i = 0; i < 2; i++)
            if (t->md[i] != NULL)
                EVP_DigestFinal_ex(t->md[i], t->digest[i], &t->digest_len[i]);
        t->hashed = true;
        return false;
    }
    struct hash_job *job = xcalloc(1, sizeof *job);
    job->t = t;
    job->path = xstrdup(output_part_path(t->out));
    job->want[0] = t->md_want[0];
    job->want[1] = t->md_want[1];
    job->req.data = job;
    if (uv_queue_work(run_loop(t->run), &job->req, hash_work, hash_done) != 0) {
        xfree(job->path);
        xfree(job);
        fail(t, HAUL_EXIT_INTERNAL, "cannot start the checksum");
        return true;
    }
    t->hash_running = true;
    return true;
}

static void
finish_continue(void *ctx)
{
    struct transfer *t = ctx;
    struct sink *s;
    int code = HAUL_EXIT_WRITE;

    if (t->state != XS_FINISHING)
        return;
    s = output_sink(t->out);
    /* A stream's last record may lack its terminator: it is still data. */
    if (t->rec_on && !t->finishing_tail_written) {
        if (t->rec.len > 0 && s != NULL) {
            if (!sink_reserve(s, t->rec.len)) {
                /* No room yet: on_flushed brings us back once the queue
                 * is written out. */
                if (!sink_flush(s))
                    return;
            }
            t->finishing_tail_written = true;
            if (sink_write(s, t->rec.tail, t->rec.len) != SINK_OK) {
                fail(t, HAUL_EXIT_WRITE, "%s: %s", output_part_path(t->out),
                     strerror(sink_error(s)));
                return;
            }
            hash_update(t, t->rec.tail, t->rec.len);
            t->stats->bytes_written += t->rec.len;
            records_discard(&t->rec);
        }
        t->finishing_tail_written = true;
    }
    if (s == NULL) {
        /* An empty body never opened its output: open it now, so that
         * -o FILE makes FILE even for zero bytes. */
        /* Never below what is held: a 416 "done" may come for a complete
         * FILE.part that this run has not opened yet. */
        int err = output_open(t->out, t->have, t->nsegs > 0 ? t->total : t->have, &code);
        if (err != 0) {
            fail(t, code, "%s: cannot write %s: %s", t->display_url, output_part_path(t->out),
                 strerror(err));
            return;
        }
        s = output_sink(t->out);
    }
    if (!sink_flush(s))
        return;    /* on_sink_flushed calls again */
    if (sink_error(s) != 0) {
        on_sink_error(t);
        return;
    }
    if (output_checkpoint_busy(t->out)) {
        output_on_checkpoint_idle(t->out, finish_continue, t);
        return;
    }
    if (t->hash_running || start_hash(t))
        return;    /* hash_done calls again */
    if (t->state != XS_FINISHING)
        return;

    char hex[2][129];
    for (int i = 0; i < 2; i++)
        digest_hex(t->digest[i], t->digest_len[i], hex[i]);
    if (t->cfg->checksum_algo != CHECKSUM_NONE) {
        int i = t->cfg->checksum_algo == CHECKSUM_SHA512 ? 1 : 0;
        if (t->digest_len[i] != t->cfg->checksum_len ||
            memcmp(t->digest[i], t->cfg->checksum, t->cfg->checksum_len) != 0) {
            fail(t, HAUL_EXIT_CHECKSUM, "%s: checksum mismatch: got %s:%s; the data stays in %s",
                 t->display_url, i ? "sha512" : "sha256", hex[i], output_part_path(t->out));
            return;
        }
    }
    /* The last line of defence against a splice or a cut: a file of known
     * length is only committed whole. */
    if (t->total_known && !t->stream && !t->encoded && held_bytes(t) != t->total) {
        fail(t, HAUL_EXIT_INTERNAL, "%s: internal error: %" PRIu64 " of %" PRIu64
             " bytes at the end; kept %s", t->display_url, held_bytes(t), t->total,
             output_part_path(t->out));
        return;
    }
    int err = output_commit(t->out, &code);
    if (err != 0) {
        fail(t, code, "%s: cannot rename %s to %s: %s", t->display_url,
             output_part_path(t->out), output_path(t->out), strerror(err));
        return;
    }
    if (t->md_want[0] && t->cfg->sha256) {
        memcpy(t->stats->sha256, hex[0], 64);
        t->stats->sha256[64] = '\0';
        msg_result("%s  %s", hex[0], output_path(t->out));
    }
    t->state = XS_DONE;
    t->stats->finished = true;
    t->stats->exit_code = HAUL_EXIT_OK;
    t->stats->end_ms = now_ms(t);
    events_done(run_events(t->run), t->stats->id, t->display_url, output_path(t->out),
                t->stats->bytes_written, t->stats->attempts, t->stats->sha256);
    run_poke(t->run);
}

/* ---- failure ------------------------------------------------------------ */

/*
 * A failure, in steps that may each have to wait for the loop:
 *   fail()          stops the attempts, prints the one line, records the code;
 *   fail_continue() saves the journal (after any save still in flight, so
 *                   that two writers never race on it), delivers bytes
 *                   already given to a pipe, then
 *   fail_finish()   marks the transfer done.
 */
static void
fail(struct transfer *t, int code, const char *fmt, ...)
{
    char message[1024];
    va_list ap;

    va_start(ap, fmt);
    vsnprintf(message, sizeof message, fmt, ap);
    va_end(ap);

    if (t->att != NULL) {
        struct attempt *a = t->att;
        t->att = NULL;
        curluv_remove(run_curluv(t->run), a->easy);
        attempt_free(a);
    }
    segments_cancel(t);
    bool partfile = output_is_open(t->out) && output_kind(t->out) == OUTPUT_PARTFILE;
    bool saved = partfile && held_bytes(t) > 0;
    /* -c stopped before its first response: FILE.part still holds what
     * the journal names, and the same command continues it. */
    bool kept = !output_is_open(t->out) && output_kind(t->out) == OUTPUT_PARTFILE &&
                !t->verify_pending && held_bytes(t) > 0;
    if (code == HAUL_EXIT_INTERRUPTED || code == HAUL_EXIT_TERMINATED) {
        if (saved || kept) {
            char n[32];
            msg_error("%s: stopped with %s in %s; run the same command with -c to continue",
                      t->display_url, human_size((double)held_bytes(t), n, sizeof n),
                      output_part_path(t->out));
        }
    } else if (code != HAUL_EXIT_PIPE) {
        if (!t->said)
            msg_error("%s", message);
        if ((saved || kept) && code != HAUL_EXIT_DISKFULL && code != HAUL_EXIT_CHECKSUM)
            msg_note("%s: kept %s; run again with -c to continue", t->display_url,
                     output_part_path(t->out));
    }
    if (partfile && !saved && code != HAUL_EXIT_CHECKSUM)
        output_discard(t->out);
    t->stats->exit_code = code;
    xfree(t->stats->message);
    t->stats->message = xstrdup(message);
    t->state = XS_DRAINING;
    fail_continue(t);
}

/* The last journal of a failed transfer.  On a full disk there may be no
 * room for it: give back the last MiB of the .part and try once more. */
static void
fail_save_journal(struct transfer *t)
{
    struct journal j;
    struct sink *s = output_sink(t->out);
    /* The output failed: only what reached the file counts. */
    if (s != NULL && sink_error(s) != 0 && sink_written_position(s) < t->have)
        t->have = sink_written_position(s);
    int rc = output_checkpoint_now(t->out, journal_of(t, &j));
    if ((rc == ENOSPC || rc == EDQUOT) && t->nsegs == 0 && t->have > 0) {
        uint64_t keep = t->have > (1 << 20) ? (t->have - (1 << 20)) & ~(uint64_t)0xffff : 0;
        if (s != NULL && sink_truncate(s, keep) == 0) {
            t->have = keep;
            rc = output_checkpoint_now(t->out, journal_of(t, &j));
        }
    }
    if (rc == 0)
        t->journal_have = held_bytes(t);
    else
        msg_warn("%s: cannot save the resume journal (%s); -c will check %s against the "
                 "server instead", output_part_path(t->out), strerror(rc),
                 output_part_path(t->out));
}

static void
fail_continue(void *ctx)
{
    struct transfer *t = ctx;

    if (t->state != XS_DRAINING)
        return;
    if (!t->fail_saved) {
        bool partfile = output_is_open(t->out) && output_kind(t->out) == OUTPUT_PARTFILE;
        if (partfile && held_bytes(t) > 0 &&
            (held_bytes(t) != t->journal_have || t->journal_dirty || t->nsegs > 0)) {
            if (output_checkpoint_busy(t->out)) {
                output_on_checkpoint_idle(t->out, fail_continue, t);
                return;
            }
            fail_save_journal(t);
        }
        t->fail_saved = true;
    }
    /* Bytes accepted for a pipe are delivered before the transfer ends:
     * nothing already received is lost. */
    struct sink *s = output_sink(t->out);
    if (s != NULL && t->stats->exit_code != HAUL_EXIT_PIPE && sink_error(s) == 0 &&
        !sink_flush(s))
        return;    /* on_sink_flushed or on_sink_error come back here */
    fail_finish(t);
}

/* The last step of a failure, once the output has what it was given. */
static void
fail_finish(struct transfer *t)
{
    t->state = XS_DONE;
    t->stats->finished = true;
    t->stats->end_ms = now_ms(t);
    events_error(run_events(t->run), t->stats->id, t->display_url, t->stats->exit_code,
                 t->stats->message);
    run_poke(t->run);
}

/* ---- time ------------------------------------------------------------- */

uint64_t
transfer_tick(struct transfer *t, uint64_t now)
{
    uint64_t next = UINT64_MAX;

    if (t->state == XS_ACTIVE || t->state == XS_WAITING || t->state == XS_SEGWAIT) {
        if (now >= t->deadline_ms) {
            if (t->att != NULL)
                abort_attempt(t, ABORT_DEADLINE, HAUL_EXIT_TIMEOUT);
            else
                fail(t, HAUL_EXIT_TIMEOUT, "%s: gave up after --max-time (%.1fs)",
                     t->display_url, (double)t->cfg->max_time_ms / 1000);
            return UINT64_MAX;
        }
        if (t->journal_dirty && journal_due(t, now))
            checkpoint(t);
        if (now - t->rate_ms >= 500) {
            double inst = (double)(t->stats->bytes_received - t->rate_bytes) * 1000.0 /
                          (double)(now - t->rate_ms);
            t->rate = t->rate == 0 ? inst : 0.5 * t->rate + 0.5 * inst;
            t->rate_ms = now;
            t->rate_bytes = t->stats->bytes_received;
        }
        if (now - t->events_progress_ms >= EVENTS_PROGRESS_MS && t->state != XS_WAITING) {
            t->events_progress_ms = now;
            events_progress(run_events(t->run), t->stats->id, t->display_url, held_bytes(t),
                            t->total_known, t->total, t->rate);
        }
        next = t->deadline_ms;
    }
    if (t->state == XS_ACTIVE && t->att != NULL) {
        struct attempt *a = t->att;
        if (t->cfg->stall_timeout_ms > 0 && !a->paused &&
            now - a->last_byte_ms >= t->cfg->stall_timeout_ms) {
            abort_attempt(t, ABORT_STALL, HAUL_EXIT_TIMEOUT);
            if (t->state == XS_WAITING && t->retry_at_ms < next)
                next = t->retry_at_ms;
        } else if (t->cfg->stall_timeout_ms > 0 && !a->paused) {
            /* A transfer paused by its own output is not stalling. */
            uint64_t due = a->last_byte_ms + t->cfg->stall_timeout_ms;
            if (due < next)
                next = due;
        }
    } else if (t->state == XS_WAITING) {
        if (now >= t->retry_at_ms)
            start_attempt(t);
        else if (t->retry_at_ms < next)
            next = t->retry_at_ms;
    }
    if (t->nsegs > 0 && (t->state == XS_ACTIVE || t->state == XS_WAITING ||
                         t->state == XS_SEGWAIT)) {
        uint64_t due = segments_tick(t, now);
        if (due < next)
            next = due;
    }
    if (t->rate_limit > 0 &&
        (t->state == XS_ACTIVE || t->state == XS_WAITING || t->state == XS_SEGWAIT)) {
        bool resumed = false;
        rate_fill(t, now);
        resumed |= rate_resume(t, t->att, now);
        /* An attempt ended by unpause() may fail the transfer or free its
         * parts: check before each one. */
        for (unsigned i = 0; i < t->nsegs; i++) {
            if (t->state != XS_ACTIVE && t->state != XS_WAITING && t->state != XS_SEGWAIT)
                break;
            resumed |= rate_resume(t, t->segs[i].att, now);
        }
        if (resumed)
            curluv_kick(run_curluv(t->run));
    }
    return next;
}

void
transfer_interrupt(struct transfer *t, int code)
{
    switch (t->state) {
    case XS_ACTIVE:
        abort_attempt(t, ABORT_SIGNAL, code);
        break;
    case XS_WAITING:
    case XS_SEGWAIT:
    case XS_NEW:
        if (t->state == XS_NEW)
            t->stats->start_ms = now_ms(t);
        fail(t, code, "interrupted");
        break;
    case XS_FINISHING:
        if (!t->hash_running)
            fail(t, code, "interrupted");
        break;
    case XS_DRAINING:
        /* Stop waiting for a reader that may be gone, but not before the
         * last journal is on disk. */
        if (t->fail_saved)
            fail_finish(t);
        break;
    case XS_DONE:
        break;
    }
}

void
transfer_cancel_stdout(struct transfer *t)
{
    if (!t->to_stdout || t->state == XS_DONE)
        return;
    if (t->state == XS_ACTIVE)
        abort_attempt(t, ABORT_CANCEL, HAUL_EXIT_PIPE);
    else if (t->state == XS_DRAINING)
        fail_finish(t);
    else if (!t->hash_running)
        fail(t, HAUL_EXIT_PIPE, "output pipe closed");
}

/* ---- accessors and teardown ------------------------------------------- */

bool transfer_started(const struct transfer *t) { return t->started; }
bool transfer_finished(const struct transfer *t) { return t->state == XS_DONE; }
bool transfer_to_stdout(const struct transfer *t) { return t->to_stdout; }
const char *transfer_host_key(const struct transfer *t) { return t->host_key; }

void
transfer_set_rate_limit(struct transfer *t, uint64_t bytes_per_s)
{
    t->rate_limit = bytes_per_s;
    if (t->tokens > rate_burst(t))
        t->tokens = rate_burst(t);
}

void
transfer_progress(const struct transfer *t, uint64_t now, struct transfer_progress *p)
{
    memset(p, 0, sizeof *p);
    p->name = t->to_stdout ? t->display_url : output_path(t->out);
    p->have = held_bytes(t);
    p->received = t->stats->bytes_received;
    p->total_known = t->total_known;
    p->total = t->total;
    p->waiting = t->state == XS_WAITING;
    p->retry_in_ms = p->waiting && t->retry_at_ms > now ? t->retry_at_ms - now : 0;
    p->attempt = t->stats->attempts;
    p->rate = t->rate;
}

void
transfer_free(struct transfer *t)
{
    if (t == NULL)
        return;
    if (t->att != NULL) {
        curluv_remove(run_curluv(t->run), t->att->easy);
        attempt_free(t->att);
    }
    segments_free(t);
    output_free(t->out);
    xfree(t->tail);
    if (t->rec_on)
        records_free(&t->rec);
    for (int i = 0; i < 2; i++)
        EVP_MD_CTX_free(t->md[i]);
    xfree(t->url);
    xfree(t->display_url);
    xfree(t->final_url);
    xfree(t->host_key);
    xfree(t);
}
