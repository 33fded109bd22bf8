/*
 * stats.c - the end of a job's record; see stats.h.
 */
#include "config.h"

#include "exitcodes.h"
#include "stats.h"

void
stats_finish(struct xfer_stats *s, struct events *ev, int exit_code, const char *message,
             uint64_t end_ms)
{
    s->finished = true;
    s->exit_code = exit_code;
    if (message != NULL) {
        xfree(s->message);
        s->message = xstrdup(message);
    }
    s->end_ms = end_ms;
    if (exit_code == HAUL_EXIT_OK)
        events_done(ev, s->id, s->url, s->output, s->bytes_written, s->attempts, s->sha256);
    else
        events_error(ev, s->id, s->url, exit_code, s->message != NULL ? s->message : "");
}
