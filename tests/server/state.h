/*
 * state.h - per-resource counters.  A resource is named by its key (the
 * URL path without query and without a /redirect/N prefix); its state
 * lives as long as the server, so pointers to it stay valid and
 * connections may keep them without reference counts.
 */
#ifndef TESTSRV_STATE_H
#define TESTSRV_STATE_H

#include <stddef.h>
#include <stdint.h>

struct res_state {
	char *key;              /* owned */
	uint64_t requests;      /* requests counted for this key so far */
	uint64_t cuts_done;     /* every= cuts that fired */
	uint64_t *fired;        /* owned: fin=/rst= offsets that fired */
	size_t nfired, capfired;
	int stall_fired;        /* stall= fired (once per key) */
	struct res_state *next; /* hash chain */
};

#define STATE_BUCKETS 1024u

struct state_table {
	struct res_state *buckets[STATE_BUCKETS];
};

/* Finds or creates the state of key.  NULL when out of memory.  The
 * table owns the result. */
struct res_state *state_get(struct state_table *t, const char *key);

int state_offset_fired(const struct res_state *r, uint64_t offset);

/* Records that offset fired.  0, or -1 when out of memory. */
int state_mark_fired(struct res_state *r, uint64_t offset);

/* Frees every entry; the table is empty (and reusable) afterwards. */
void state_clear(struct state_table *t);

#endif
