/* Unit tests of src/head.c: a response header block, line by line. */
#include "config.h"

#include "check.h"
#include "head.h"
#include "mem.h"

/* A literal and its length, NULs included. */
#define LIT(s) (s), sizeof(s) - 1

static void
feed(struct head *h, const char *block)
{
    const char *p = block;
    while (*p != '\0') {
        const char *nl = strchr(p, '\n');
        size_t n = nl ? (size_t)(nl - p) + 1 : strlen(p);
        head_line(h, p, n, 1700000000);
        p += n;
    }
}

int
main(void)
{
    struct head h;

    mem_init(false);

    /* A 206 as haul reads it. */
    head_reset(&h, 0);
    CHECK(head_line(&h, LIT("HTTP/1.1 206 Partial Content\r\n"), 0) == HEAD_STATUS);
    feed(&h, "Content-Range: bytes 100-199/1000\r\n"
             "Content-Length: 100\r\n"
             "ETag:  \"v1\" \r\n"
             "Last-Modified: Sun, 06 Nov 1994 08:49:37 GMT\r\n"
             "Accept-Ranges: bytes\r\n"
             "Retry-After: 5\r\n"
             "Content-Type: text/event-stream\r\n");
    CHECK(head_line(&h, LIT("\r\n"), 0) == HEAD_END);
    CHECK(head_final(&h));
    CHECK_U64(h.got.status, 206);
    CHECK(h.got.has_range && h.got.range.first == 100 && h.got.range.total == 1000);
    CHECK(h.got.has_length && h.got.length == 100);
    CHECK_STR(h.got.etag, "\"v1\"");
    CHECK_STR(h.got.last_modified, "Sun, 06 Nov 1994 08:49:37 GMT");
    CHECK(h.accept_ranges && h.retry_after_ms == 5000);
    CHECK_STR(h.content_type, "text/event-stream");

    /* A redirect with Location and a 1xx are not final; a status line
     * starts the next response afresh. */
    head_reset(&h, 0);
    feed(&h, "HTTP/1.1 302 Found\r\nLocation: /x\r\nETag: \"old\"\r\n");
    CHECK(head_line(&h, LIT("\r\n"), 0) == HEAD_END && !head_final(&h));
    feed(&h, "HTTP/1.1 100 Continue\r\n");
    CHECK(head_line(&h, LIT("\r\n"), 0) == HEAD_END && !head_final(&h));
    feed(&h, "HTTP/2 200\r\ncontent-encoding: gzip\r\ncontent-length: 10\r\n");
    CHECK(head_line(&h, LIT("\n"), 0) == HEAD_END && head_final(&h));
    CHECK(h.got.etag[0] == '\0' && !h.has_location);
    CHECK(h.encoded && !h.got.has_length);    /* encoded bytes are not haul's */

    /* A validator too long, or with a control character, is none: a NUL
     * would truncate it, a bare CR would split If-Range (fuzz_head). */
    head_reset(&h, 200);
    head_line(&h, LIT("ETag: \"5\r\0\0\"\r\n"), 0);
    CHECK_STR(h.got.etag, "");
    head_line(&h, LIT("Last-Modified: Sun, 06 Nov 1994 08:49:37 GMT\rX-Injected: 1\r\n"), 0);
    CHECK_STR(h.got.last_modified, "");
    head_line(&h, LIT("ETag: \"a\tb\"\r\n"), 0);
    CHECK_STR(h.got.etag, "\"a\tb\"");    /* HTAB is allowed */
    char longline[400];
    int n = snprintf(longline, sizeof longline, "ETag: \"%0300d\"\r\n", 0);
    head_line(&h, longline, (size_t)n, 0);
    CHECK_STR(h.got.etag, "");

    /* A Content-Length that is no length, or two that differ (RFC 9112
     * 6.3): no length, and response_decide() calls it a protocol error. */
    head_reset(&h, 200);
    head_line(&h, LIT("Content-Length: 1e3\r\n"), 0);
    CHECK(h.got.bad_length && !h.got.has_length);
    head_reset(&h, 200);
    head_line(&h, LIT("Content-Length: 10\r\n"), 0);
    head_line(&h, LIT("Content-Length: 10\r\n"), 0);
    CHECK(h.got.has_length && !h.got.bad_length && h.got.length == 10);
    head_line(&h, LIT("Content-Length: 11\r\n"), 0);
    CHECK(h.got.bad_length && !h.got.has_length);

    /* Lines that end the block, and lines that are nothing. */
    head_reset(&h, 200);
    CHECK(head_line(&h, LIT(""), 0) == HEAD_FIELD);
    CHECK(head_line(&h, LIT("X-Other: 1\r\n"), 0) == HEAD_FIELD);
    CHECK(head_line(&h, LIT("\n"), 0) == HEAD_END);
    return check_done("test_head");
}
