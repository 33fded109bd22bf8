/*
 * transfer.h - one URL's download, from its first request to its last byte.
 *
 * A transfer owns everything about its download: its output, its resume
 * state (offset, validators, total), its retry state, its parts (-x) and,
 * while a request is in flight, its attempt.  transfer_new() creates it
 * and transfer_free() releases all of it; nothing else frees its fields.
 * The run (run.c) decides when a transfer may start and calls the entry
 * points below from the loop; the transfer reaches the run only through
 * the environment it is given (env.h).
 */
#ifndef HAUL_TRANSFER_H
#define HAUL_TRANSFER_H

#include <stdbool.h>
#include <stdint.h>

#include "env.h"
#include "options.h"
#include "stats.h"

struct transfer;

/*
 * Creates a transfer for job.  Checks the URL and output; on a problem the
 * transfer is created already finished (its stats hold the code and
 * message, and --events has its "error" line), so the run reports it like
 * any other failure.  env is copied; cfg, job and stats are borrowed.
 */
struct transfer *transfer_new(const struct transfer_env *env, const struct config *cfg,
                              const struct job *job, struct xfer_stats *stats);
/* Starts the first attempt. */
void transfer_start(struct transfer *t);
/*
 * Time passes: stall and --max-time checks, journal checkpoints, a retry
 * whose time has come, parts to start, --limit-rate pacing.  Returns the
 * loop time (ms) at which it wants to be called again, or UINT64_MAX.
 */
uint64_t transfer_tick(struct transfer *t, uint64_t now_ms);
/* SIGINT/SIGTERM: stop now, keep what was received resumable. */
void transfer_interrupt(struct transfer *t, int exit_code);
/* The reader of stdout went away (seen by some transfer): stop, if this
 * one writes there. */
void transfer_cancel_stdout(struct transfer *t);

bool transfer_started(const struct transfer *t);
bool transfer_finished(const struct transfer *t);
bool transfer_to_stdout(const struct transfer *t);
/* Bytes per second for --limit-rate-total sharing; 0 = no limit. */
void transfer_set_rate_limit(struct transfer *t, uint64_t bytes_per_s);
/* Its figures now, for the progress display. */
void transfer_snapshot(const struct transfer *t, uint64_t now_ms, struct xfer_snapshot *p);

void transfer_free(struct transfer *t);

#endif
