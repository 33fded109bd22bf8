/*
 * state.c - the per-resource counter table (see state.h): a fixed array
 * of hash chains.  Tests use a few hundred keys at most, so there is no
 * resizing.
 */
#include "state.h"

#include <stdlib.h>
#include <string.h>

static size_t bucket_of(const char *key)
{
	uint64_t h = 1469598103934665603ull;   /* FNV-1a */

	for (; *key; key++) {
		h ^= (unsigned char)*key;
		h *= 1099511628211ull;
	}
	return (size_t)(h % STATE_BUCKETS);
}

struct res_state *state_get(struct state_table *t, const char *key)
{
	size_t b = bucket_of(key);
	struct res_state *r;

	for (r = t->buckets[b]; r; r = r->next)
		if (strcmp(r->key, key) == 0)
			return r;
	r = calloc(1, sizeof(*r));
	if (!r)
		return NULL;
	r->key = strdup(key);
	if (!r->key) {
		free(r);
		return NULL;
	}
	r->next = t->buckets[b];
	t->buckets[b] = r;
	return r;
}

int state_offset_fired(const struct res_state *r, uint64_t offset)
{
	size_t i;

	for (i = 0; i < r->nfired; i++)
		if (r->fired[i] == offset)
			return 1;
	return 0;
}

int state_mark_fired(struct res_state *r, uint64_t offset)
{
	if (r->nfired == r->capfired) {
		size_t cap = r->capfired ? r->capfired * 2 : 8;
		uint64_t *f = realloc(r->fired, cap * sizeof(*f));

		if (!f)
			return -1;
		r->fired = f;
		r->capfired = cap;
	}
	r->fired[r->nfired++] = offset;
	return 0;
}

void state_clear(struct state_table *t)
{
	size_t b;

	for (b = 0; b < STATE_BUCKETS; b++) {
		struct res_state *r = t->buckets[b];

		while (r) {
			struct res_state *next = r->next;

			free(r->key);
			free(r->fired);
			free(r);
			r = next;
		}
		t->buckets[b] = NULL;
	}
}
