/*
 * sources.c - the URLs one file can be fetched from; see sources.h.
 */
#include "config.h"

#include <string.h>

#include "http.h"
#include "sources.h"

struct source {
    char *url;       /* as given */
    char *shown;     /* redacted */
    enum source_state state;
};

struct sources {
    struct mem_account *acct;
    struct source v[SOURCES_MAX];
    unsigned n;
    unsigned cur;
    unsigned failures;    /* of the current source, since it became current */
};

struct sources *
sources_new(struct mem_account *acct, const char *url, char *const *more, size_t nmore)
{
    struct sources *s = xcalloc_in(acct, 1, sizeof *s);
    s->acct = acct;
    sources_add(s, url);
    for (size_t i = 0; i < nmore; i++)
        sources_add(s, more[i]);
    return s;
}

void
sources_free(struct sources *s)
{
    if (s == NULL)
        return;
    for (unsigned i = 0; i < s->n; i++) {
        xfree(s->v[i].url);
        xfree(s->v[i].shown);
    }
    xfree(s);
}

bool
sources_add(struct sources *s, const char *url)
{
    if (s->n == SOURCES_MAX)
        return false;
    for (unsigned i = 0; i < s->n; i++)
        if (strcmp(s->v[i].url, url) == 0)
            return false;
    s->v[s->n].url = xstrdup_in(s->acct, url);
    s->v[s->n].shown = url_redacted(url);
    s->v[s->n].state = SOURCE_READY;
    s->n++;
    return true;
}

unsigned sources_count(const struct sources *s) { return s->n; }
unsigned sources_current(const struct sources *s) { return s->cur; }
const char *sources_url(const struct sources *s, unsigned i) { return s->v[i].url; }
const char *sources_shown(const struct sources *s, unsigned i) { return s->v[i].shown; }
enum source_state sources_state(const struct sources *s, unsigned i) { return s->v[i].state; }
unsigned sources_failures(const struct sources *s) { return s->failures; }
void sources_failed(struct sources *s) { s->failures++; }

void
sources_set_current(struct sources *s, unsigned i)
{
    if (i < s->n && i != s->cur) {
        s->cur = i;
        s->failures = 0;
    }
}

int
sources_find(const struct sources *s, const char *shown)
{
    for (unsigned i = 0; i < s->n; i++)
        if (strcmp(s->v[i].shown, shown) == 0)
            return (int)i;
    return -1;
}

static unsigned
others_in(const struct sources *s, bool ready_only)
{
    unsigned n = 0;
    for (unsigned i = 0; i < s->n; i++) {
        if (i == s->cur || s->v[i].state == SOURCE_DROPPED)
            continue;
        if (!ready_only || s->v[i].state == SOURCE_READY)
            n++;
    }
    return n;
}

unsigned sources_left(const struct sources *s) { return others_in(s, false); }
unsigned sources_ready(const struct sources *s) { return others_in(s, true); }

/* The first source after the current one, in order, in state `want`. */
static int
next_in(const struct sources *s, enum source_state want)
{
    for (unsigned k = 1; k < s->n; k++) {
        unsigned i = (s->cur + k) % s->n;
        if (s->v[i].state == want)
            return (int)i;
    }
    return -1;
}

bool
sources_switch(struct sources *s, bool drop)
{
    s->v[s->cur].state = drop ? SOURCE_DROPPED : SOURCE_ASIDE;
    int next = next_in(s, SOURCE_READY);
    if (next < 0) {
        next = next_in(s, SOURCE_ASIDE);
        if (next < 0)
            return false;
        /* Every other source failed: all that are not dropped get their
         * turn again. */
        for (unsigned i = 0; i < s->n; i++)
            if (s->v[i].state == SOURCE_ASIDE && i != s->cur)
                s->v[i].state = SOURCE_READY;
    }
    s->v[next].state = SOURCE_READY;
    sources_set_current(s, (unsigned)next);
    return true;
}

void
sources_journal(const struct sources *s, int held_from, struct journal *j)
{
    if (s == NULL || s->n < 2)
        return;
    for (unsigned i = 0; i < s->n && i < JOURNAL_MAX_SOURCES; i++)
        j->sources[i] = s->v[i].shown;
    j->nsources = s->n < JOURNAL_MAX_SOURCES ? s->n : JOURNAL_MAX_SOURCES;
    j->source = held_from;
}

int
sources_restore(struct sources *s, const struct journal *j)
{
    for (unsigned i = 0; i < j->nsources; i++)
        if (sources_find(s, j->sources[i]) < 0)
            sources_add(s, j->sources[i]);
    if (j->source < 0 || (unsigned)j->source >= j->nsources)
        return -1;
    int held_from = sources_find(s, j->sources[j->source]);
    if (held_from >= 0)
        sources_set_current(s, (unsigned)held_from);
    return held_from;
}
