/*
 * fuzz_head.c - a response header block, as a server sends it, read by
 * head_line() (the code of haul's header callback), then the resume
 * decision response_decide() on it.
 *
 * Input: 4 bytes that shape the request (what haul asked and held), then
 * the header block; each line, '\n' included, is handed over in a block of
 * its own exact size, as libcurl does.  The request is built partly from
 * what came back (the asked range starts where the Content-Range starts,
 * the held ETag is the one sent...), so that the fuzzer reaches the
 * decisions that need both to agree, not only the mismatches.
 */
#include "config.h"

#include <string.h>

#include "fuzz.h"
#include "head.h"
#include "http.h"
#include "response.h"

#define NOW ((time_t)1700000000)    /* a fixed clock: inputs must replay alike */

static void
check_head(const struct head *h)
{
    const struct response_got *g = &h->got;

    FUZZ_ASSERT(g->status >= 0 && g->status <= 999);
    FUZZ_ASSERT(memchr(g->etag, '\0', sizeof g->etag) != NULL);
    FUZZ_ASSERT(memchr(g->last_modified, '\0', sizeof g->last_modified) != NULL);
    FUZZ_ASSERT(memchr(h->content_type, '\0', sizeof h->content_type) != NULL);
    if (g->has_range && !g->range.unsatisfied) {
        FUZZ_ASSERT(g->range.first <= g->range.last);
        FUZZ_ASSERT(!g->range.total_known || g->range.last < g->range.total);
    }
    if (g->has_range && g->range.unsatisfied)
        FUZZ_ASSERT(g->range.total_known);
    FUZZ_ASSERT(h->retry_after_ms >= -1);
    FUZZ_ASSERT(!(g->bad_length && g->has_length));
    FUZZ_ASSERT(!g->has_length || g->length <= INT64_MAX);
    /* A stored validator goes back in If-Range: no control character
     * (no CR to split the request), trimmed of white space at its end. */
    FUZZ_ASSERT(http_value_is_clean(g->etag, strlen(g->etag)));
    FUZZ_ASSERT(http_value_is_clean(g->last_modified, strlen(g->last_modified)));
    size_t n = strlen(g->etag);
    FUZZ_ASSERT(n == 0 || strchr(" \t", g->etag[n - 1]) == NULL);
}

static uint64_t
shifted(uint64_t v, uint8_t b)
{
    int d = b < 128 ? (int)b : (int)b - 256;    /* the byte as a signed delta */
    if (d < 0 && (uint64_t)-d > v)
        return 0;
    return d < 0 ? v - (uint64_t)-d : v + (uint64_t)d;
}

static void
make_ask(struct response_ask *ask, const uint8_t *p, const struct response_got *g)
{
    uint8_t f = p[0], f2 = p[1];

    memset(ask, 0, sizeof *ask);
    ask->ranged = f & 1;
    ask->range_last_set = f & 2;
    ask->if_range = f & 4;
    ask->can_restart = f & 8;
    ask->stream = f & 16;
    ask->total_known = f & 32;
    uint64_t first = (f & 64) && g->has_range ? g->range.first : 0;
    ask->range_first = ask->ranged ? shifted(first, p[2]) : 0;
    ask->held = ask->ranged ? ask->range_first : (f2 & 1 ? 0 : (uint64_t)p[2]);
    uint64_t last = g->has_range ? g->range.last : ask->range_first + 100;
    ask->range_last = ask->range_last_set ? shifted(last, p[3]) : 0;
    if (ask->total_known) {
        uint64_t total = g->has_range && g->range.total_known ? g->range.total
                         : g->has_length ? g->length : 1000;
        ask->total = f2 & 2 ? shifted(total, p[3]) : total;
    }
    if (f & 128)
        memcpy(ask->etag, g->etag, sizeof ask->etag);
    else if (f2 & 4)
        strcpy(ask->etag, "\"seed\"");
    if (f2 & 8)
        memcpy(ask->last_modified, g->last_modified, sizeof ask->last_modified);
    else if (f2 & 16)
        strcpy(ask->last_modified, "Sun, 06 Nov 1994 08:49:37 GMT");
}

static void
check_decision(const struct response_ask *ask, const struct response_got *g,
               const struct response_decision *d)
{
    FUZZ_ASSERT(d->why != NULL);
    FUZZ_ASSERT(strcmp(response_action_name(d->action), "?") != 0);
    switch (d->action) {
    case RESP_WRITE:
        FUZZ_ASSERT(g->status >= 200 && g->status < 300 && !g->bad_length);
        if (g->status == 206) {
            /* The bytes offered start exactly where the output stands... */
            FUZZ_ASSERT(ask->ranged && g->has_range && !g->range.unsatisfied);
            FUZZ_ASSERT(d->offset == ask->range_first);
            FUZZ_ASSERT(g->range.first == ask->range_first);
            FUZZ_ASSERT(!ask->range_last_set || g->range.last <= ask->range_last);
            FUZZ_ASSERT(!g->has_length ||
                        g->length == g->range.last - g->range.first + 1);
            /* ... and belong to the version held: never a splice. */
            FUZZ_ASSERT(ask->etag[0] == '\0' || g->etag[0] == '\0' ||
                        strcmp(ask->etag, g->etag) == 0);
            FUZZ_ASSERT(ask->last_modified[0] == '\0' || g->last_modified[0] == '\0' ||
                        strcmp(ask->last_modified, g->last_modified) == 0);
            FUZZ_ASSERT(!ask->total_known || !g->range.total_known ||
                        g->range.total == ask->total);
        } else {
            FUZZ_ASSERT(ask->held == 0 && d->offset == 0);
        }
        break;
    case RESP_SKIP:
        FUZZ_ASSERT(g->status >= 200 && g->status < 300 && g->status != 206 && !g->bad_length);
        FUZZ_ASSERT(!ask->stream && ask->held > 0 && d->skip == ask->held);
        break;
    case RESP_RESTART:
        FUZZ_ASSERT(ask->can_restart && d->new_version);
        break;
    case RESP_GAP:
        FUZZ_ASSERT(ask->stream);
        break;
    case RESP_DONE:
        FUZZ_ASSERT(g->status == 416 && ask->ranged);
        break;
    case RESP_CHANGED:
        FUZZ_ASSERT(!ask->can_restart);
        break;
    case RESP_HTTP_ERROR:
        FUZZ_ASSERT(g->status < 200 || g->status >= 300);
        break;
    case RESP_PROTOCOL:
        /* A 206 that contradicts the request, a 416 that contradicts the
         * ETag, or a Content-Length that is no length. */
        FUZZ_ASSERT(g->status == 206 || g->status == 416 || g->bad_length);
        break;
    }
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    struct head h;
    struct response_ask ask;
    struct response_decision d;
    bool final = false;

    if (size < 4)
        return 0;
    const uint8_t *shape = data;
    const uint8_t *p = data + 4, *end = data + size;

    head_reset(&h, 0);
    while (p < end && !final) {
        const uint8_t *nl = memchr(p, '\n', (size_t)(end - p));
        size_t n = nl ? (size_t)(nl - p) + 1 : (size_t)(end - p);
        char *line = malloc(n ? n : 1);
        if (line == NULL)
            abort();
        memcpy(line, p, n);
        enum head_event ev = head_line(&h, line, n, NOW);
        free(line);
        check_head(&h);
        if (ev == HEAD_STATUS)
            FUZZ_ASSERT(!h.got.has_range && !h.got.has_length && h.got.etag[0] == '\0');
        if (ev == HEAD_END && head_final(&h)) {
            final = true;
            FUZZ_ASSERT(h.got.status >= 200);
            if (h.encoded)
                FUZZ_ASSERT(!h.got.has_length &&
                            !(h.got.has_range && h.got.range.total_known));
        }
        p += n;
    }
    /* Without a blank line haul decides on what there is (a body came). */
    make_ask(&ask, shape, &h.got);
    response_decide(&ask, &h.got, &d);
    check_decision(&ask, &h.got, &d);
    fuzz_mem_check();
    return 0;
}
