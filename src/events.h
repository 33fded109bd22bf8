/*
 * events.h - --events: newline-delimited JSON, one object per thing that
 * happens, for scripts.
 *
 * Every line has "event" (its type), "time" (RFC 3339 UTC with
 * milliseconds), "id" (the transfer, 1-based in URL order) and "url" (with
 * credentials removed).  The other fields per type are documented in the
 * man page (EVENTS).  Every function accepts a NULL `struct events *` and
 * then does nothing, so callers need not check whether --events is on.
 */
#ifndef HAUL_EVENTS_H
#define HAUL_EVENTS_H

#include <stdbool.h>
#include <stdint.h>

#include "response.h"

struct events;

/* spec: "-" (stderr), a decimal fd number, or a file path (truncated).
 * NULL with *err (errno) on failure.  Called before haul opens anything
 * else, so that "3" can only be a descriptor the caller gave. */
struct events *events_open(const char *spec, int *err);
void events_free(struct events *ev);

void events_start(struct events *ev, unsigned id, const char *url, const char *output,
                  uint64_t offset);
/*
 * "response": the final response's status and headers (got), what haul
 * does with it (action) and where its body goes (offset, for "write").
 * Its "total" is the resource's length as this answer gives it: the
 * Content-Range total of a 206 or 416, else the Content-Length.
 */
void events_response(struct events *ev, unsigned id, const char *url,
                     const struct response_got *got, const char *action, uint64_t offset);
void events_progress(struct events *ev, unsigned id, const char *url, uint64_t bytes,
                     bool total_known, uint64_t total, double rate);
void events_disconnect(struct events *ev, unsigned id, const char *url, const char *kind,
                       uint64_t offset, const char *message);
void events_retry(struct events *ev, unsigned id, const char *url, uint32_t attempt,
                  uint64_t delay_ms, const char *reason, uint64_t offset);
void events_resume(struct events *ev, unsigned id, const char *url, uint64_t offset,
                   const char *validated_by);
void events_gap(struct events *ev, unsigned id, const char *url, bool lost_known,
                uint64_t lost, const char *reason);
/* -N: a 304, the file is left as it is. */
void events_not_modified(struct events *ev, unsigned id, const char *url, const char *output);
/* --no-clobber: the output exists; no request is made. */
void events_skipped(struct events *ev, unsigned id, const char *url, const char *output,
                    const char *reason);
/* "source": with several sources, the one named was set aside ("aside")
 * or dropped for the file ("dropped"), for `reason`; `next` goes on from
 * `offset`. */
void events_source(struct events *ev, unsigned id, const char *url, const char *source,
                   const char *action, const char *reason, const char *next, uint64_t offset);
void events_done(struct events *ev, unsigned id, const char *url, const char *output,
                 uint64_t bytes, uint32_t attempts, const char *sha256);
void events_error(struct events *ev, unsigned id, const char *url, int exit_code,
                  const char *message);

#endif
