/*
 * run.h - one invocation of haul: the loop, the libcurl multi handle, the
 * transfers, the scheduler that starts them, the signals, the reports.
 *
 * run_main() creates all of it, runs the loop until every transfer is done
 * (or a signal stops them) and tears it down again in the order described
 * in src/README.md ("Shutting down"), checking that uv_loop_close()
 * succeeds.  The transfers get the run as an environment (env.h); nothing
 * below the run calls into it.
 */
#ifndef HAUL_RUN_H
#define HAUL_RUN_H

#include "events.h"
#include "memstats.h"
#include "options.h"
#include "stats.h"

/*
 * Runs every job of cfg; returns haul's exit status.  `ms` (may be NULL)
 * takes memory samples while the loop runs; `ev` (may be NULL) receives
 * --events, borrowed.  *result is the caller's to release with
 * run_result_free().
 */
int run_main(const struct config *cfg, struct memstats *ms, struct events *ev,
             struct run_result *result);
void run_result_free(struct run_result *result);

#endif
