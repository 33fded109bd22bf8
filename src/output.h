/*
 * output.h - where one transfer's body ends up, and how it stays resumable.
 *
 * Three kinds of output:
 *  - stdout (the default, or -o -);
 *  - a file: written as FILE.part with its journal FILE.part.haul beside it
 *    and renamed over FILE only when complete, so a failed run never
 *    destroys an existing FILE and a later `haul -c` continues it;
 *  - a special file named with -o (a FIFO, /dev/null, a device), or any file
 *    in --stream mode: written in place (appended to, for --stream), no
 *    .part, no journal.
 *
 * The output owns its paths, the sink once opened, and the in-flight journal
 * save.  It is opened lazily, when the first response is accepted, so an
 * HTTP error leaves no file behind.
 */
#ifndef HAUL_OUTPUT_H
#define HAUL_OUTPUT_H

#include <stdbool.h>
#include <stdint.h>

#include <uv.h>

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
 * Nothing is opened yet.  Returns NULL with a message printed and *code set
 * when the path can't be used at all (a directory, ...).
 */
struct output *output_new(uv_loop_t *loop, struct mem_account *acct, const char *path,
                          bool append, size_t buffer, const struct sink_callbacks *cb,
                          void *cb_ctx, int *code);
enum output_kind output_kind(const struct output *o);
const char *output_path(const struct output *o);     /* "-" for stdout */
const char *output_part_path(const struct output *o);  /* file being written */

/*
 * -c: looks at FILE.part, its journal and FILE.  Fills *r.  `url` (redacted)
 * must match the journal's for the journal to be used.
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
 * lie beyond `at`).  Returns 0 or an errno; *code is set to the exit code
 * to use on failure.
 */
int output_open(struct output *o, uint64_t at, uint64_t keep, int *code);
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
/* How long the last journal save took, sync included (ms). */
uint64_t output_last_save_ms(const struct output *o);
/* Called when the in-flight save ends (for a transfer waiting to finish). */
void output_on_checkpoint_idle(struct output *o, void (*cb)(void *), void *ctx);

/* Completes a file: closes it, renames FILE.part over FILE, removes the
 * journal.  0 or an errno (with *code). */
int output_commit(struct output *o, int *code);
/* Removes FILE.part and its journal (nothing was written worth keeping). */
void output_discard(struct output *o);
/* Closes the sink; files and journal stay as they are. */
void output_free(struct output *o);

#endif
