/*
 * summary.h - --summary: one JSON document at exit describing every
 * transfer and the totals (fields in the man page, SUMMARY).
 */
#ifndef HAUL_SUMMARY_H
#define HAUL_SUMMARY_H

#include "options.h"
#include "stats.h"

#define SUMMARY_SCHEMA 1

/* Writes the summary to cfg->summary ("-" = stdout).  0 or HAUL_EXIT_WRITE. */
int summary_write(const struct config *cfg, const struct run_result *res, int exit_code,
                  double duration_s);

#endif
