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
#include "summary.h"

/*
 * Runs every job of cfg (the command line's, then --input-file's as it is
 * read); returns haul's exit status.  `ms` (may be NULL) takes memory
 * samples while the loop runs and a row per ended job; `ev` (may be NULL)
 * receives --events, `sum` (may be NULL) each ended job's --summary
 * record; all three borrowed.
 */
int run_main(const struct config *cfg, struct memstats *ms, struct events *ev,
             struct summary *sum, struct run_result *result);

#endif
