/*
 * summary.h - --summary: one JSON document at exit describing every
 * transfer and the totals (fields in the man page, SUMMARY).
 *
 * The records are made as the jobs end, not kept until exit: each is
 * written to an unlinked temporary file (in $TMPDIR, else /tmp) as one
 * line, in job order (a record that ends before an earlier job waits, up
 * to SUMMARY_HOLD of them; past that the waiting ones go out in the order
 * of their ids, and a late one follows).  At exit the document is written
 * to its place, so a run of any length holds a bounded number of records
 * in memory, and a run killed outright leaves no half document.
 */
#ifndef HAUL_SUMMARY_H
#define HAUL_SUMMARY_H

#include "options.h"
#include "stats.h"

#define SUMMARY_SCHEMA 1
#define SUMMARY_HOLD 1024

struct summary;

/* NULL when --summary is not given. */
struct summary *summary_new(const struct config *cfg);
/* A job is over: its record (s->id counts from 1, every id comes once). */
void summary_add(struct summary *sum, const struct xfer_stats *s);
/* Writes the document to cfg->summary ("-" = stdout) and frees sum.
 * 0, HAUL_EXIT_WRITE or HAUL_EXIT_INTERNAL, after a message. */
int summary_finish(struct summary *sum, int exit_code, double duration_s);

#endif
