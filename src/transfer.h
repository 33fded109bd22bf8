/*
 * transfer.h - one URL's download, from its first request to its last byte.
 *
 * A transfer owns everything about its download: its output, its resume
 * state (offset, validators, total), its retry state and, while a request
 * is in flight, its attempt.  transfer_new() creates it and transfer_free()
 * releases all of it; nothing else frees its fields.  The run (run.c)
 * decides when a transfer may start and calls the entry points below from
 * the loop.
 */
#ifndef HAUL_TRANSFER_H
#define HAUL_TRANSFER_H

#include <stdbool.h>
#include <stdint.h>

#include <curl/curl.h>

#include "options.h"
#include "stats.h"

struct run;
struct transfer;

/*
 * Creates a transfer for job.  Checks the URL and output; on a problem the
 * transfer is created already finished (its stats hold the code and
 * message), so the run reports it like any other failure.
 */
struct transfer *transfer_new(struct run *run, const struct config *cfg,
                              const struct job *job, struct xfer_stats *stats);
/* Starts the first attempt. */
void transfer_start(struct transfer *t);
/* An easy handle of some transfer's attempt finished (from
 * curl_multi_info_read); finds the transfer through CURLINFO_PRIVATE. */
void transfer_on_curl_done(CURL *easy, CURLcode result);
/*
 * Time passes: stall and --max-time checks, journal checkpoints, and a
 * waiting retry whose time has come.  Returns the loop time (ms) at which it
 * wants to be called again for a retry, or UINT64_MAX.
 */
uint64_t transfer_tick(struct transfer *t, uint64_t now_ms);
/* SIGINT/SIGTERM: stop now, keep what was received resumable. */
void transfer_interrupt(struct transfer *t, int exit_code);
/* The reader of stdout went away (seen by another transfer): stop. */
void transfer_cancel_stdout(struct transfer *t);

bool transfer_started(const struct transfer *t);
bool transfer_finished(const struct transfer *t);
bool transfer_to_stdout(const struct transfer *t);
const char *transfer_host_key(const struct transfer *t);
/* Bytes per second for --limit-rate-total sharing; 0 = no limit. */
void transfer_set_rate_limit(struct transfer *t, uint64_t bytes_per_s);
/* For the progress display. */
struct transfer_progress {
    const char *name;
    uint64_t have, total;
    uint64_t received;        /* body bytes from the network, all attempts */
    bool total_known;
    bool waiting;             /* between attempts */
    uint64_t retry_in_ms;
    uint32_t attempt;
    double rate;              /* bytes/s, recent */
};
void transfer_progress(const struct transfer *t, uint64_t now_ms, struct transfer_progress *p);

void transfer_free(struct transfer *t);

#endif
