/*
 * memstats.h - --memstats: the report of where memory went.
 *
 * The counting itself is in mem.c.  This module takes samples while the
 * loop runs (--memstats-interval) and, at exit, after every library has
 * been cleaned up, prints the table on stderr or writes the JSON document
 * (--memstats=FILE, schema documented in the man page, MEMSTATS).
 *
 * The report's own bookkeeping (this struct, its samples, the figures it
 * copies) is allocated with plain malloc, outside the counters: it must
 * outlive everything it reports on, and is not haul's working memory.
 */
#ifndef HAUL_MEMSTATS_H
#define HAUL_MEMSTATS_H

#include <stdint.h>

#include <uv.h>

#include "options.h"
#include "stats.h"

#define MEMSTATS_SCHEMA 1

struct memstats;

/* NULL when --memstats is off. */
struct memstats *memstats_new(const struct config *cfg);
/* The loop starts: time 0 for samples. */
void memstats_start(struct memstats *ms, uv_loop_t *loop);
/* Takes a sample when an interval has passed. */
void memstats_tick(struct memstats *ms, uint64_t now_ms);
/*
 * Copies one ended job's figures out of its record, so that the record
 * (and the configuration) can be freed before the counters are read.  The
 * run calls it as each job ends: a row per job, for the report.
 */
void memstats_add(struct memstats *ms, const struct xfer_stats *s);
/*
 * Reads the counters now (call after every library's cleanup and after
 * haul freed everything it had) and reports them with the figures
 * collected.  Returns 0, or HAUL_EXIT_WRITE when the JSON file can't be
 * written.
 */
int memstats_report(struct memstats *ms);
void memstats_free(struct memstats *ms);

#endif
