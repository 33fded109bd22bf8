/*
 * output.h - where one transfer's body ends up, and how it stays resumable.
 *
 * Three kinds of output:
 *  - stdout (the default, or -o -);
 *  - a file: written as FILE.part with its journal FILE.part.haul beside it
 *    and renamed over FILE only when complete, so a failed run never
 *    destroys an existing FILE and a later `haul -c` continues it (a small
 *    body that completes before the first journal save never has a
 *    FILE.part: see output_name_part());
 *  - a special file named with -o (a FIFO, /dev/null, a device), or any file
 *    in --stream mode: written in place (appended to, for --stream), no
 *    .part, no journal.
 *
 * The output owns its paths, the sink once opened, the journal on disk
 * and the in-flight journal save.  It is opened lazily, when the first
 * response is accepted, so an HTTP error leaves no file behind.
 *
 * haul writes only files that are its own: FILE.part is created with
 * O_EXCL, or reopened with O_NOFOLLOW and checked on its descriptor to be a
 * regular file of one link; its journal is written through a temporary
 * file created the same way.  A FILE.part that haul cannot prove is its own
 * (a journal for this URL) is only touched with -c.
 */
#ifndef HAUL_OUTPUT_H
#define HAUL_OUTPUT_H

#include <stdbool.h>
#include <stdint.h>

#include <uv.h>

#include "dirlist.h"
#include "journal.h"
#include "sink.h"

enum output_kind { OUTPUT_STDOUT, OUTPUT_PARTFILE, OUTPUT_INPLACE };

struct output;

/* What -c found on disk before the first request. */
struct output_resume {
    enum {
        RESUME_NONE,      /* start from byte 0 */
        RESUME_JOURNAL,   /* continue at journal.seg[..].next, validated by If-Range */
        RESUME_VERIFY,    /* a partial file without journal: compare an overlap first */
    } how;
    struct journal journal;   /* RESUME_JOURNAL: owned, journal_clear() it */
    uint64_t size;            /* RESUME_VERIFY: bytes in the partial file */
};

/*
 * path NULL or "-": stdout.  `append`: --stream mode (in place, appending).
 * `dirs`: the run's listings of output directories (dirlist.h), by which
 * FILE and FILE.part may be known absent without a lookup; NULL (as for
 * -c) looks every name up.  Nothing is opened yet.  Returns NULL with a
 * message printed and *code set when the path can't be used at all (a
 * directory, ...).
 */
struct output *output_new(uv_loop_t *loop, struct mem_account *acct, const char *path,
                          bool append, size_t buffer, const struct sink_callbacks *cb,
                          void *cb_ctx, struct dirlist *dirs, int *code);
enum output_kind output_kind(const struct output *o);
const char *output_path(const struct output *o);     /* "-" for stdout */
const char *output_part_path(const struct output *o);  /* file being written */

/*
 * Before the first request: false, with output_problem() set and *code
 * the exit code, when FILE.part is a symbolic link, not a regular file or
 * has other hard links, or so is its journal or the journal's temporary
 * file (looked at only with -c, `cont`, or when FILE.part exists: a fresh
 * download never reads them); when another haul process is writing
 * FILE.part; or, without -c, when FILE.part exists and its journal is not
 * one for `url` (redacted).
 */
bool output_check(struct output *o, const char *url, bool cont, int *code);
/* Why the output was refused (output_check, output_open), or NULL. */
const char *output_problem(const struct output *o);

/*
 * -c, after output_check() with `cont`: looks at FILE.part, its journal
 * and FILE, except what output_check() found missing.  Fills *r.  `url`
 * (redacted) must match the journal's for the journal to be used.  Each
 * segment's offset (r->journal.seg[].next) is where to continue: the bytes
 * written, when the journal is from this boot, else those synced.
 */
void output_find_resume(struct output *o, const char *url, struct output_resume *r);
/* Reads the `len` bytes before `end` of the partial file found by
 * output_find_resume (RESUME_VERIFY), or else of FILE.part as written so
 * far (flushed first), into buf.  Returns 0 or an errno. */
int output_read_tail(struct output *o, uint64_t end, char *buf, size_t len);
/* Verified: a foreign FILE becomes FILE.part (rename), kept up to `size`. */
int output_adopt_partial(struct output *o);

/*
 * Opens the output for writing at byte `at`, creating the sink.  A file is
 * cut to `keep` bytes first: what lies past the bytes known good is not
 * kept (`keep` is `at` for one connection, the total for -x, whose parts
 * lie beyond `at`).  A FILE.part without a journal on disk (just created,
 * or started over) gets `j` as its first one when `j` names bytes held or
 * several parts; otherwise the first output_checkpoint() saves it.  When
 * `j` gives a total over 1 MiB, its space is reserved first (ENOSPC and
 * EDQUOT fail here; a FILE.part created for it is removed).  Returns 0 or
 * an errno; *code is set to the exit code to use on failure,
 * output_problem() to the reason when haul refused the file.
 */
int output_open(struct output *o, uint64_t at, uint64_t keep, const struct journal *j,
                int *code);
bool output_is_open(const struct output *o);
struct sink *output_sink(struct output *o);
/* Starts over: drops the journal (and any save of it in flight) and cuts
 * the file to 0.  0 or an errno. */
int output_restart(struct output *o);

/* Saves the journal in the thread pool (if none is being saved already). */
void output_checkpoint(struct output *o, const struct journal *j);
/* Saves it now, blocking (shutdown, signals, errors).  0 or an errno. */
int output_checkpoint_now(struct output *o, const struct journal *j);
bool output_checkpoint_busy(const struct output *o);
/*
 * Between saves: records in the journal on disk, in place and without a
 * sync, that the bytes up to j->seg[].written are written.  Cheap (a
 * pwrite of 20 bytes per segment that moved); does nothing when the
 * journal's layout differs (a save is due).
 */
void output_note_written(struct output *o, const struct journal *j);
/* How long the last journal save took, sync included (ms). */
uint64_t output_last_save_ms(const struct output *o);
/* Called when the in-flight save ends (for a transfer waiting to finish). */
void output_on_checkpoint_idle(struct output *o, void (*cb)(void *), void *ctx);

/*
 * A fresh body of known length up to 1 MiB is written to a file with no
 * name (O_TMPFILE) and linked as FILE when whole, with no FILE.part in
 * between.  output_name_part() names it FILE.part (locked, as usual),
 * copying the bytes when the file system refuses the link: the output
 * does so itself before a journal save and when freed with bytes in it,
 * the caller on the first scheduler tick after bytes arrive, before it
 * reads the file back by its name, and before it says the bytes are kept.
 * 0, or an errno (with output_problem() set when a FILE.part appeared
 * meanwhile: another haul's).
 */
int output_name_part(struct output *o);
bool output_unnamed(const struct output *o);

/* Completes a file: closes it, renames FILE.part over FILE (keeping an
 * existing FILE's permission bits), removes the journal; an unnamed one is
 * linked as FILE, or named FILE.part first when something is at FILE.  0
 * or an errno (with *code). */
int output_commit(struct output *o, int *code);
/* The descriptor of FILE.part while it is open, else -1 (borrowed: for
 * its time and attributes before the commit). */
int output_fd(const struct output *o);
/* -J: the commit renames FILE.part to `name` in FILE's directory instead,
 * and fails with EEXIST rather than replace a file of that name. */
void output_rename_target(struct output *o, const char *name);
/* Removes FILE.part and its journal (nothing was written worth keeping). */
void output_discard(struct output *o);
/* Closes the sink; files and journal stay as they are. */
void output_free(struct output *o);

#endif
