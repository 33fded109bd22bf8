/*
 * transfer.c - the life of one download: its creation, its attempts and
 * what follows each of them, time, signals and teardown.
 *
 * Where a disconnect is handled: on_attempt_end().  The attempt is already
 * gone when it runs (attempt.c tears it down first); it asks the retry
 * policy (retry.c) what follows, and carry_out() does it: finish, wait and
 * retry, start over, fail.  A transfer waiting for its retry holds only
 * what it needs to resume: offset, validators, URLs, and its open output.
 * The response and the body are transfer_body.c's, the end (success or
 * failure) transfer_end.c's.
 */
#include "config.h"

#include <errno.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <unistd.h>

#include "digest.h"
#include "events.h"
#include "exitcodes.h"
#include "http.h"
#include "mem.h"
#include "msg.h"
#include "outputs.h"
#include "transfer_int.h"

/* A body that goes to a terminal is looked at this far for a NUL byte. */
#define TTY_CHECK_BYTES 2048

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
/*
 * Between saves, how far the file is written is noted in the journal in
 * place (20 bytes, no sync) after every 256 KiB, and at least every 200 ms
 * while bytes arrive: after kill -9, -c fetches again at most about that
 * much plus one gather buffer (128 KiB), 0.6% of a 64 MiB file.
 */
#define NOTE_BYTES (256 * 1024)
#define NOTE_MAX_WAIT_MS 200
/* -c without a journal: bytes compared before trusting a partial file. */
#define VERIFY_OVERLAP (64 * 1024)
/* How often a "progress" event is written. */
#define EVENTS_PROGRESS_MS 1000

static void on_attempt_end(void *owner, const struct attempt_outcome *o);

static const struct attempt_ops own_ops = {
    .on_response = transfer_on_response,
    .on_body = transfer_on_body,
    .on_head_line = transfer_on_head_line,
    .on_end = on_attempt_end,
};

/* ---- small helpers ---------------------------------------------------- */

uint64_t transfer_now(const struct transfer *t) { return uv_now(t->env.loop); }

uint64_t
transfer_held(const struct transfer *t)
{
    return t->have + segments_bytes(t->segs);
}

bool
transfer_mirrored(const struct transfer *t)
{
    return t->src != NULL && sources_count(t->src) > 1;
}

static void
wake(const struct transfer *t)
{
    t->env.wake(t->env.ctx);
}

/* Between attempts, or waiting for its parts: a state time acts on. */
static bool
running(const struct transfer *t)
{
    return t->state == XS_ACTIVE || t->state == XS_WAITING || t->state == XS_SEGWAIT;
}

struct journal *
transfer_journal(const struct transfer *t, struct journal *j)
{
    memset(j, 0, sizeof *j);
    j->url = t->display_url;
    j->final_url = t->stats->final_url;
    memcpy(j->etag, t->ver.etag, sizeof j->etag);
    /* A Last-Modified too close to Date is no validator; don't keep it. */
    if (t->ver.lm_safe)
        memcpy(j->last_modified, t->ver.last_modified, sizeof j->last_modified);
    j->total_known = t->ver.total_known;
    j->total = t->ver.total;
    j->nsegments = 1;
    j->seg[0].start = 0;
    j->seg[0].end_known = t->ver.total_known;
    j->seg[0].end = t->ver.total;
    j->seg[0].next = t->have;
    j->seg[0].source = -1;    /* the own part's is "source" */
    segments_journal(t->segs, j);
    sources_journal(t->src, t->ver_source, j);
    for (unsigned i = 0; i < j->nsegments; i++)
        j->seg[i].written = j->seg[i].next;
    return j;
}

static bool
journal_due(const struct transfer *t, uint64_t now)
{
    uint64_t since = now - t->journal_ms;
    uint64_t interval = JOURNAL_INTERVAL_MS;
    uint64_t sync_ms = output_last_save_ms(t->out);
    if (sync_ms * 20 > interval)
        interval = sync_ms * 20;
    if (since < interval)
        return false;
    uint64_t held = transfer_held(t);
    uint64_t unsaved = held > t->journal_have ? held - t->journal_have : held;
    return unsaved >= JOURNAL_MIN_BYTES || since >= JOURNAL_MAX_WAIT_MS;
}

/* Bytes were written that the journal does not name yet. */
static bool
journal_dirty(const struct transfer *t)
{
    return t->journal_dirty || segments_dirty(t->segs);
}

/* The output has a journal to save or note in: an open FILE.part. */
static bool
journaled(const struct transfer *t)
{
    return output_kind(t->out) == OUTPUT_PARTFILE && output_is_open(t->out);
}

void
transfer_checkpoint(struct transfer *t)
{
    struct journal j;
    if (!journaled(t) || output_checkpoint_busy(t->out))
        return;
    output_checkpoint(t->out, transfer_journal(t, &j));
    t->journal_have = transfer_held(t);
    t->journal_ms = transfer_now(t);
    t->journal_dirty = false;
    segments_saved(t->segs);
}

/* Notes in the saved journal, in place and unsynced, how far the file is
 * written (see NOTE_BYTES). */
static void
note_written(struct transfer *t)
{
    struct journal j;
    if (!journaled(t) || t->stats->bytes_written == t->noted_bytes)
        return;
    transfer_journal(t, &j);
    /* The transfer's own part: only what reached the file, not what is
     * gathered in memory. */
    uint64_t pos = sink_written_position(output_sink(t->out));
    if (pos < j.seg[0].written)
        j.seg[0].written = pos;
    output_note_written(t->out, &j);
    t->noted_bytes = t->stats->bytes_written;
    t->noted_ms = transfer_now(t);
}

void
transfer_note_written(struct transfer *t)
{
    if (t->stats->bytes_written - t->noted_bytes >= NOTE_BYTES)
        note_written(t);
}

int
transfer_start_over(struct transfer *t)
{
    segments_free(t->segs);
    t->segs = NULL;
    t->seg_end = UINT64_MAX;
    t->have = 0;
    t->journal_have = 0;
    t->journal_dirty = false;
    t->verify_pending = false;
    t->probe_pending = false;
    version_forget(&t->ver);
    /* The sources were checked against bytes that are gone. */
    sources_unverify(t->src);
    t->stats->restarts++;
    return output_restart(t->out);
}

/* ---- sink callbacks --------------------------------------------------- */

static void
on_sink_drained(void *ctx)
{
    struct transfer *t = ctx;
    struct attempt *a = t->fl.att;
    if (a == NULL || !attempt_paused(a))
        return;
    /* Time paused by our own output is no stall: unpausing resets the clock. */
    t->fl.rate_paused = false;
    if (attempt_unpause(a, transfer_now(t)))
        curluv_kick(t->env.cu);
}

static void
on_sink_error(void *ctx)
{
    struct transfer *t = ctx;
    if (t->state == XS_DRAINING)
        transfer_stop_draining(t);
    else if (t->state == XS_ACTIVE || t->state == XS_FINISHING)
        transfer_fail_output(t, haul_exit_for_errno(sink_error(output_sink(t->out))), false);
    /* Between attempts the next write finds the error, and the end's
     * flush finds it at the latest. */
}

static void
on_sink_flushed(void *ctx)
{
    transfer_end_flushed(ctx);
}

static const struct sink_callbacks sink_cb = {
    .on_drained = on_sink_drained,
    .on_error = on_sink_error,
    .on_flushed = on_sink_flushed,
};

/* ---- the parts of -x (segments.c) ------------------------------------- */

static void own_part_done(struct transfer *t);
static void carry_out(struct transfer *t, struct retry_verdict *v);

static void
on_part_done(void *owner)
{
    struct transfer *t = owner;
    if (t->state == XS_SEGWAIT && segments_all_done(t->segs))
        transfer_finish(t);
}

static void
on_part_verdict(void *owner, struct retry_verdict *v)
{
    struct transfer *t = owner;
    if (running(t))
        carry_out(t, v);
}

static void
on_part_output_error(void *owner)
{
    struct transfer *t = owner;
    struct sink *s = output_sink(t->out);
    transfer_fail_output(t, haul_exit_for_errno(s != NULL ? sink_error(s) : EIO), false);
}

static void
on_part_written(void *owner)
{
    transfer_note_written(owner);
}

static const struct segments_ops part_ops = {
    .on_part_done = on_part_done,
    .on_verdict = on_part_verdict,
    .on_output_error = on_part_output_error,
    .on_written = on_part_written,
};

static void
segments_setup_of(struct transfer *t, struct segments_setup *s)
{
    *s = (struct segments_setup){
        .env = &t->env, .cfg = t->cfg, .stats = t->stats, .name = t->display_url,
        .out = t->out, .rate = &t->rate, .retry = &t->retry_cfg, .ops = &part_ops,
        .owner = t, .src = t->src,
    };
}

/* -x: the first answer gave the total; split if it is worth it. */
void
transfer_split(struct transfer *t)
{
    struct segments_setup setup;
    segments_setup_of(t, &setup);
    t->segs = segments_split(&setup, t->ver.total, &t->seg_end);
}

/* ---- creation --------------------------------------------------------- */

/* A transfer that could not even start: it is finished already. */
static void
fail_early(struct transfer *t, int code, const char *message, bool said)
{
    t->state = XS_DONE;
    if (!said)
        msg_error("%s", message);
    stats_finish(t->stats, t->env.events, code, message, 0);
}

/* A mirror that is no URL haul can fetch: the message, or NULL. */
static char *
mirror_problem(const struct job *job, const char *shown)
{
    for (size_t i = 0; i < job->nmirrors; i++) {
        const char *why = url_problem(job->mirrors[i]);
        if (why == NULL)
            continue;
        char *m = url_redacted(job->mirrors[i]);
        char *message = job->line > 0
            ? xasprintf("input line %u: %s: mirror %s: %s", job->line, shown, m, why)
            : xasprintf("%s: --mirror %s: %s", shown, m, why);
        xfree(m);
        return message;
    }
    return NULL;
}

/* The URL and where its body goes; false (and finished) on a problem. */
static bool
check_job(struct transfer *t, char **path)
{
    const struct job *job = t->job;
    const char *why;
    char *message = NULL;

    if (!job->input_ok) {
        message = xasprintf("input line %u: expected \"URL [OUTPUT]\": %s", job->line,
                            t->display_url);
    } else if ((why = url_problem(job->url)) != NULL) {
        if (job->line > 0)
            message = xasprintf("input line %u: %s: %s", job->line, t->display_url, why);
        else
            message = xasprintf("%s: %s", t->display_url, why);
    } else if ((message = mirror_problem(job, t->display_url)) != NULL) {
        /* said below */
    } else {
        const char *no_name = NULL;
        char *named = outputs_path(t->cfg, job, &no_name);
        if (no_name != NULL) {
            message = xasprintf("%s: %s for -O; name one with -o FILE", t->display_url, no_name);
            fail_early(t, HAUL_EXIT_USAGE, message, false);
            xfree(message);
            return false;
        }
        if (named != NULL) {
            *path = xstrdup_in(t->acct, named);    /* in the transfer's account */
            xfree(named);
        }
    }
    if (message != NULL) {
        fail_early(t, HAUL_EXIT_URL, message, false);
        xfree(message);
        return false;
    }
    return true;
}

/* Digests of FILE.part are read back at the end (it may be written out of
 * order, by -x or after -c); any other output is hashed as it is written:
 * stdout, a FIFO or /dev/null can't be read back, and a --stream file
 * holds older bytes too. */
static bool
setup_digests(struct transfer *t)
{
    t->md_want[0] = t->cfg->sha256 || t->cfg->checksum_algo == CHECKSUM_SHA256;
    t->md_want[1] = t->cfg->checksum_algo == CHECKSUM_SHA512;
    for (int i = 0; i < 2; i++) {
        if (!t->md_want[i] || output_kind(t->out) == OUTPUT_PARTFILE)
            continue;
        t->md[i] = EVP_MD_CTX_new();
        if (t->md[i] == NULL ||
            !EVP_DigestInit_ex(t->md[i], digest_md(i ? CHECKSUM_SHA512 : CHECKSUM_SHA256), NULL)) {
            fail_early(t, HAUL_EXIT_INTERNAL, "cannot set up the digest", false);
            return false;
        }
    }
    return true;
}

/* -c: what a journal or a partial file says is held already. */
static void
find_resume(struct transfer *t)
{
    struct output_resume r;
    output_find_resume(t->out, t->display_url, &r);
    if (r.how == RESUME_JOURNAL) {
        struct segments_setup setup;
        t->have = r.journal.seg[0].next;
        version_restore(&t->ver, &r.journal);
        /* Its validators are those of the source its bytes came from. */
        t->ver_source = r.journal.nsources > 1 ? sources_restore(t->src, &r.journal) : 0;
        if (r.journal.final_url != NULL)
            t->final_url = xstrdup_in(t->acct, r.journal.final_url);
        segments_setup_of(t, &setup);
        t->segs = segments_restore(&setup, &r.journal, &t->seg_end);
        t->journal_have = transfer_held(t);
        journal_clear(&r.journal);
    } else if (r.how == RESUME_VERIFY) {
        t->verify_pending = true;
        t->verify_size = r.size;
    }
}

struct transfer *
transfer_new(const struct transfer_env *env, const struct config *cfg, const struct job *job,
             struct xfer_stats *stats)
{
    struct mem_account *acct = &stats->acct;
    struct transfer *t = xcalloc_in(acct, 1, sizeof *t);
    char *path = NULL;
    int code = 0;

    t->env = *env;
    t->cfg = cfg;
    t->job = job;
    t->stats = stats;
    t->acct = acct;
    t->state = XS_NEW;
    t->url = xstrdup_in(acct, job->url);
    t->display_url = url_redacted(job->url);
    t->deadline_ms = UINT64_MAX;
    t->seg_end = UINT64_MAX;
    rate_init(&t->rate, cfg->limit_rate);
    stats->url = xstrdup(t->display_url);

    t->ver_source = -1;
    if (!check_job(t, &path) || !transfer_files_prepare(t, path))
        goto out;
    t->src = sources_new(acct, job->url, job->mirrors, job->nmirrors);
    t->stream = cfg->stream != STREAM_OFF;
    /* --no-clobber continues a FILE.part as -c does: a rerun picks up
     * where the last one stopped.  Either looks at what is there now, not
     * at what a listing saw; so do -J and --create-dirs, which make names
     * nobody asked the listing about (dirlist.h). */
    bool cont = cfg->cont || cfg->no_clobber;
    bool look = cont || cfg->create_dirs || cfg->content_disposition;
    t->out = output_new(env->loop, acct, path, t->stream && path != NULL,
                        (size_t)cfg->buffer_size, &sink_cb, t, look ? NULL : env->dirs, &code);
    if (t->out == NULL) {
        char *message = xasprintf("%s: cannot write %s", t->display_url, path);
        fail_early(t, code, message, true);    /* output_new said why */
        xfree(message);
        goto out;
    }
    t->to_stdout = output_kind(t->out) == OUTPUT_STDOUT;
    /* As curl: a binary body is not sent to a terminal unless -o - says
     * so.  Binary: a NUL byte in its first TTY_CHECK_BYTES. */
    if (t->to_stdout && job->output == NULL && isatty(STDOUT_FILENO))
        t->tty_check = TTY_CHECK_BYTES;
    stats->output = xstrdup(output_path(t->out));
    if (!output_check(t->out, t->display_url, cont, &code)) {
        char *message = xasprintf("%s: %s", t->display_url, output_problem(t->out));
        fail_early(t, code, message, false);
        xfree(message);
        goto out;
    }
    if (setup_digests(t) && cont)
        find_resume(t);
out:
    xfree(path);
    return t;
}

/* ---- attempts --------------------------------------------------------- */

/* The source asked now is not the one the bytes held came from: the
 * overlap before the resume point is compared before its bytes are
 * taken (the rule of several sources, retry.h). */
static bool
source_foreign(const struct transfer *t)
{
    return transfer_mirrored(t) && transfer_held(t) > 0 &&
           t->ver_source != (int)sources_current(t->src);
}

/* Whether the bytes before the resume point can be compared with what a
 * server sends: they are on hand (FILE.part, or the tail kept for other
 * outputs) and the body is neither decoded nor a live stream. */
static bool
overlap_possible(const struct transfer *t)
{
    return t->have > 0 && !t->encoded && !t->sse && !t->stream &&
           (output_kind(t->out) == OUTPUT_PARTFILE || t->keep_tail);
}

/*
 * Another source must take over bytes that cannot be compared with its
 * own (a decoded body, a --stream): a file starts over from byte 0 there;
 * other outputs stop (exit 12), as for a resource that changed.  False
 * when the transfer failed.
 */
static bool
switch_unchecked(struct transfer *t)
{
    const char *next = sources_shown(t->src, sources_current(t->src));
    if (output_kind(t->out) != OUTPUT_PARTFILE) {
        transfer_fail(t, HAUL_EXIT_CHANGED, "%s: source %s cannot continue: the bytes "
                      "written cannot be compared with its own", t->display_url, next);
        return false;
    }
    msg_note("%s: source %s: the bytes held cannot be compared with its own; starting over",
             t->display_url, next);
    if (transfer_start_over(t) != 0) {
        transfer_fail(t, HAUL_EXIT_WRITE, "%s: cannot start %s over", t->display_url,
                      output_part_path(t->out));
        return false;
    }
    return true;
}

/* What every request of this transfer shares (the parts' too): the URL,
 * whether credentials may go there, the version known and the limits. */
static void
request_base(const struct transfer *t, struct attempt_request *req)
{
    const struct config *cfg = t->cfg;
    const char *source = t->src != NULL ? sources_url(t->src, sources_current(t->src)) : t->url;
    memset(req, 0, sizeof *req);
    req->url = t->final_url != NULL ? t->final_url : source;
    req->cfg = cfg;
    /*
     * Resuming at the URL redirects led to: libcurl strips credentials on
     * the redirects it follows itself, but this request goes there
     * directly.  Keep them from another host here too, unless
     * --location-trusted.
     */
    req->credentials = cfg->location_trusted || strcmp(req->url, source) == 0 ||
                       url_same_origin(req->url, source);
    req->ask.total_known = t->ver.total_known;
    req->ask.total = t->ver.total;
    req->rate_limit = t->rate.rate;
    req->acct = &t->stats->attempt_acct;
    if (source_foreign(t))
        return;    /* another server's validators mean nothing here */
    memcpy(req->ask.etag, t->ver.etag, sizeof req->ask.etag);
    memcpy(req->ask.last_modified, t->ver.last_modified, sizeof req->ask.last_modified);
    req->if_range = version_if_range(&t->ver);
}

/* What the parts start from: the transfer's request, with the validators
 * held whichever source the own attempt asks (a part uses them on the
 * source they belong to, segments.c). */
static void
parts_base(const struct transfer *t, struct attempt_request *req)
{
    request_base(t, req);
    if (!source_foreign(t))
        return;
    memcpy(req->ask.etag, t->ver.etag, sizeof req->ask.etag);
    memcpy(req->ask.last_modified, t->ver.last_modified, sizeof req->ask.last_modified);
    req->if_range = version_if_range(&t->ver);
}

/*
 * The overlap check: ask from a little before the resume point and
 * compare those bytes with what is held.  For -c without a journal, and
 * for a resume with nothing to send with the range that would protect it
 * (no strong ETag, no safe Last-Modified).  False on a read error.
 */
static bool
ask_overlap(struct transfer *t, struct attempt_request *req)
{
    size_t k = t->verify_size < VERIFY_OVERLAP ? (size_t)t->verify_size : VERIFY_OVERLAP;
    int err = 0;
    t->fl.verify = xmalloc_in(req->acct, k ? k : 1);
    t->fl.verify_len = k;
    if (output_kind(t->out) == OUTPUT_PARTFILE)
        err = output_read_tail(t->out, t->verify_size, t->fl.verify, k);
    else if (!transfer_tail_copy(t, t->fl.verify, k))
        err = EINVAL;
    if (err != 0) {
        transfer_fail(t, HAUL_EXIT_WRITE, "%s: cannot read %s back to check it: %s",
                      t->display_url, output_part_path(t->out), strerror(err));
        return false;
    }
    req->ask.held = t->verify_size;
    req->ask.ranged = true;
    req->ask.range_first = t->verify_size - k;
    if (t->seg_end != UINT64_MAX && t->verify_size < t->seg_end) {
        /* -x: the own part only; the parts fetch the rest. */
        req->ask.range_last_set = true;
        req->ask.range_last = t->seg_end - 1;
    }
    req->if_range = NULL;
    return true;
}

/* The request of the transfer's own next attempt; false when it failed. */
static bool
own_request(struct transfer *t, struct attempt_request *req)
{
    bool partfile = output_kind(t->out) == OUTPUT_PARTFILE;

    request_base(t, req);
    req->ask.held = t->have;
    req->ask.can_restart = partfile;
    req->ask.stream = t->stream;
    if (!t->verify_pending && overlap_possible(t) && !t->cfg->whole_only &&
        (source_foreign(t) || (version_if_range(&t->ver) == NULL && t->segs == NULL))) {
        t->verify_pending = true;
        t->verify_size = t->have;
    }
    if (t->verify_pending)
        return ask_overlap(t, req);
    req->if_range = NULL;
    if (t->sse) {
        /* Event streams resume by event id, not by byte. */
        if (t->rec_on && t->rec.has_id)
            req->last_event_id = t->rec.last_id;
        req->ask.held = 0;
        return true;
    }
    /* A server that ignores Range answers 200; response_decide copes.
     * A request with a body, or another method than GET, is sent whole
     * again (when retry.c lets it be sent again at all). */
    if (t->have > 0 && !t->encoded && !t->cfg->whole_only) {
        req->ask.ranged = true;
        req->ask.range_first = t->have;
        if (t->seg_end != UINT64_MAX && t->have < t->seg_end) {
            req->ask.range_last_set = true;
            req->ask.range_last = t->seg_end - 1;
        }
        req->if_range = version_if_range(&t->ver);
    }
    return true;
}

static void
start_attempt(struct transfer *t)
{
    struct attempt_request req;
    const char *why = NULL;
    uint64_t now = transfer_now(t);

    if (now >= t->deadline_ms) {
        transfer_fail(t, HAUL_EXIT_TIMEOUT, "%s: gave up after --max-time", t->display_url);
        return;
    }
    if (source_foreign(t) && !t->verify_pending && !overlap_possible(t) && !switch_unchecked(t))
        return;
    memset(&t->fl, 0, sizeof t->fl);
    t->head_len = 0;
    if (t->src != NULL) {
        t->fl.source = sources_current(t->src);
        t->fl.foreign = source_foreign(t);
    }
    if (!own_request(t, &req)) {
        xfree(t->fl.verify);
        t->fl.verify = NULL;
        return;
    }
    transfer_files_request(t, &req);
    t->fl.ask = req.ask;
    t->fl.ask.if_range = req.if_range != NULL;
    t->fl.used_final = t->final_url != NULL;
    t->fl.sent_last_event_id = req.last_event_id != NULL;
    t->fl.att = attempt_start(t->env.cu, &req, &own_ops, t, now, &why);
    if (t->fl.att == NULL) {
        xfree(t->fl.verify);
        t->fl.verify = NULL;
        transfer_fail(t, HAUL_EXIT_INTERNAL, "%s: %s", t->display_url, why);
        return;
    }
    t->state = XS_ACTIVE;
    t->stats->attempts++;
}

void
transfer_start(struct transfer *t)
{
    if (t->state != XS_NEW)
        return;
    t->started = true;
    t->stats->start_ms = transfer_now(t);
    if (t->cfg->max_time_ms > 0)
        t->deadline_ms = t->stats->start_ms + t->cfg->max_time_ms;
    retry_config_of(t->cfg, t->deadline_ms, &t->retry_cfg);
    t->rate_ms = t->stats->start_ms;
    rate_start(&t->rate, t->stats->start_ms);
    events_start(t->env.events, t->stats->id, t->display_url, output_path(t->out), t->have);
    if (t->have > 0)
        msg_verbose("%s: continuing at byte %" PRIu64 " from the journal", t->display_url, t->have);
    start_attempt(t);
}

/* Ends the own attempt from outside libcurl's callbacks, quietly: the
 * transfer is failing or starting over. */
void
transfer_drop_attempt(struct transfer *t)
{
    if (t->fl.att == NULL)
        return;
    t->fl.stop = STOP_QUIET;
    attempt_abort(t->fl.att);
}

/* ---- what follows an attempt ------------------------------------------- */

/* Starts the next attempt at once, without counting a failure. */
static void
again_now(struct transfer *t)
{
    t->state = XS_WAITING;
    t->retry_at_ms = transfer_now(t);
    wake(t);
}

/* A failure worth another attempt: wait, then ask again. */
static void
retry_later(struct transfer *t, const struct retry_verdict *v)
{
    msg_warn("%s: %s", t->display_url, v->message);
    events_retry(t->env.events, t->stats->id, t->display_url, t->stats->attempts + 1,
                 v->delay_ms, v->reason, t->have);
    if (journal_dirty(t))
        transfer_checkpoint(t);
    t->state = XS_WAITING;
    t->retry_at_ms = transfer_now(t) + v->delay_ms;
    wake(t);
}

/* Another source takes over: the one that failed is set aside or
 * dropped (the policy's line says which and why), and the next is asked
 * after the delay. */
static void
switch_source(struct transfer *t, const struct retry_verdict *v)
{
    unsigned from = sources_current(t->src);
    const char *was = sources_shown(t->src, from);

    if (!sources_switch(t->src, v->drop)) {
        transfer_fail(t, HAUL_EXIT_INTERNAL, "%s: internal error: no source left to switch to",
                      t->display_url);
        return;
    }
    const char *next = sources_shown(t->src, sources_current(t->src));
    if (v->delay_ms > 0)
        msg_warn("%s: %s; trying %s in %.1fs", t->display_url, v->message, next,
                 (double)v->delay_ms / 1000.0);
    else
        msg_warn("%s: %s; continuing from %s", t->display_url, v->message, next);
    events_source(t->env.events, t->stats->id, t->display_url, was,
                  v->drop ? "dropped" : "aside", v->reason, next, t->have);
    /* A redirect of the source left is not where the next one leads.  The
     * parts keep their own sources (segments.c). */
    xfree(t->final_url);
    t->final_url = NULL;
    if (journal_dirty(t))
        transfer_checkpoint(t);
    t->state = XS_WAITING;
    t->retry_at_ms = transfer_now(t) + v->delay_ms;
    wake(t);
}

/* -x: the transfer's own part is complete. */
static void
own_part_done(struct transfer *t)
{
    if (segments_all_done(t->segs)) {
        transfer_finish(t);
        return;
    }
    t->state = XS_SEGWAIT;
    wake(t);
}

/* A transfer left active without an attempt, or waiting for parts that
 * are gone, asks again at once: it never waits for nothing. */
static void
go_on(struct transfer *t)
{
    if (t->state == XS_SEGWAIT || (t->state == XS_ACTIVE && t->fl.att == NULL))
        again_now(t);
}

static void
fall_back(struct transfer *t, const char *why)
{
    msg_note("%s: %s; going on over one connection", t->display_url, why);
    segments_free(t->segs);
    t->segs = NULL;
    t->seg_end = UINT64_MAX;
    t->journal_dirty = true;
    transfer_checkpoint(t);
    go_on(t);
}

/* Starts over from byte 0, if --retry allows another start-over. */
static void
start_over(struct transfer *t, struct retry_verdict *v)
{
    retry_start_over(&t->retry, &t->retry_cfg, t->have, v);
    if (v->action == RETRY_FAIL) {
        transfer_fail(t, v->exit_code, "%s: %s", t->display_url, v->message);
        return;
    }
    msg_note("%s: %s", t->display_url, v->note);
    transfer_drop_attempt(t);
    transfer_start_over(t);
    again_now(t);
}

/* -c compared every byte up to the end of the resource: it is complete. */
static void
finish_verified(struct transfer *t)
{
    int err = transfer_verify_passed(t);
    if (err != 0) {
        transfer_fail(t, HAUL_EXIT_WRITE, "%s: cannot continue %s: %s", t->display_url,
                      output_part_path(t->out), strerror(err));
        return;
    }
    msg_verbose("%s: %s matches the server's copy to its end", t->display_url,
                output_part_path(t->out));
    transfer_finish(t);
}

static void
note_disconnect(struct transfer *t, enum disconnect_kind kind, const char *message)
{
    if (kind == DISC_NONE)
        return;
    t->stats->disconnects[kind]++;
    events_disconnect(t->env.events, t->stats->id, t->display_url, disconnect_kind_name(kind),
                      t->have, message);
}

/* Carries out a verdict of the retry policy on the whole transfer (from
 * its own attempt, or a part's that concerns it). */
static void
carry_out(struct transfer *t, struct retry_verdict *v)
{
    if (v->note[0] != '\0')
        msg_note("%s: %s", t->display_url, v->note);
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
            transfer_finish(t);
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
        if (transfer_mirrored(t))
            sources_failed(t->src);
        retry_later(t, v);
        return;
    case RETRY_SWITCH:
        switch_source(t, v);
        return;
    case RETRY_START_OVER:
        start_over(t, v);
        return;
    case RETRY_FALLBACK:
        fall_back(t, v->reason);
        return;
    case RETRY_FAIL:
        transfer_fail(t, v->exit_code, "%s: %s", t->display_url, v->message);
        return;
    }
}

/* The own attempt is gone: check that it left nothing behind. */
static void
account_attempt(struct transfer *t)
{
    struct mem_figures f;
    mem_account_read(&t->stats->attempt_acct, &f);
    if (f.live > t->stats->attempt_live_max)
        t->stats->attempt_live_max = f.live;
    if (f.live != 0)
        t->stats->attempts_leaking++;
}

/* Figures of the attempt that outlive it: status, final URL, ranges. */
static void
record_attempt(struct transfer *t, const struct attempt_outcome *o)
{
    if (o->response_code > 0)
        t->stats->http_status = (int)o->response_code;
    if (o->final_url != NULL) {
        xfree(t->final_url);
        t->final_url = xstrdup_in(t->acct, o->final_url);
        xfree(t->stats->final_url);
        t->stats->final_url = url_redacted(o->final_url);
    }
    if (o->head->accept_ranges)
        t->accept_ranges = true;
}

/* How the attempt ended and what is held, for the retry policy. */
static void
retry_inputs(const struct transfer *t, const struct attempt_outcome *ao,
             struct retry_outcome *o, struct retry_held *h)
{
    static const enum retry_end ends[] = {
        [STOP_NONE] = RETRY_END_CURL, [STOP_REFUSED] = RETRY_END_REFUSED,
        [STOP_DONE] = RETRY_END_DONE, [STOP_PART_DONE] = RETRY_END_PART_DONE,
        [STOP_MISMATCH] = RETRY_END_MISMATCH, [STOP_STALL] = RETRY_END_STALL,
    };
    const struct head *hd = ao->head;
    *o = (struct retry_outcome){
        .end = ends[t->fl.stop], .curl_code = (int)ao->result, .os_errno = ao->os_errno,
        .what = ao->what, .sent = ao->sent, .in_head = ao->in_head,
        .alloc_failed = ao->alloc_failed, .decided = ao->decided,
        .dec = ao->dec,
        .status = hd->got.status, .retry_after_ms = hd->retry_after_ms,
        .shrank = hd->got.status == 416 || (hd->got.has_range && hd->got.range.total_known &&
                                            hd->got.range.total <= t->have),
        .unframed = ao->decided && !hd->chunked && !hd->got.has_length && !hd->encoded,
        .http2 = ao->http_version >= CURL_HTTP_VERSION_2,
        .bounded = t->fl.ask.range_last_set, .accept_ranges = t->accept_ranges,
        .received = t->fl.received, .body_end = t->fl.body_off,
        .used_final = t->fl.used_final, .final_url = t->stats->final_url,
        .now_ms = transfer_now(t),
    };
    *h = (struct retry_held){
        .have = t->have, .part_end = t->seg_end,
        .total_known = t->ver.total_known, .total = t->ver.total,
        .can_restart = output_kind(t->out) == OUTPUT_PARTFILE,
        .path = output_part_path(t->out), .stream = t->stream, .sse = t->sse,
        .send_once = t->cfg->send_once, .method = t->cfg->request_method,
        .whole_only = t->cfg->whole_only,
        .stream_retry_ms = t->rec_on ? t->rec.retry_ms : -1,
        .verifying = t->verify_pending, .verify_size = t->verify_size,
        .contacted = t->answered || transfer_held(t) > 0 || t->verify_pending,
    };
    if (transfer_mirrored(t)) {
        h->source = sources_shown(t->src, t->fl.source);
        h->sources_left = sources_left(t->src);
        h->sources_ready = sources_ready(t->src);
        h->source_failures = sources_failures(t->src);
        h->foreign = t->fl.foreign;
    }
}

static void
on_attempt_end(void *owner, const struct attempt_outcome *o)
{
    struct transfer *t = owner;
    struct retry_outcome ro;
    struct retry_held held;
    struct retry_verdict v;

    t->fl.att = NULL;
    xfree(t->fl.verify);
    t->fl.verify = NULL;
    account_attempt(t);
    record_attempt(t, o);
    if (o->head->got.status > 0 || t->fl.received > 0)
        t->answered = true;
    if (t->state != XS_ACTIVE || t->fl.stop == STOP_QUIET)
        return;
    if (t->fl.stop == STOP_WRITE) {
        transfer_fail_output(t, t->fl.stop_code, t->fl.stop_said);
        return;
    }
    if (transfer_files_stopped(t))
        return;
    retry_inputs(t, o, &ro, &held);
    retry_decide(&ro, &held, &t->retry, &t->retry_cfg, t->env.random01(t->env.ctx), &v);
    carry_out(t, &v);
}

/* ---- time ------------------------------------------------------------- */

/* The progress rate and its event, once in a while. */
static void
tick_rate(struct transfer *t, uint64_t now)
{
    if (now - t->rate_ms >= 500) {
        double inst = (double)(t->stats->bytes_received - t->rate_bytes) * 1000.0 /
                      (double)(now - t->rate_ms);
        t->rate_bps = t->rate_bps == 0 ? inst : 0.5 * t->rate_bps + 0.5 * inst;
        t->rate_ms = now;
        t->rate_bytes = t->stats->bytes_received;
    }
    if (now - t->events_progress_ms >= EVENTS_PROGRESS_MS && t->state != XS_WAITING) {
        t->events_progress_ms = now;
        events_progress(t->env.events, t->stats->id, t->display_url, transfer_held(t),
                        t->ver.total_known, t->ver.total, t->rate_bps);
    }
}

/* The own attempt: stalled, or a retry that is due.  Returns when next. */
static uint64_t
tick_attempt(struct transfer *t, uint64_t now)
{
    uint64_t stall = t->cfg->stall_timeout_ms;
    struct attempt *a = t->fl.att;

    if (t->state == XS_ACTIVE && a == NULL) {
        /* Every verdict leaves an attempt, a wait or an end (go_on): a
         * transfer active without a request would wait for ever. */
        transfer_fail(t, HAUL_EXIT_INTERNAL, "%s: internal error: no request in flight",
                      t->display_url);
        return UINT64_MAX;
    }
    if (t->state == XS_ACTIVE) {
        /* A transfer paused by its own output is not stalling. */
        if (stall == 0 || attempt_paused(a))
            return UINT64_MAX;
        if (now - attempt_last_byte_ms(a) < stall)
            return attempt_last_byte_ms(a) + stall;
        t->fl.stop = STOP_STALL;
        attempt_abort(a);    /* on_attempt_end decides */
        return t->state == XS_WAITING ? t->retry_at_ms : UINT64_MAX;
    }
    if (t->state == XS_WAITING) {
        if (now < t->retry_at_ms)
            return t->retry_at_ms;
        start_attempt(t);
    }
    return UINT64_MAX;
}

/* --limit-rate: refill, and let paused connections go on. */
static void
tick_pacing(struct transfer *t, uint64_t now)
{
    bool resumed = false;

    rate_fill(&t->rate, now);
    if (t->fl.att != NULL && t->fl.rate_paused && rate_ready(&t->rate)) {
        t->fl.rate_paused = false;
        attempt_unpause(t->fl.att, now);
        resumed = true;
    }
    /* An attempt ended by unpausing may fail the transfer or free its
     * parts. */
    if (t->segs != NULL && running(t))
        resumed |= segments_rate_resume(t->segs, now);
    if (resumed)
        curluv_kick(t->env.cu);
}

uint64_t
transfer_tick(struct transfer *t, uint64_t now)
{
    uint64_t next, due;

    if (!running(t))
        return UINT64_MAX;
    if (now >= t->deadline_ms) {
        transfer_fail(t, HAUL_EXIT_TIMEOUT, "%s: gave up after --max-time (%.1fs)",
                      t->display_url, (double)t->cfg->max_time_ms / 1000);
        return UINT64_MAX;
    }
    /* A small body written unnamed gets its FILE.part now: what a kill -9
     * may lose is one tick of it (output.h). */
    if (journal_dirty(t) && output_unnamed(t->out) && output_name_part(t->out) != 0) {
        transfer_fail(t, HAUL_EXIT_WRITE, "%s: %s", t->display_url,
                      output_problem(t->out) != NULL ? output_problem(t->out)
                                                     : "cannot name the file being written");
        return UINT64_MAX;
    }
    if (journal_dirty(t) && journal_due(t, now))
        transfer_checkpoint(t);
    else if (now - t->noted_ms >= NOTE_MAX_WAIT_MS)
        note_written(t);
    tick_rate(t, now);
    next = t->deadline_ms;
    due = tick_attempt(t, now);
    if (due < next)
        next = due;
    if (t->segs != NULL && running(t)) {
        struct attempt_request base;
        struct segments_view view = { .base = &base, .ver_source = t->ver_source,
                                      .prefix = t->have };
        parts_base(t, &base);
        due = segments_tick(t->segs, now, &view);
        if (due < next)
            next = due;
    }
    if (t->rate.rate > 0 && running(t))
        tick_pacing(t, now);
    return next;
}

/* ---- signals and stdout ------------------------------------------------ */

void
transfer_interrupt(struct transfer *t, int code)
{
    switch (t->state) {
    case XS_NEW:
        t->stats->start_ms = transfer_now(t);
        /* fall through */
    case XS_ACTIVE:
    case XS_WAITING:
    case XS_SEGWAIT:
        transfer_fail(t, code, "interrupted");
        break;
    case XS_FINISHING:
        if (t->hashing == NULL)
            transfer_fail(t, code, "interrupted");
        break;
    case XS_DRAINING:
        transfer_stop_draining(t);
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
    if (t->state == XS_DRAINING)
        transfer_stop_draining(t);
    else if (t->hashing == NULL)
        transfer_fail(t, HAUL_EXIT_PIPE, "output pipe closed");
}

/* ---- accessors and teardown ------------------------------------------- */

bool transfer_started(const struct transfer *t) { return t->started; }
bool transfer_finished(const struct transfer *t) { return t->state == XS_DONE; }
bool transfer_to_stdout(const struct transfer *t) { return t->to_stdout; }

void
transfer_set_rate_limit(struct transfer *t, uint64_t bytes_per_s)
{
    rate_set(&t->rate, bytes_per_s);
}

void
transfer_snapshot(const struct transfer *t, uint64_t now, struct xfer_snapshot *p)
{
    memset(p, 0, sizeof *p);
    p->started = t->started;
    p->finished = t->state == XS_DONE;
    p->name = t->to_stdout || t->out == NULL ? t->display_url : output_path(t->out);
    p->have = transfer_held(t);
    p->received = t->stats->bytes_received;
    p->total_known = t->ver.total_known;
    p->total = t->ver.total;
    p->waiting = t->state == XS_WAITING;
    p->retry_in_ms = p->waiting && t->retry_at_ms > now ? t->retry_at_ms - now : 0;
    p->attempt = t->stats->attempts;
    p->rate = t->rate_bps;
}

void
transfer_free(struct transfer *t)
{
    if (t == NULL)
        return;
    transfer_drop_attempt(t);
    segments_free(t->segs);
    transfer_end_free(t);
    output_free(t->out);
    xfree(t->tail);
    xfree(t->head_text);
    if (t->rec_on)
        records_free(&t->rec);
    for (int i = 0; i < 2; i++)
        EVP_MD_CTX_free(t->md[i]);
    xfree(t->fail_message);
    transfer_files_free(t);
    sources_free(t->src);
    xfree(t->url);
    xfree(t->display_url);
    xfree(t->final_url);
    xfree(t);
}
