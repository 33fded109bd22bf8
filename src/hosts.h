/*
 * hosts.h - the per-host counts of the scheduler: for each host (scheme,
 * name and port) that a held job is for, how many jobs are held and how
 * many run, against --parallel-host.
 *
 * An entry lives while a held job is for its host: the last release frees
 * it and its id is used again, so the table holds at most as many hosts
 * as the run holds jobs, however many hosts a list names in all.  Ids are
 * stable while held.  Pure: no I/O; unit-tested in tests/unit/test_hosts.c.
 */
#ifndef HAUL_HOSTS_H
#define HAUL_HOSTS_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

struct host_entry;

struct hosts {
    struct host_entry *e;     /* [cap]: in use when key != NULL */
    size_t cap;
    size_t used;              /* entries in use */
    uint32_t free_head;       /* id + 1 of a free entry, 0: none */
    uint32_t *index;          /* [icap]: id + 1 by key hash, 0: empty */
    size_t icap;
    size_t full;              /* entries running `limit` jobs or more */
    unsigned limit;           /* --parallel-host */
};

void hosts_init(struct hosts *h, unsigned limit);
void hosts_free(struct hosts *h);

/* One more held job for the host `key`: its id (the same for every job of
 * the host while any is held). */
uint32_t hosts_hold(struct hosts *h, const char *key);

/* A held job of host `id` is forgotten; the last one frees the entry (no
 * job of it may be running). */
void hosts_release(struct hosts *h, uint32_t id);

/* A job of host `id` starts (+1) or ends (-1). */
void hosts_run(struct hosts *h, uint32_t id, int delta);

/* Whether host `id` runs fewer than `limit` jobs. */
bool hosts_room(const struct hosts *h, uint32_t id);

/* Whether every host with a held job runs `limit` jobs. */
bool hosts_all_full(const struct hosts *h);

/* Entries in use; and the table's size in entries (for tests). */
size_t hosts_count(const struct hosts *h);
size_t hosts_capacity(const struct hosts *h);

#endif
