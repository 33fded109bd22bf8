/*
 * Edges of src/records.c that test_records.c leaves out: a tail that grows,
 * the length limit on both sides, and the event fields at their limits.
 */
#include "config.h"

#include "check.h"
#include "mem.h"
#include "records.h"

/* Feeds s; what may be written now, as a string. */
static const char *
feed(struct records *r, const char *s, size_t n)
{
    static char out[40000];
    size_t t = 0, d = 0;
    records_feed(r, s, n, &t, &d);
    if (t > 0)
        memcpy(out, r->tail, t);
    memcpy(out + t, s, d);
    out[t + d] = '\0';
    records_consume_tail(r, t);
    return out;
}

static void
test_records(void)
{
    struct records r;
    static char big[20000];

    /* A tail that grows past its first 4 KiB, twice. */
    records_init(&r, RECORDS_LINES, 1 << 20, NULL);
    memset(big, 'x', sizeof big);
    CHECK_STR(feed(&r, big, 5000), "");
    CHECK_STR(feed(&r, big, 5000), "");
    CHECK(r.len == 10000 && r.cap == 16384);
    CHECK(strlen(feed(&r, "\n", 1)) == 10001 && r.len == 0 && r.tail == NULL);
    records_free(&r);

    /* The limit: a tail of exactly max bytes waits; one more is torn. */
    records_init(&r, RECORDS_LINES, 10, NULL);
    CHECK_STR(feed(&r, "0123456789", 10), "");
    CHECK(r.torn == 0 && r.len == 10);
    CHECK_STR(feed(&r, "a", 1), "0123456789a");
    CHECK(r.torn == 1 && r.len == 0);
    records_free(&r);

    /* Event fields: id with a NUL is ignored, an id that fills last_id is
     * ignored, one a byte shorter is taken; retry takes 1 to 9 digits. */
    records_init(&r, RECORDS_EVENTS, 1 << 20, NULL);
    feed(&r, "id: a\0b\n\n", 9);
    CHECK(!r.has_id);
    char ev[400];
    int n = snprintf(ev, sizeof ev, "id: %0256d\n\n", 1);
    feed(&r, ev, (size_t)n);
    CHECK(!r.has_id);
    n = snprintf(ev, sizeof ev, "id: %0255d\n\n", 1);
    feed(&r, ev, (size_t)n);
    CHECK(r.has_id && strlen(r.last_id) == 255);
    feed(&r, "id\n\n", 4);
    CHECK(r.has_id && r.last_id[0] == '\0');    /* "id" alone: the empty id */
    feed(&r, "id:x\n\n", 6);
    CHECK_STR(r.last_id, "x");
    feed(&r, "idx: y\n\n", 8);
    CHECK_STR(r.last_id, "x");
    feed(&r, "retry: 999999999\n\n", 18);
    CHECK(r.retry_ms == 999999999);
    feed(&r, "retry: 1234567890\n\n", 19);
    CHECK(r.retry_ms == 999999999);
    feed(&r, "retry:\n\n", 8);
    CHECK(r.retry_ms == 999999999);
    feed(&r, "retry:5\n\n", 9);
    CHECK(r.retry_ms == 5);
    feed(&r, "retry: 0\n\n", 10);
    CHECK(r.retry_ms == 0);
    feed(&r, "retryx: 7\n\n", 11);
    CHECK(r.retry_ms == 0);
    /* "\r\n\r\n" ends an event; "\r\n\n" too (a CRLF line, then LF). */
    CHECK_STR(feed(&r, "data: a\r\n\r\ndata: b\r\n\ndata: c\n\r\n", 31),
              "data: a\r\n\r\ndata: b\r\n\n");
    CHECK(records_discard(&r) == strlen("data: c\n\r\n"));
    CHECK(records_discard(&r) == 0);
    records_free(&r);
}

int
main(void)
{
    mem_init(false);
    test_records();
    return check_done("test_records_edges");
}
