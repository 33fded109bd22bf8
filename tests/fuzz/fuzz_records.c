/*
 * fuzz_records.c - --stream record framing (records.c): lines, and
 * text/event-stream events, as a server sends them in pieces of any size.
 *
 * Input: a mode byte (kind, tail limit, whether the connection drops at
 * some piece boundaries), a seed byte for the piece sizes, then the body.
 * The harness is the caller transfer.c is: it writes what records_feed()
 * releases and consumes it from the tail.  Invariants: what was written,
 * what was discarded at drops and what is still held reproduce the body
 * byte for byte; a release that is not torn ends at a record boundary; and
 * the last event id and retry: come out the same whether the body came in
 * one piece or in many.
 */
#include "config.h"

#include <string.h>

#include "fuzz.h"
#include "mem.h"
#include "records.h"

struct run {
    char *out;        /* what was written and what was discarded, in order */
    size_t len;
    bool torn_or_dropped;
};

static void
put(struct run *o, const char *p, size_t n)
{
    if (n == 0)
        return;
    memcpy(o->out + o->len, p, n);
    o->len += n;
}

static bool
ends_record(enum record_kind kind, const char *p, size_t n)
{
    if (kind == RECORDS_LINES)
        return n >= 1 && p[n - 1] == '\n';
    return (n >= 2 && p[n - 2] == '\n' && p[n - 1] == '\n') ||
           (n >= 2 && p[n - 2] == '\r' && p[n - 1] == '\r') ||
           (n >= 4 && memcmp(p + n - 4, "\r\n\r\n", 4) == 0);
}

/* Feeds body in pieces sized by `seed` (0: in one piece); returns the
 * records state through *r (to be freed by the caller). */
static void
feed(struct records *r, enum record_kind kind, size_t max, uint8_t seed, bool drops,
     const char *body, size_t size, struct run *o, struct mem_account *acct)
{
    uint32_t x = seed * 2654435761u + 1;
    size_t at = 0;

    records_init(r, kind, max, acct);
    while (at < size) {
        size_t n = size - at;
        if (seed != 0) {
            x ^= x << 13; x ^= x >> 17; x ^= x << 5;
            size_t piece = 1 + x % (x & 0x100 ? 300 : 8);
            if (piece < n)
                n = piece;
        }
        /* A piece is a block of its own, as libcurl's buffer is. */
        char *piece = malloc(n);
        if (piece == NULL)
            abort();
        memcpy(piece, body + at, n);
        uint64_t torn_before = r->torn;
        size_t old_len = r->len;
        size_t from_tail = 0, from_data = 0;
        records_feed(r, piece, n, &from_tail, &from_data);
        FUZZ_ASSERT(from_tail <= r->len && from_data <= n);
        FUZZ_ASSERT(from_tail == 0 || from_tail == old_len);
        put(o, r->tail, from_tail);
        put(o, piece, from_data);
        bool torn = r->torn != torn_before;
        if (torn)
            o->torn_or_dropped = true;
        else if (from_tail + from_data > 0)
            FUZZ_ASSERT(from_data > 0 && ends_record(kind, o->out, o->len));
        records_consume_tail(r, from_tail);
        if (!torn && from_data == 0)
            FUZZ_ASSERT(r->len == old_len + n);
        free(piece);
        at += n;
        if (drops && (x & 0x7000) == 0 && r->len > 0) {
            /* The connection dropped here: the held record is lost. */
            size_t held = r->len;
            put(o, r->tail, r->len);
            FUZZ_ASSERT(records_discard(r) == held);
            FUZZ_ASSERT(r->len == 0 && r->tail == NULL);
            o->torn_or_dropped = true;
        }
    }
    put(o, r->tail, r->len);
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    if (size < 2)
        return 0;
    uint8_t mode = data[0], seed = data[1];
    const char *body = (const char *)data + 2;
    size = size - 2;
    enum record_kind kind = mode & 1 ? RECORDS_EVENTS : RECORDS_LINES;
    size_t max = mode & 2 ? (size_t)(mode >> 3) * 8 : SIZE_MAX;
    bool drops = mode & 4;

    struct mem_account acct;
    mem_account_init(&acct, NULL);
    struct records a, b;
    struct run ra = { .out = malloc(size + 1) }, rb = { .out = malloc(size + 1) };
    if (ra.out == NULL || rb.out == NULL)
        abort();

    feed(&a, kind, max, seed, drops, body, size, &ra, &acct);
    FUZZ_ASSERT(ra.len == size && memcmp(ra.out, body, size) == 0);
    feed(&b, kind, SIZE_MAX, 0, false, body, size, &rb, &acct);
    FUZZ_ASSERT(rb.len == size && memcmp(rb.out, body, size) == 0);
    if (!ra.torn_or_dropped && !rb.torn_or_dropped) {
        /* Pieces or not, the same events were seen complete. */
        FUZZ_ASSERT(a.has_id == b.has_id);
        FUZZ_ASSERT(strcmp(a.last_id, b.last_id) == 0);
        FUZZ_ASSERT(a.retry_ms == b.retry_ms);
        FUZZ_ASSERT(a.len == b.len);
    }
    FUZZ_ASSERT(a.retry_ms >= -1 && b.retry_ms >= -1);
    records_free(&a);
    records_free(&b);
    struct mem_figures fig;
    mem_account_read(&acct, &fig);
    FUZZ_ASSERT(fig.live == 0);
    free(ra.out);
    free(rb.out);
    fuzz_mem_check();
    return 0;
}
