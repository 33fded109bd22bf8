/*
 * progress.h - the live progress display for people at a terminal.
 *
 * bar: at the bottom of the terminal, one line per active transfer (name,
 * bytes, percentage, rate, ETA, or a "retry in" countdown while waiting)
 * plus a total line when several run; redrawn at most 5 times a second, cut
 * to the terminal width, erased before any message and at exit.  A
 * finished transfer leaves one permanent line.
 * dots: no cursor movement, for logs: a dot per 1 MiB received (all
 * transfers together) and a figure every 50 dots.
 * Default: bar when stderr is a terminal and -q is not given, else none.
 */
#ifndef HAUL_PROGRESS_H
#define HAUL_PROGRESS_H

#include <stddef.h>
#include <stdint.h>

#include "options.h"
#include "stats.h"

struct progress;

/* NULL when there is no progress display. */
struct progress *progress_new(const struct config *cfg, size_t njobs);
/* Time passes: rows[0..n) are the jobs now (a job without transfer has an
 * all-zero row).  The display reads these snapshots, never a transfer. */
void progress_tick(struct progress *p, uint64_t now_ms, const struct xfer_snapshot *rows,
                   size_t n);
/* The jobs known so far (an input file is read as the run goes). */
void progress_set_jobs(struct progress *p, size_t njobs);
/* A transfer ended: leave its final line. */
void progress_finished(struct progress *p, const struct xfer_stats *s);
/* Erases the live lines (before a message, on a signal). */
void progress_clear(struct progress *p);
/* The run is over: erase, move to a clean line. */
void progress_end(struct progress *p);
void progress_free(struct progress *p);

#endif
