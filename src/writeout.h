/*
 * writeout.h - the -w/--write-out format: curl's %{variable} names for
 * what scripts read after a transfer, filled in from its record (struct
 * xfer_stats).
 *
 * Pure: writeout_format() hands its pieces to a callback, saying which
 * stream each goes to (%{stdout}, %{stderr} switch, as in curl); the
 * caller writes them.  Unit-tested in tests/unit/test_writeout.c.
 *
 * The format: %{NAME} is a variable, %% a '%', \n \r \t and \\ the
 * characters they name; anything else is copied.  The variables:
 * http_code, response_code, size_download, url_effective, url, time_total,
 * filename_effective, exitcode, errormsg, num_retries, json (all of them
 * as one JSON object), stdout, stderr.
 */
#ifndef HAUL_WRITEOUT_H
#define HAUL_WRITEOUT_H

#include <stddef.h>

#include "stats.h"

/* A piece of the text and where it goes: fd 1 (stdout) or 2 (stderr). */
typedef void writeout_put_fn(void *ctx, int fd, const char *s, size_t len);

/* NULL when every %{NAME} of fmt is known, else a message naming the
 * first unknown one (a static buffer). */
const char *writeout_check(const char *fmt);

/* Formats fmt for the job s, giving each piece to put (never an empty
 * one).  Starts on stdout. */
void writeout_format(const char *fmt, const struct xfer_stats *s, writeout_put_fn *put,
                     void *ctx);

#endif
