/* Unit tests of src/records.c: --stream record boundaries. */
#include "config.h"

#include "check.h"
#include "records.h"

/* Feeds s and returns what may be written now, as a string. */
static const char *
feed(struct records *r, const char *s)
{
    static char out[4096];
    size_t t = 0, d = 0;
    records_feed(r, s, strlen(s), &t, &d);
    if (t > 0)    /* the tail may be NULL when empty */
        memcpy(out, r->tail, t);
    memcpy(out + t, s, d);
    out[t + d] = '\0';
    records_consume_tail(r, t);
    return out;
}

int
main(void)
{
    struct records r;

    mem_init(false);
    records_init(&r, RECORDS_LINES, 1024, NULL);
    CHECK_STR(feed(&r, "abc"), "");
    CHECK_STR(feed(&r, "def\ngh"), "abcdef\n");
    CHECK_STR(feed(&r, "i\nj\nk"), "ghi\nj\n");
    CHECK(r.len == 1 && r.tail[0] == 'k');
    CHECK(records_discard(&r) == 1);
    CHECK(r.len == 0);
    CHECK_STR(feed(&r, "\n"), "\n");
    records_free(&r);

    /* A record longer than the limit is released torn, and counted. */
    records_init(&r, RECORDS_LINES, 8, NULL);
    CHECK_STR(feed(&r, "12345"), "");
    CHECK_STR(feed(&r, "67890"), "1234567890");
    CHECK(r.torn == 1);
    records_free(&r);

    /* Events end at a blank line; ids and retry come from complete events. */
    records_init(&r, RECORDS_EVENTS, 1024, NULL);
    CHECK_STR(feed(&r, "id: 1\ndata: a\n\nid: 2\nda"), "id: 1\ndata: a\n\n");
    CHECK_STR(r.last_id, "1");
    CHECK(r.has_id);
    CHECK_STR(feed(&r, "ta: b\n"), "");
    CHECK_STR(r.last_id, "1");
    /* The boundary straddles two reads. */
    CHECK_STR(feed(&r, "\nretry: 250\ndata: c\r\n\r\n"),
              "id: 2\ndata: b\n\nretry: 250\ndata: c\r\n\r\n");
    CHECK_STR(r.last_id, "2");
    CHECK(r.retry_ms == 250);
    CHECK_STR(feed(&r, "retry: 9x\n\n"), "retry: 9x\n\n");
    CHECK(r.retry_ms == 250);
    CHECK_STR(feed(&r, "id: 3\ndata: partial"), "");
    CHECK(records_discard(&r) == strlen("id: 3\ndata: partial"));
    CHECK_STR(r.last_id, "2");
    /* CR alone ends lines too: "\r\r" is a blank line, "\r\n" is not. */
    CHECK_STR(feed(&r, "id: 4\rdata: d\r\ndata: e\r\rid: 5\r"), "id: 4\rdata: d\r\ndata: e\r\r");
    CHECK_STR(r.last_id, "4");
    CHECK(records_discard(&r) == strlen("id: 5\r"));
    records_free(&r);
    return check_done("test_records");
}
