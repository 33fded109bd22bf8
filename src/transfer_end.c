/*
 * transfer_end.c - the end of a transfer, success or failure.
 *
 * Success, in steps that may each wait for the loop: the last --stream
 * record goes out, the output is flushed, a journal save in flight ends,
 * the checksum is computed (for FILE.part in the thread pool), compared,
 * and FILE.part is renamed over FILE.  Failure: the attempts stop, the one
 * line is printed, the last journal is saved and the bytes already given
 * to a pipe are delivered.  Either way job_done() marks the job finished
 * and writes its last --events line (stats_finish), and wakes the run.
 */
#include "config.h"

#include <errno.h>
#include <inttypes.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>

#include "digest.h"
#include "exitcodes.h"
#include "human.h"
#include "mem.h"
#include "msg.h"
#include "transfer_int.h"
#include "writeout.h"

static void finish_continue(void *ctx);
static void fail_continue(void *ctx);

/* The one way out: the job is finished, with its code and message. */
static void
job_done(struct transfer *t, int code, const char *message)
{
    t->state = XS_DONE;
    stats_finish(t->stats, t->env.events, code, message, transfer_now(t));
    /* -w: after the body, which is all out by now (a stdout body is
     * flushed or delivered before its job ends), and before the next. */
    if (t->cfg->write_out != NULL)
        writeout_format(t->cfg->write_out, t->stats, msg_write_out, NULL);
    t->env.wake(t->env.ctx);
}

/* ---- the checksum of a file, in the thread pool ------------------------ */

/*
 * The job holds its transfer, which may be freed before the job ends
 * (transfer_end_free): then `t` is NULL and the job only frees itself, as
 * output.c's journal save does.
 */
struct hash_job {
    uv_work_t req;
    struct transfer *t;            /* borrowed; NULL once detached */
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
    int rc = job->rc;
    (void)status;
    if (t != NULL) {
        t->hashing = NULL;
        memcpy(t->digest, job->digest, sizeof t->digest);
        memcpy(t->digest_len, job->len, sizeof t->digest_len);
    }
    xfree(job->path);
    xfree(job);
    if (t == NULL)
        return;
    if (rc != 0) {
        transfer_fail(t, HAUL_EXIT_WRITE, "%s: cannot read it back for its checksum: %s",
                      output_part_path(t->out), strerror(rc));
        return;
    }
    t->hashed = true;
    finish_continue(t);
}

/* Starts the digests of what was written; true when it must be waited
 * for (hash_done continues). */
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
    /* Read back by its name, which an unnamed file first gets. */
    int err = output_name_part(t->out);
    if (err != 0) {
        transfer_fail(t, HAUL_EXIT_WRITE, "%s: cannot name %s: %s", t->display_url,
                      output_part_path(t->out), strerror(err));
        return true;
    }
    struct hash_job *job = xcalloc(1, sizeof *job);    /* may outlive t: not its account */
    job->t = t;
    job->path = xstrdup(output_part_path(t->out));
    job->want[0] = t->md_want[0];
    job->want[1] = t->md_want[1];
    job->req.data = job;
    if (uv_queue_work(t->env.loop, &job->req, hash_work, hash_done) != 0) {
        xfree(job->path);
        xfree(job);
        transfer_fail(t, HAUL_EXIT_INTERNAL, "cannot start the checksum");
        return true;
    }
    t->hashing = job;
    return true;
}

void
transfer_end_free(struct transfer *t)
{
    if (t->hashing != NULL)
        t->hashing->t = NULL;
    t->hashing = NULL;
}

/* ---- success ------------------------------------------------------------ */

/* A stream's last record may lack its terminator: it is still data.
 * False when it must wait (on_flushed comes back) or failed. */
static bool
write_last_record(struct transfer *t, struct sink *s)
{
    if (!t->rec_on || t->tail_written)
        return true;
    if (t->rec.len > 0 && s != NULL) {
        /* No room yet: on_flushed brings us back once the queue is
         * written out. */
        if (!sink_reserve(s, t->rec.len) && !sink_flush(s))
            return false;
        if (sink_write(s, t->rec.tail, t->rec.len) != SINK_OK) {
            t->tail_written = true;
            transfer_fail(t, HAUL_EXIT_WRITE, "%s: %s", output_part_path(t->out),
                          strerror(sink_error(s)));
            return false;
        }
        transfer_hash_update(t, t->rec.tail, t->rec.len);
        t->stats->bytes_written += t->rec.len;
        records_discard(&t->rec);
    }
    t->tail_written = true;
    return true;
}

/* An empty body never opened its output: open it now, so that -o FILE
 * makes FILE even for zero bytes.  Never below what is held: a 416
 * "done" may come for a complete FILE.part this run has not opened yet. */
static struct sink *
open_for_end(struct transfer *t)
{
    int code = HAUL_EXIT_WRITE;
    struct journal j;
    int err = output_open(t->out, t->have, t->segs != NULL ? t->ver.total : t->have,
                          transfer_journal(t, &j), &code);
    if (err != 0) {
        if (output_problem(t->out) != NULL)
            transfer_fail(t, code, "%s: %s", t->display_url, output_problem(t->out));
        else
            transfer_fail(t, code, "%s: cannot write %s: %s", t->display_url,
                          output_part_path(t->out), strerror(err));
        return NULL;
    }
    return output_sink(t->out);
}

/* --checksum, and the last line of defence against a splice or a cut:
 * a file of known length is only committed whole.  False: failed. */
static bool
check_result(struct transfer *t, char hex[2][129])
{
    const struct config *cfg = t->cfg;
    for (int i = 0; i < 2; i++)
        digest_hex(t->digest[i], t->digest_len[i], hex[i]);
    if (cfg->checksum_algo != CHECKSUM_NONE) {
        int i = cfg->checksum_algo == CHECKSUM_SHA512 ? 1 : 0;
        if (t->digest_len[i] != cfg->checksum_len ||
            memcmp(t->digest[i], cfg->checksum, cfg->checksum_len) != 0) {
            transfer_fail(t, HAUL_EXIT_CHECKSUM, "%s: checksum mismatch: got %s:%s; the data "
                          "stays in %s", t->display_url, i ? "sha512" : "sha256", hex[i],
                          output_part_path(t->out));
            return false;
        }
    }
    uint64_t held = transfer_held(t);
    if (t->ver.total_known && !t->stream && !t->encoded && held != t->ver.total) {
        transfer_fail(t, HAUL_EXIT_INTERNAL, "%s: internal error: %" PRIu64 " of %" PRIu64
                      " bytes at the end; kept %s", t->display_url, held, t->ver.total,
                      output_part_path(t->out));
        return false;
    }
    return true;
}

/* Renames FILE.part over FILE, and the job is done. */
static void
commit(struct transfer *t, const char hex[2][129])
{
    int code = HAUL_EXIT_WRITE;
    transfer_files_commit(t);
    int err = output_commit(t->out, &code);
    if (err != 0) {
        transfer_fail(t, code, "%s: cannot rename %s to %s: %s", t->display_url,
                      output_part_path(t->out), output_path(t->out), strerror(err));
        return;
    }
    if (t->md_want[0] && t->cfg->sha256) {
        memcpy(t->stats->sha256, hex[0], 64);
        t->stats->sha256[64] = '\0';
        msg_checksum(hex[0], output_path(t->out));
    }
    job_done(t, HAUL_EXIT_OK, NULL);
}

static void
finish_continue(void *ctx)
{
    struct transfer *t = ctx;
    char hex[2][129];

    if (t->state != XS_FINISHING)
        return;
    struct sink *s = output_sink(t->out);
    if (!write_last_record(t, s))
        return;
    if (s == NULL && (s = open_for_end(t)) == NULL)
        return;
    if (!sink_flush(s))
        return;    /* on_sink_flushed calls again */
    if (sink_error(s) != 0) {
        transfer_fail_output(t, haul_exit_for_errno(sink_error(s)), false);
        return;
    }
    if (output_checkpoint_busy(t->out)) {
        output_on_checkpoint_idle(t->out, finish_continue, t);
        return;
    }
    if (t->hashing != NULL || start_hash(t))
        return;    /* hash_done calls again */
    if (t->state == XS_FINISHING && check_result(t, hex))
        commit(t, hex);
}

void
transfer_end_untouched(struct transfer *t)
{
    job_done(t, HAUL_EXIT_OK, NULL);
}

void
transfer_finish(struct transfer *t)
{
    t->state = XS_FINISHING;
    finish_continue(t);
}

void
transfer_end_flushed(struct transfer *t)
{
    if (t->state == XS_DRAINING)
        fail_continue(t);
    else
        finish_continue(t);
}

/* ---- failure ------------------------------------------------------------ */

/*
 * A failure, in steps that may each have to wait for the loop:
 *   transfer_fail()   stops the attempts, prints the one line, keeps the
 *                     code and message;
 *   fail_continue()   saves the journal (after any save still in flight,
 *                     so that two writers never race on it), delivers
 *                     bytes already given to a pipe, then
 *   job_done()        marks the job finished.
 */
void
transfer_fail(struct transfer *t, int code, const char *fmt, ...)
{
    char *message;
    va_list ap;

    /* Whole, however long the URL: --summary and --events keep it all,
     * and the line on stderr shortens the URL, not the reason. */
    va_start(ap, fmt);
    message = xvasprintf(fmt, ap);
    va_end(ap);

    transfer_drop_attempt(t);
    segments_cancel(t->segs);
    bool partfile = output_kind(t->out) == OUTPUT_PARTFILE;
    bool open = output_is_open(t->out);
    uint64_t held = transfer_held(t);
    /* Bytes written unnamed are kept only once they have their name. */
    bool named = !partfile || !open || held == 0 || output_name_part(t->out) == 0;
    bool saved = partfile && open && held > 0 && named;
    /* -c stopped before its first response: FILE.part still holds what
     * the journal names, and the same command continues it. */
    bool kept = partfile && !open && !t->verify_pending && held > 0;
    /* A request with a body or -X is never continued with Range: what
     * came of its answer is kept, without a promise. */
    const char *then = t->cfg->whole_only ? "; a request with a body or -X is not continued"
                                          : "; run again with -c to continue";
    if (code == HAUL_EXIT_INTERRUPTED || code == HAUL_EXIT_TERMINATED) {
        if (saved || kept) {
            char n[32];
            msg_error("%s: stopped with %s in %s%s", t->display_url,
                      human_size((double)held, n, sizeof n), output_part_path(t->out),
                      t->cfg->whole_only ? then : "; run the same command with -c to continue");
        }
    } else if (code != HAUL_EXIT_PIPE) {
        if (!t->said)
            msg_error("%s", message);
        if ((saved || kept) && code != HAUL_EXIT_DISKFULL && code != HAUL_EXIT_CHECKSUM)
            msg_note("%s: kept %s%s", t->display_url, output_part_path(t->out), then);
    }
    if (partfile && open && !saved && code != HAUL_EXIT_CHECKSUM)
        output_discard(t->out);
    t->fail_code = code;
    xfree(t->fail_message);
    t->fail_message = xstrdup_in(t->acct, message);
    xfree(message);
    t->state = XS_DRAINING;
    fail_continue(t);
}

void
transfer_fail_output(struct transfer *t, int code, bool said)
{
    struct sink *s = output_sink(t->out);
    int err = s != NULL ? sink_error(s) : 0;

    if (t->tty_refused) {
        transfer_fail(t, HAUL_EXIT_WRITE, "%s: binary output would mess up the terminal; save "
                      "it with -o FILE, or use -o - to send it to the terminal anyway",
                      t->display_url);
    } else if (code == HAUL_EXIT_PIPE) {
        t->env.stdout_broken(t->env.ctx);
        transfer_fail(t, HAUL_EXIT_PIPE, "output pipe closed");
    } else if (said) {
        t->said = true;
        transfer_fail(t, code, "%s: cannot write %s", t->display_url, output_part_path(t->out));
    } else if (code == HAUL_EXIT_DISKFULL) {
        char n[32];
        bool resumable = output_kind(t->out) == OUTPUT_PARTFILE && !t->cfg->whole_only;
        transfer_fail(t, code, "%s: %s after %s written%s", output_part_path(t->out),
                      strerror(err != 0 ? err : ENOSPC),
                      human_size((double)(s ? sink_written(s) : transfer_held(t)), n, sizeof n),
                      resumable ? "; run again with -c to continue once there is space" : "");
    } else {
        transfer_fail(t, code, "%s: %s", output_part_path(t->out), strerror(err != 0 ? err : EIO));
    }
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
    int rc = output_checkpoint_now(t->out, transfer_journal(t, &j));
    if ((rc == ENOSPC || rc == EDQUOT) && t->segs == NULL && t->have > 0) {
        uint64_t keep = t->have > (1 << 20) ? (t->have - (1 << 20)) & ~(uint64_t)0xffff : 0;
        if (s != NULL && sink_truncate(s, keep) == 0) {
            t->have = keep;
            rc = output_checkpoint_now(t->out, transfer_journal(t, &j));
        }
    }
    if (rc == 0)
        t->journal_have = transfer_held(t);
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
        uint64_t held = transfer_held(t);
        if (output_kind(t->out) == OUTPUT_PARTFILE && output_is_open(t->out) && held > 0 &&
            (held != t->journal_have || t->journal_dirty || t->segs != NULL)) {
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
    if (s != NULL && t->fail_code != HAUL_EXIT_PIPE && sink_error(s) == 0 && !sink_flush(s))
        return;    /* on_sink_flushed or on_sink_error come back here */
    job_done(t, t->fail_code, t->fail_message);
}

void
transfer_stop_draining(struct transfer *t)
{
    if (t->state == XS_DRAINING && t->fail_saved)
        job_done(t, t->fail_code, t->fail_message);
}
