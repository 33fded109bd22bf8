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

/*
 * The parts of -x spread over the sources (segments.c): each part has its
 * own source, so these take the source in question as an argument and
 * leave the current one alone.
 */
/* sources_left() and sources_ready() as seen from source i. */
unsigned sources_left_of(const struct sources *s, unsigned i);
unsigned sources_ready_of(const struct sources *s, unsigned i);
/* Sets source `from` aside (or drops it) and returns the next usable one as
 * sources_switch() picks it, or -1 when no other is left. */
int sources_switch_from(struct sources *s, unsigned from, bool drop);
/* The k-th source (from 0) of those not dropped, counted in order from
 * source `first`: part k's source when the parts are spread. */
unsigned sources_nth_live(const struct sources *s, unsigned first, unsigned k);
/* Whether source i served bytes equal to those held in this run (its
 * first overlap compared equal), so that its own bytes may be written. */
bool sources_verified(const struct sources *s, unsigned i);
void sources_set_verified(struct sources *s, unsigned i, bool yes);
/* Forgets every source's verification (the file starts over). */
void sources_unverify(struct sources *s);

#endif
