/*
 * hosts.c - the scheduler's per-host counts; see hosts.h.
 *
 * The entries sit in an array whose free slots form a list through
 * next_free; a hash index (open addressing, linear probing, at most half
 * full) finds an entry by key.  A freed entry leaves the index by
 * backward-shift deletion, so no tombstones build up over a list of
 * millions of hosts and a lookup never walks past empty buckets.
 */
#include "config.h"

#include <string.h>

#include "hosts.h"
#include "mem.h"

struct host_entry {
    char *key;           /* NULL: free */
    uint32_t hash;
    uint32_t next_free;  /* id + 1 of the next free entry, 0: none */
    unsigned held;       /* jobs held for this host */
    unsigned running;    /* ... of which started */
};

static uint32_t
key_hash(const char *k)
{
    uint32_t h = 2166136261u;
    for (; *k; k++)
        h = (h ^ (unsigned char)*k) * 16777619u;
    return h;
}

void
hosts_init(struct hosts *h, unsigned limit)
{
    memset(h, 0, sizeof *h);
    h->limit = limit;
}

void
hosts_free(struct hosts *h)
{
    for (size_t i = 0; i < h->cap; i++)
        xfree(h->e[i].key);
    xfree(h->e);
    xfree(h->index);
    memset(h, 0, sizeof *h);
}

static void
index_grow(struct hosts *h)
{
    size_t cap = h->icap != 0 ? h->icap * 2 : 64;
    uint32_t *ix = xcalloc(cap, sizeof *ix);
    for (size_t i = 0; i < h->cap; i++) {
        if (h->e[i].key == NULL)
            continue;
        size_t b = h->e[i].hash & (cap - 1);
        while (ix[b] != 0)
            b = (b + 1) & (cap - 1);
        ix[b] = (uint32_t)i + 1;
    }
    xfree(h->index);
    h->index = ix;
    h->icap = cap;
}

/* A free entry's id, the array grown (doubled) when none is left. */
static uint32_t
take_entry(struct hosts *h)
{
    if (h->free_head == 0) {
        size_t cap = h->cap != 0 ? h->cap * 2 : 16;
        h->e = xrealloc(h->e, cap * sizeof *h->e);
        memset(h->e + h->cap, 0, (cap - h->cap) * sizeof *h->e);
        for (size_t i = cap; i > h->cap; i--) {
            h->e[i - 1].next_free = h->free_head;
            h->free_head = (uint32_t)i;
        }
        h->cap = cap;
    }
    uint32_t id = h->free_head - 1;
    h->free_head = h->e[id].next_free;
    return id;
}

uint32_t
hosts_hold(struct hosts *h, const char *key)
{
    if ((h->used + 1) * 2 > h->icap)
        index_grow(h);
    uint32_t hash = key_hash(key);
    size_t mask = h->icap - 1, b = hash & mask;
    for (; h->index[b] != 0; b = (b + 1) & mask) {
        struct host_entry *e = &h->e[h->index[b] - 1];
        if (e->hash == hash && strcmp(e->key, key) == 0) {
            e->held++;
            return h->index[b] - 1;
        }
    }
    uint32_t id = take_entry(h);
    struct host_entry *e = &h->e[id];
    e->key = xstrdup(key);
    e->hash = hash;
    e->held = 1;
    e->running = 0;
    h->index[b] = id + 1;
    h->used++;
    return id;
}

/* Takes bucket b out of the index, moving up the entries after it that
 * would no longer be found past the hole. */
static void
index_remove(struct hosts *h, size_t b)
{
    size_t mask = h->icap - 1;
    size_t hole = b;
    for (size_t j = (hole + 1) & mask; h->index[j] != 0; j = (j + 1) & mask) {
        size_t home = h->e[h->index[j] - 1].hash & mask;
        /* The entry at j stays when its home lies cyclically in (hole, j]. */
        bool stays = hole < j ? (home > hole && home <= j) : (home > hole || home <= j);
        if (!stays) {
            h->index[hole] = h->index[j];
            hole = j;
        }
    }
    h->index[hole] = 0;
}

void
hosts_release(struct hosts *h, uint32_t id)
{
    struct host_entry *e = &h->e[id];
    if (--e->held > 0)
        return;
    size_t mask = h->icap - 1, b = e->hash & mask;
    while (h->index[b] != id + 1)
        b = (b + 1) & mask;
    index_remove(h, b);
    xfree(e->key);
    e->key = NULL;
    e->next_free = h->free_head;
    h->free_head = id + 1;
    h->used--;
}

void
hosts_run(struct hosts *h, uint32_t id, int delta)
{
    struct host_entry *e = &h->e[id];
    bool was_full = e->running >= h->limit;
    e->running = (unsigned)((int)e->running + delta);
    bool full = e->running >= h->limit;
    if (full != was_full)
        h->full = full ? h->full + 1 : h->full - 1;
}

bool
hosts_room(const struct hosts *h, uint32_t id)
{
    return h->e[id].running < h->limit;
}

bool
hosts_all_full(const struct hosts *h)
{
    return h->full == h->used;
}

size_t
hosts_count(const struct hosts *h)
{
    return h->used;
}

size_t
hosts_capacity(const struct hosts *h)
{
    return h->cap;
}
