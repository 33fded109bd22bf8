/*
 * fuzz_journal.c - journal_decode() on any text, as found in a
 * FILE.part.haul that a crash, a full disk or a person may have damaged.
 *
 * A journal it accepts must be one haul could act on (segments in order
 * within themselves, within the total), and must survive a round trip:
 * encode, decode again, the same journal, and the same text once more.
 */
#include "config.h"

#include <string.h>

#include "fuzz.h"
#include "journal.h"
#include "mem.h"

static bool
str_eq(const char *a, const char *b)
{
    if (a == NULL || b == NULL)
        return a == b;
    return strcmp(a, b) == 0;
}

static void
check_same(const struct journal *a, const struct journal *b)
{
    FUZZ_ASSERT(str_eq(a->url, b->url));
    FUZZ_ASSERT(str_eq(a->final_url, b->final_url));
    FUZZ_ASSERT(strcmp(a->etag, b->etag) == 0);
    FUZZ_ASSERT(strcmp(a->last_modified, b->last_modified) == 0);
    FUZZ_ASSERT(a->total_known == b->total_known && a->total == b->total);
    FUZZ_ASSERT(a->nsegments == b->nsegments);
    for (unsigned i = 0; i < a->nsegments; i++) {
        FUZZ_ASSERT(a->seg[i].start == b->seg[i].start);
        FUZZ_ASSERT(a->seg[i].next == b->seg[i].next);
        FUZZ_ASSERT(a->seg[i].end_known == b->seg[i].end_known);
        FUZZ_ASSERT(!a->seg[i].end_known || a->seg[i].end == b->seg[i].end);
    }
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    struct journal j, k, m;
    char *text = fuzz_strndup(data, size);

    if (journal_decode(text, &j)) {
        FUZZ_ASSERT(j.url != NULL);
        FUZZ_ASSERT(j.final_url == NULL || j.final_url[0] != '\0');
        FUZZ_ASSERT(j.nsegments >= 1 && j.nsegments <= JOURNAL_MAX_SEGMENTS);
        /* -c takes bytes [0, seg[0].next) as held. */
        FUZZ_ASSERT(j.seg[0].start == 0);
        for (unsigned i = 0; i < j.nsegments; i++) {
            const struct journal_segment *g = &j.seg[i];
            FUZZ_ASSERT(g->start <= g->next);
            FUZZ_ASSERT(!g->end_known || g->next <= g->end);
            FUZZ_ASSERT(!j.total_known || !g->end_known || g->end <= j.total);
            FUZZ_ASSERT(!j.total_known || g->next <= j.total);
            /* In order, no overlap: each part starts where one ended. */
            FUZZ_ASSERT(i == 0 || (j.seg[i - 1].end_known && g->start >= j.seg[i - 1].end));
        }
        char *enc = journal_encode(&j);
        FUZZ_ASSERT(enc != NULL);
        FUZZ_ASSERT(journal_decode(enc, &k));
        check_same(&j, &k);
        char *enc2 = journal_encode(&k);
        FUZZ_ASSERT(enc2 != NULL && strcmp(enc, enc2) == 0);
        journal_copy(&m, &k);
        check_same(&k, &m);
        journal_clear(&m);
        journal_clear(&m);    /* clearing twice is harmless */
        xfree(enc2);
        xfree(enc);
        journal_clear(&k);
        journal_clear(&j);
    } else {
        /* A rejected journal leaves nothing to free. */
        FUZZ_ASSERT(j.url == NULL && j.final_url == NULL && j.nsegments == 0);
    }
    free(text);
    fuzz_mem_check();
    return 0;
}
