/*
 * segments.h - -x/--segments: one file over several connections.
 *
 * The transfer's own attempts fetch the first part, [0, first_end); each
 * other part has its own attempts, retry state and resume offset, is
 * written with pwrite at its place in FILE.part and is recorded in the
 * journal, so `-c` after kill -9 resumes every part where it stood.  Each
 * part's request carries Range "A-B" and the same If-Range as the
 * transfer's, and its answer must be a 206 starting at exactly A, for the
 * same version and total (response_decide).  A server that answers a part
 * with the whole resource (it ignores ranges) makes the transfer fall back
 * to one connection; one that answers with another version makes it start
 * over.  Nothing a part fetched is trusted past that point.
 *
 * With several sources (--mirror), the parts are spread over them: part k
 * is fetched from the k-th source not dropped, counting from the one the
 * first answer came from, round robin.  A part on a source other than the
 * one whose validators are held sends no If-Range; before that source's
 * first byte is written it must serve the file's first 64 KiB (already
 * held from the transfer's own part) equal, and a part that resumes on it
 * first compares the 64 KiB (at most) of its own before the resume point.
 * A part whose source fails is moved to the next source, and a source
 * whose bytes or length differ is dropped for every part; the retry
 * policy says which (retry.c), as for the transfer's own attempts.
 *
 * The segments are owned by their transfer, which creates them
 * (segments_split, segments_restore) and frees them (segments_free).  They
 * tell it what the transfer must decide through a table of callbacks
 * (struct segments_ops) with its pointer; they never see its insides.
 */
#ifndef HAUL_SEGMENTS_H
#define HAUL_SEGMENTS_H

#include <stdbool.h>
#include <stdint.h>

#include "attempt.h"
#include "env.h"
#include "journal.h"
#include "options.h"
#include "output.h"
#include "ratelimit.h"
#include "retry.h"
#include "sources.h"
#include "stats.h"

struct segments;

struct segments_ops {
    /* A part is complete. */
    void (*on_part_done)(void *owner);
    /*
     * A part's verdict that concerns the whole transfer: RETRY_START_OVER,
     * RETRY_FALLBACK or RETRY_FAIL (its disconnect is reported already).
     * The owner may free the segments from here: their memory goes when
     * the segments' own call returns.
     */
    void (*on_verdict)(void *owner, struct retry_verdict *v);
    /* Writing a part failed: sink_error() of the output's sink says why. */
    void (*on_output_error)(void *owner);
    /* A part wrote bytes: the owner may note in its journal how far the
     * file is written.  Called from inside libcurl's write callback, so it
     * must not end attempts or free the segments. */
    void (*on_written)(void *owner);
};

/* What the parts share with their transfer.  Every pointer is borrowed
 * and outlives the segments. */
struct segments_setup {
    const struct transfer_env *env;
    const struct config *cfg;
    struct xfer_stats *stats;      /* counts, and the account the parts' own hang from */
    const char *name;              /* the URL as shown */
    struct output *out;            /* FILE.part: each part is written at its place */
    struct rate_limit *rate;       /* --limit-rate, shared with the transfer */
    const struct retry_config *retry;  /* --retry and the rest, and --max-time */
    const struct segments_ops *ops;
    void *owner;                   /* the ops' argument */
    struct sources *src;           /* the transfer's sources: the parts are
                                    * spread over them when there are several */
};

/* What the parts need of the transfer at each tick. */
struct segments_view {
    /* The request every part starts from (URL, credentials, the validators
     * held and the total): what a part does not set itself. */
    const struct attempt_request *base;
    int ver_source;        /* the source base's validators belong to, or -1 */
    uint64_t prefix;       /* bytes [0, prefix) are held (the transfer's own part) */
};

/*
 * Splits a resource of `total` bytes into up to cfg->segments parts of
 * 1 MiB at least.  NULL when it is too small for two; else *first_end is
 * where the transfer's own first part ends.  With several sources the
 * transfer's own part is on the current one, and the others follow it.
 */
struct segments *segments_split(const struct segments_setup *setup, uint64_t total,
                                uint64_t *first_end);
/* The parts a journal names (they must tile [0, total) in order); NULL
 * when it names fewer than two.  Each part goes on at the source the
 * journal names for it (the current one when it names none). */
struct segments *segments_restore(const struct segments_setup *setup, const struct journal *j,
                                  uint64_t *first_end);
/* Adds the parts to a journal whose first entry is the transfer's own. */
void segments_journal(const struct segments *s, struct journal *j);
/* Bytes the parts hold. */
uint64_t segments_bytes(const struct segments *s);
bool segments_all_done(const struct segments *s);
/* Whether parts wrote bytes since the last segments_saved(). */
bool segments_dirty(const struct segments *s);
void segments_saved(struct segments *s);
/*
 * Time passes: starts the parts that are due, once the output is open,
 * and ends stalled ones.  Returns the loop time it wants to be called
 * again, or UINT64_MAX.
 */
uint64_t segments_tick(struct segments *s, uint64_t now_ms, const struct segments_view *view);
/* Lets the parts paused by --limit-rate go on when the bucket has tokens;
 * true when one was (the caller then kicks the curl glue). */
bool segments_rate_resume(struct segments *s, uint64_t now_ms);
/* Ends every part's attempt and starts none again; the parts and their
 * offsets stay, for the journal. */
void segments_cancel(struct segments *s);
/* Ends them and frees the parts.  NULL is fine. */
void segments_free(struct segments *s);

#endif
