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

static int offsets_have(const uint64_t *a, size_t n, uint64_t offset)
{
	size_t i;

	for (i = 0; i < n; i++)
		if (a[i] == offset)
			return 1;
	return 0;
}

static int offsets_add(uint64_t **a, size_t *n, size_t *cap, uint64_t offset)
{
	if (*n == *cap) {
		size_t c = *cap ? *cap * 2 : 8;
		uint64_t *f = realloc(*a, c * sizeof(*f));

		if (!f)
			return -1;
		*a = f;
		*cap = c;
	}
	(*a)[(*n)++] = offset;
	return 0;
}

int state_offset_fired(const struct res_state *r, uint64_t offset)
{
	return offsets_have(r->fired, r->nfired, offset);
}

int state_mark_fired(struct res_state *r, uint64_t offset)
{
	return offsets_add(&r->fired, &r->nfired, &r->capfired, offset);
}

int state_offset_held(const struct res_state *r, uint64_t offset)
{
	return offsets_have(r->held, r->nheld, offset);
}

int state_mark_held(struct res_state *r, uint64_t offset)
{
	return offsets_add(&r->held, &r->nheld, &r->capheld, offset);
}

int state_is_released(const struct state_table *t, const char *name)
{
	size_t i;

	for (i = 0; i < t->nreleased; i++)
		if (strcmp(t->released[i], name) == 0)
			return 1;
	return 0;
}

int state_release(struct state_table *t, const char *name)
{
	char *copy;

	if (state_is_released(t, name))
		return 0;
	if (t->nreleased == t->capreleased) {
		size_t c = t->capreleased ? t->capreleased * 2 : 8;
		char **r = realloc(t->released, c * sizeof(*r));

		if (!r)
			return -1;
		t->released = r;
		t->capreleased = c;
	}
	copy = strdup(name);
	if (!copy)
		return -1;
	t->released[t->nreleased++] = copy;
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
			free(r->held);
			free(r);
			r = next;
		}
		t->buckets[b] = NULL;
	}
	for (b = 0; b < t->nreleased; b++)
		free(t->released[b]);
	free(t->released);
	t->released = NULL;
	t->nreleased = t->capreleased = 0;
}
