/*
 * sources.h - the URLs one file can be fetched from, and how each fares.
 *
 * A file may name several URLs that serve the same bytes: the URL given
 * and its --mirror URLs, or the URLs of one --input-file line.  The
 * transfer fetches from one of them at a time (the current source) and
 * keeps the others as fallbacks.  A source that fails is set aside (it
 * comes back when every other source is set aside or dropped too); one
 * that serves other bytes or another length than those held is dropped
 * for this file.  Whether a failure sets the source aside, drops it or is
 * retried on it is the retry policy's (retry.c); this file only keeps the
 * list and each source's state, and picks the next source.
 *
 * Owned by its transfer: sources_new() creates it, sources_free() frees
 * it.  Its strings are charged to the account given.
 */
#ifndef HAUL_SOURCES_H
#define HAUL_SOURCES_H

#include <stdbool.h>
#include <stddef.h>

#include "journal.h"
#include "mem.h"

/* At most this many sources per file (the journal records them all). */
#define SOURCES_MAX 16

enum source_state {
    SOURCE_READY,    /* may be asked */
    SOURCE_ASIDE,    /* failed: asked again only when no ready one is left */
    SOURCE_DROPPED,  /* served other bytes, or failed for good: never again */
};

struct sources;

/* The URL given first, then the others in order (duplicates skipped,
 * at most SOURCES_MAX). */
struct sources *sources_new(struct mem_account *acct, const char *url, char *const *more,
                            size_t nmore);
void sources_free(struct sources *s);

unsigned sources_count(const struct sources *s);
unsigned sources_current(const struct sources *s);
void sources_set_current(struct sources *s, unsigned i);
/* The URL as given (may hold credentials), and as shown (redacted). */
const char *sources_url(const struct sources *s, unsigned i);
const char *sources_shown(const struct sources *s, unsigned i);
enum source_state sources_state(const struct sources *s, unsigned i);
/* The index of the source shown as `shown`, or -1. */
int sources_find(const struct sources *s, const char *shown);
/* Adds a source at the end (from a journal); false when it is there or
 * the list is full. */
bool sources_add(struct sources *s, const char *url);

/* Records the sources in a journal (borrowed strings) with the one the
 * bytes held came from (-1: none); nothing with one source. */
void sources_journal(const struct sources *s, int held_from, struct journal *j);
/* -c: the sources a journal names join the list (after those given), and
 * the one its bytes came from is current.  Returns that one's index, or
 * -1 when the journal names none that is here. */
int sources_restore(struct sources *s, const struct journal *j);

/* Sources other than the current one that are not dropped, and of those
 * the ones ready now. */
unsigned sources_left(const struct sources *s);
unsigned sources_ready(const struct sources *s);
/* Failures of the current source since it became current. */
unsigned sources_failures(const struct sources *s);
/* A failure of the current source that is retried on it. */
void sources_failed(struct sources *s);

/*
 * Sets the current source aside (or drops it) and makes the next usable
 * one current: the first ready one after it in order, or, when none is
 * ready, the first set aside one after it (every source set aside is then
 * ready again).  False when no other source is left (the current one stays
 * current, in its new state).
 */
bool sources_switch(struct sources *s, bool drop);

#endif
