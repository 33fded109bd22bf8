/*
 * stats.h - what is known about one transfer, kept until its job is over.
 *
 * A struct transfer is freed as soon as it is done (1,000 URLs must not
 * hold 1,000 transfers); what the reports need outlives it here, until the
 * run has handed the record to --summary, --memstats and the exit status.
 * The run owns these records, only those of the jobs it holds.  The two memory accounts live here too, because the
 * point of them is to be read after the transfer and its attempts are gone.
 * Also here: the live figures of a transfer the progress display reads
 * (a snapshot, so that it never sees a transfer), and what is left of a
 * whole run for the reports.
 */
#ifndef HAUL_STATS_H
#define HAUL_STATS_H

#include <stdbool.h>
#include <stdint.h>

#include "classify.h"
#include "events.h"
#include "mem.h"

struct xfer_stats {
    unsigned id;               /* 1-based, in job order */
    unsigned line;             /* --input-file line, 0 for the command line */
    char *url;                 /* redacted */
    char *final_url;           /* redacted, NULL if none */
    char *output;              /* path, or "-" for stdout */
    int http_status;
    uint64_t bytes_received;   /* body bytes from the network, all attempts */
    uint64_t bytes_written;    /* body bytes given to the output */
    uint64_t total;            /* resource length, when known */
    bool total_known;
    uint32_t attempts;
    uint32_t resumes;          /* attempts that continued from a byte > 0 */
    uint32_t restarts;         /* the output started over from byte 0 */
    uint32_t gaps;             /* --stream reconnects that lost bytes */
    uint32_t disconnects[DISC_KINDS];
    uint64_t start_ms, end_ms; /* loop time */
    size_t sink_peak;          /* most bytes waiting in the sink */
    int exit_code;
    char *message;             /* NULL on success */
    char sha256[65];           /* hex, "" unless --sha256 */
    bool finished;
    bool not_modified;         /* -N: the server's copy is the file's: untouched */
    bool skipped;              /* --no-clobber: the file exists, nothing asked */

    /* haul's own allocations for this transfer (and, inside, the attempt). */
    struct mem_account acct;
    struct mem_account attempt_acct;
    int64_t attempt_live_max;     /* most bytes left live after an attempt's teardown */
    uint32_t attempts_leaking;    /* attempts that left bytes live */
    int64_t live_after_teardown;  /* after the transfer was freed */
};

/*
 * The job is over: records its exit code, its message (NULL on success)
 * and when it ended (loop time; 0 for a job that never started), and
 * writes its last --events line, "done" or "error".  Every job, started
 * or not, successful or not, ends through here, once.
 */
void stats_finish(struct xfer_stats *s, struct events *ev, int exit_code, const char *message,
                  uint64_t end_ms);

/* A transfer as the progress display sees it, at one moment. */
struct xfer_snapshot {
    bool started, finished;
    const char *name;         /* borrowed until the transfer is freed */
    uint64_t have, total;
    uint64_t received;        /* body bytes from the network, all attempts */
    bool total_known;
    bool waiting;             /* between attempts */
    uint64_t retry_in_ms;
    uint32_t attempt;
    double rate;              /* bytes/s, recent */
};

/* What is left of a run for the reports (the records themselves went to
 * --summary and --memstats as each job ended). */
struct run_result {
    size_t n;                  /* jobs run */
    int signal_code;
};

#endif
