/*
 * transfer_files.c - what a transfer does for the options that decide
 * whether and how a file is written: -N/--timestamping, -R/--remote-time,
 * --no-clobber, --create-dirs, -J/--content-disposition, --max-filesize
 * and --xattr.
 *
 * The rest of the transfer calls in at five points: before its output is
 * made (directories, an existing file to skip or to compare with), when a
 * request is made (-N's conditions), when an answer is judged (304, a
 * length over the limit, the name -J takes), for each body piece (the
 * limit of a body without a length) and just before the commit (the
 * file's time and attributes, set on FILE.part so that FILE appears with
 * them).
 */
#include "config.h"

#include <errno.h>
#include <inttypes.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>

#include "events.h"
#include "exitcodes.h"
#include "http.h"
#include "human.h"
#include "mem.h"
#include "msg.h"
#include "transfer_int.h"

/* A job that ends before it starts; `code` 0 is a success. */
static void
end_early(struct transfer *t, int code, const char *message)
{
    t->state = XS_DONE;
    if (message != NULL)
        msg_error("%s", message);
    stats_finish(t->stats, t->env.events, code, message, 0);
}

/* --no-clobber: an existing regular FILE is complete (haul renames a file
 * into place only whole), so it is left alone without asking. */
static bool
skip_existing(struct transfer *t, const char *path)
{
    struct stat st;
    if (stat(path, &st) != 0 || !S_ISREG(st.st_mode))
        return false;
    msg_note("%s: %s exists; skipped (--no-clobber)", t->display_url, path);
    t->stats->skipped = true;
    t->stats->output = xstrdup(path);
    events_skipped(t->env.events, t->stats->id, t->display_url, path, "exists");
    end_early(t, HAUL_EXIT_OK, NULL);
    return true;
}

bool
transfer_files_prepare(struct transfer *t, const char *path)
{
    const struct config *cfg = t->cfg;
    t->remote_mtime = -1;
    if (path == NULL || strcmp(path, "-") == 0)
        return true;
    if (cfg->create_dirs) {
        char *failed = NULL;
        int err = filemeta_make_dirs(path, &failed);
        if (err != 0) {
            char *m = xasprintf("%s: cannot create directory %s: %s", t->display_url, failed,
                                strerror(err));
            end_early(t, haul_exit_for_errno(err), m);
            xfree(m);
            xfree(failed);
            return false;
        }
    }
    if (cfg->no_clobber && cfg->stream == STREAM_OFF && skip_existing(t, path))
        return false;
    if (cfg->timestamping && cfg->stream == STREAM_OFF &&
        filemeta_stamp_read(path, &t->stamp)) {
        t->stamp_known = true;
        filemeta_http_date(t->stamp.mtime, t->stamp_date);
    }
    return true;
}

void
transfer_files_request(struct transfer *t, struct attempt_request *req)
{
    /* Only a request for the whole file: a resume continues a version. */
    if (!t->stamp_known || t->have > 0 || t->verify_pending || req->ask.ranged)
        return;
    req->if_modified_since = t->stamp_date;
    if (t->stamp.etag[0] != '\0')
        req->if_none_match = t->stamp.etag;
    t->fl.conditional = true;
}

/* -J: the name Content-Disposition gives, in the output's directory. */
static enum stop_reason
take_name(struct transfer *t, const struct head *h)
{
    const char *why = NULL;
    char *name = http_disposition_name(h->disposition, &why);
    const char *path = output_path(t->out);
    const char *slash = strrchr(path, '/');
    struct stat st;

    if (name == NULL) {
        msg_warn("%s: %s; keeping the name %s", t->display_url, why, path);
        return STOP_NONE;
    }
    t->cd_name = xstrdup_in(t->acct, name);
    xfree(name);
    if (strcmp(t->cd_name, slash != NULL ? slash + 1 : path) == 0)
        return STOP_NONE;
    output_rename_target(t->out, t->cd_name);
    path = output_path(t->out);
    xfree(t->stats->output);
    t->stats->output = xstrdup(path);
    if (lstat(path, &st) == 0)
        return STOP_NAME_EXISTS;
    msg_verbose("%s: saving as %s (Content-Disposition)", t->display_url, path);
    return STOP_NONE;
}

/* --max-filesize: the length the answer announces for the whole file. */
static enum stop_reason
check_length(struct transfer *t, const struct head *h)
{
    const struct response_got *g = &h->got;
    uint64_t max = t->cfg->max_filesize;
    bool known = g->has_range ? g->range.total_known : g->has_length && g->status == 200;
    uint64_t total = g->has_range ? g->range.total : g->length;
    return max > 0 && known && total > max ? STOP_TOO_BIG : STOP_NONE;
}

enum stop_reason
transfer_files_response(struct transfer *t, const struct head *h,
                        const struct response_decision *d)
{
    if (t->fl.conditional && h->got.status == 304)
        return STOP_NOT_MODIFIED;
    if (d->action != RESP_WRITE && d->action != RESP_RESTART && d->action != RESP_SKIP)
        return STOP_NONE;
    enum stop_reason r = check_length(t, h);
    if (r != STOP_NONE)
        return r;
    if (h->got.last_modified[0] != '\0')
        t->remote_mtime = http_date(h->got.last_modified);
    xfree(t->content_type);
    t->content_type = h->content_type[0] ? xstrdup_in(t->acct, h->content_type) : NULL;
    /* A name given with -o or in the input file stays. */
    if (t->cfg->content_disposition && t->job->output == NULL && t->cd_name == NULL &&
        h->disposition[0] != '\0' && output_kind(t->out) == OUTPUT_PARTFILE)
        return take_name(t, h);
    return STOP_NONE;
}

bool
transfer_files_body_fits(struct transfer *t, size_t len)
{
    uint64_t max = t->cfg->max_filesize;
    if (max == 0 || t->have + len <= max)
        return true;
    t->fl.stop = STOP_TOO_BIG;
    return false;
}

bool
transfer_files_stopped(struct transfer *t)
{
    char n[32];
    switch (t->fl.stop) {
    case STOP_NOT_MODIFIED:
        t->stats->not_modified = true;
        msg_note("%s: not modified; %s left as it is", t->display_url, output_path(t->out));
        events_not_modified(t->env.events, t->stats->id, t->display_url, output_path(t->out));
        transfer_end_untouched(t);
        return true;
    case STOP_TOO_BIG:
        /* Nothing of it is worth keeping: -c would pass the limit too. */
        if (output_is_open(t->out))
            output_discard(t->out);
        t->have = 0;
        transfer_fail(t, HAUL_EXIT_DISKFULL, "%s: larger than --max-filesize %s; not saved",
                      t->display_url,
                      human_size((double)t->cfg->max_filesize, n, sizeof n));
        return true;
    case STOP_NAME_EXISTS:
        if (t->cfg->no_clobber) {
            t->stats->skipped = true;
            msg_note("%s: %s exists; skipped (--no-clobber)", t->display_url,
                     output_path(t->out));
            events_skipped(t->env.events, t->stats->id, t->display_url, output_path(t->out),
                           "exists");
            transfer_end_untouched(t);
            return true;
        }
        transfer_fail(t, HAUL_EXIT_WRITE, "%s: %s exists; -J does not replace files",
                      t->display_url, output_path(t->out));
        return true;
    default:
        return false;
    }
}

void
transfer_files_commit(struct transfer *t)
{
    const struct config *cfg = t->cfg;
    int fd = output_fd(t->out);
    if (fd < 0 || !(cfg->remote_time || cfg->timestamping || cfg->xattr))
        return;
    struct filemeta_set m = {
        .mtime = cfg->remote_time ? t->remote_mtime : -1,
        .record_etag = cfg->timestamping,
        .etag = t->ver.etag,
        .origin_url = cfg->xattr ? (t->stats->final_url != NULL ? t->stats->final_url
                                                                : t->display_url)
                                 : NULL,
        .mime_type = cfg->xattr ? t->content_type : NULL,
    };
    filemeta_apply(fd, output_path(t->out), &m);
}

void
transfer_files_free(struct transfer *t)
{
    xfree(t->content_type);
    xfree(t->cd_name);
}
