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
	uint64_t *held;         /* owned: hold= offsets that fired */
	size_t nheld, capheld;
	struct res_state *next; /* hash chain */
};

#define STATE_BUCKETS 1024u

struct state_table {
	struct res_state *buckets[STATE_BUCKETS];
	char **released;        /* owned: hold names released so far */
	size_t nreleased, capreleased;
};

/* Finds or creates the state of key.  NULL when out of memory.  The
 * table owns the result. */
struct res_state *state_get(struct state_table *t, const char *key);

int state_offset_fired(const struct res_state *r, uint64_t offset);

/* Records that offset fired.  0, or -1 when out of memory. */
int state_mark_fired(struct res_state *r, uint64_t offset);

int state_offset_held(const struct res_state *r, uint64_t offset);

/* Records that the hold at offset fired.  0, or -1 when out of memory. */
int state_mark_held(struct res_state *r, uint64_t offset);

/* Hold names: once released (GET /_release?name=NAME), a name stays
 * released, so a hold reached later passes at once.  state_release
 * returns 0, or -1 when out of memory. */
int state_release(struct state_table *t, const char *name);
int state_is_released(const struct state_table *t, const char *name);

/* Frees every entry; the table is empty (and reusable) afterwards. */
void state_clear(struct state_table *t);

#endif
