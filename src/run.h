/*
 * run.h - one invocation of haul: the loop, the libcurl multi handle, the
 * transfers, the scheduler that starts them, the signals, the reports.
 *
 * run_main() creates all of it, runs the loop until every transfer is done
 * (or a signal stops them) and tears it down again in the order
 * DESIGN-NOTES §7 gives, checking that uv_loop_close() succeeds.
 */
#ifndef HAUL_RUN_H
#define HAUL_RUN_H

#include <stdint.h>

#include <uv.h>

#include "curluv.h"
#include "options.h"

struct run;
struct transfer;
struct events;
struct memstats;
struct xfer_stats;

/* What is left of a run for the reports: one record per job. */
struct run_result {
    struct xfer_stats *stats;
    size_t n;
    int signal_code;
};

/*
 * Runs every job of cfg; returns haul's exit status.  `ms` (may be NULL)
 * takes memory samples while the loop runs; `ev` (may be NULL) receives
 * --events, borrowed.  *result is the caller's to release with
 * run_result_free().
 */
int run_main(const struct config *cfg, struct memstats *ms, struct events *ev,
             struct run_result *result);
void run_result_free(struct run_result *result);

/* For transfers. */
uv_loop_t *run_loop(struct run *r);
struct curluv *run_curluv(struct run *r);
struct events *run_events(struct run *r);
uint64_t run_now_ms(struct run *r);
/* Something changed (a transfer finished, a retry is due): reschedule. */
void run_poke(struct run *r);
/* The stdout reader went away: cancel every other transfer to stdout. */
void run_stdout_broken(struct run *r);
/* A random number in [0, 1) for backoff jitter. */
double run_random01(struct run *r);

#endif
