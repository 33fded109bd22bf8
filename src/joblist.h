/*
 * joblist.h - the jobs of a run, handed out one at a time: first the
 * command line's URLs, then the lines of --input-file as they are read.
 *
 * The list is read as the run goes, never whole: a regular file (or
 * /dev/null) a chunk at a time when the run asks for more jobs, a pipe, a
 * socket or a terminal through a libuv poll watcher, so that a line from a
 * slow producer starts its transfer when it arrives and haul never blocks
 * on it.  What is held is one read chunk and the line being read, so a list
 * of any length costs the same memory.  --shard K/N drops the URLs of the
 * other shards here (inputline.h says which are whose).
 *
 * The run owns it: joblist_new() and joblist_free(); the poll watcher is
 * closed by joblist_free() and freed in its close callback, so the loop
 * must run once more after it.
 */
#ifndef HAUL_JOBLIST_H
#define HAUL_JOBLIST_H

#include <stdbool.h>
#include <stddef.h>

#include <uv.h>

#include "options.h"

struct joblist;

enum joblist_got {
    JOBLIST_JOB,     /* *job is filled in; its strings are the caller's */
    JOBLIST_WAIT,    /* nothing yet: wake(ctx) is called when a line may be there */
    JOBLIST_END,     /* no more jobs, ever */
};

struct joblist *joblist_new(const struct config *cfg, uv_loop_t *loop, void (*wake)(void *ctx),
                            void *ctx);
enum joblist_got joblist_next(struct joblist *l, struct job *job);
/* No more jobs are wanted (a signal): stop reading. */
void joblist_stop(struct joblist *l);
/* 0, or the exit code of a list that could not be read or held no URL
 * (its message is printed when that is found). */
int joblist_status(const struct joblist *l);
void joblist_free(struct joblist *l);

#endif
