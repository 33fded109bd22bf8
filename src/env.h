/*
 * env.h - what a transfer is given by the run it belongs to.
 *
 * The run is passed in, never called by name: transfer.c and segments.c
 * do not include run.h.  A transfer gets, at creation, the loop and the
 * curl glue it runs on, where --events go, and the few callbacks by which
 * it tells the run something.  None of them calls back into the transfer:
 * the run acts on them at its next tick, so no transfer is ever re-entered
 * from the middle of its own code.
 */
#ifndef HAUL_ENV_H
#define HAUL_ENV_H

#include <uv.h>

#include "curluv.h"
#include "dirlist.h"
#include "events.h"

struct transfer_env {
    uv_loop_t *loop;
    struct curluv *cu;
    struct events *events;            /* --events, or NULL */
    struct dirlist *dirs;             /* listings of output directories */
    void *ctx;                        /* the run, for the callbacks */
    /* Something changed (a transfer finished, a retry is due, a slot is
     * free): run the scheduler soon. */
    void (*wake)(void *ctx);
    /* The reader of stdout went away: the other transfers to stdout are
     * stopped at the run's next tick. */
    void (*stdout_broken)(void *ctx);
    /* A number in [0, 1), for the jitter of retry delays. */
    double (*random01)(void *ctx);
};

#endif
