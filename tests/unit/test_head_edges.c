/*
 * Edge cases of src/head.c that test_head.c leaves out: values cut to fit,
 * the headers that only change a flag, and which statuses are final.
 */
#include "config.h"

#include "check.h"
#include "head.h"
#include "mem.h"

#define LIT(s) (s), sizeof(s) - 1

static void
line(struct head *h, const char *s)
{
    head_line(h, s, strlen(s), 1700000000);
}

static bool
final_for(int status, bool location)
{
    struct head h;
    head_reset(&h, status);
    h.has_location = location;
    return head_final(&h);
}

int
main(void)
{
    struct head h;
    char buf[600];

    mem_init(false);

    head_reset(&h, 0);
    CHECK(h.retry_after_ms == -1 && h.date == -1 && h.got.status == 0);

    /* Transfer-Encoding: "chunked" anywhere in what fits (255 bytes). */
    head_reset(&h, 200);
    line(&h, "Transfer-Encoding: gzip, CHUNKED\r\n");
    CHECK(h.chunked);
    head_reset(&h, 200);
    line(&h, "Transfer-Encoding: gzip\r\n");
    CHECK(!h.chunked);
    head_reset(&h, 200);
    snprintf(buf, sizeof buf, "Transfer-Encoding: %0248d chunked\r\n", 0);    /* 256 bytes */
    line(&h, buf);
    CHECK(!h.chunked);    /* cut at 255: "chunke" */
    head_reset(&h, 200);
    snprintf(buf, sizeof buf, "Transfer-Encoding: %0247d chunked\r\n", 0);    /* 255 bytes */
    line(&h, buf);
    CHECK(h.chunked);

    /* Content-Encoding: identity and empty are none. */
    head_reset(&h, 200);
    line(&h, "Content-Encoding: identity\r\n");
    CHECK(!h.encoded);
    line(&h, "Content-Encoding:\r\n");
    CHECK(!h.encoded);
    line(&h, "Content-Encoding: br\r\n");
    CHECK(h.encoded);

    /* Accept-Ranges: only "bytes", and the last one says. */
    head_reset(&h, 200);
    line(&h, "Accept-Ranges: BYTES\r\n");
    CHECK(h.accept_ranges);
    line(&h, "Accept-Ranges: none\r\n");
    CHECK(!h.accept_ranges);

    /* Retry-After as a date, Date, and a Content-Type too long to keep. */
    head_reset(&h, 503);
    line(&h, "Retry-After: Tue, 14 Nov 2023 22:13:30 GMT\r\n");    /* 1700000010 */
    CHECK(h.retry_after_ms == 10000);
    line(&h, "Retry-After: later\r\n");
    CHECK(h.retry_after_ms == -1);
    line(&h, "Date: Tue, 14 Nov 2023 22:13:20 GMT\r\n");
    CHECK(h.date == 1700000000);
    snprintf(buf, sizeof buf, "Content-Type: %0200d\r\n", 7);
    line(&h, buf);
    CHECK(strlen(h.content_type) == sizeof h.content_type - 1 && h.content_type[126] == '0');

    /* A Content-Length at the edge of what libcurl takes (2^63 - 1). */
    head_reset(&h, 200);
    line(&h, "Content-Length: 9223372036854775807\r\n");
    CHECK(h.got.has_length && !h.got.bad_length && h.got.length == INT64_MAX);
    head_reset(&h, 200);
    line(&h, "Content-Length: 9223372036854775808\r\n");
    CHECK(!h.got.has_length && h.got.bad_length);

    /* Content-Range is kept only when it parses. */
    head_reset(&h, 206);
    line(&h, "Content-Range: bytes 0-9/10\r\n");
    CHECK(h.got.has_range && h.got.range.total == 10);
    line(&h, "Content-Range: bytes 9-0/10\r\n");
    CHECK(!h.got.has_range);

    /* An encoded body: neither its length nor the total are haul's. */
    head_reset(&h, 206);
    line(&h, "Content-Range: bytes 0-9/10\r\n");
    line(&h, "Content-Length: 10\r\n");
    line(&h, "Content-Encoding: gzip\r\n");
    CHECK(head_final(&h));
    CHECK(!h.got.has_length && h.got.has_range && !h.got.range.total_known);
    head_reset(&h, 206);
    line(&h, "Content-Range: bytes 0-9/10\r\n");
    line(&h, "Content-Length: 10\r\n");
    CHECK(head_final(&h));
    CHECK(h.got.has_length && h.got.range.total_known);

    /* Which responses are final. */
    CHECK(!final_for(100, false));
    CHECK(!final_for(199, false));
    CHECK(final_for(200, false));
    CHECK(final_for(200, true));
    static const int redirects[] = { 301, 302, 303, 307, 308 };
    for (size_t i = 0; i < sizeof redirects / sizeof redirects[0]; i++) {
        CHECK(!final_for(redirects[i], true));
        CHECK(final_for(redirects[i], false));    /* nowhere to go: final */
    }
    CHECK(final_for(300, true));
    CHECK(final_for(304, true));
    CHECK(final_for(305, true));
    CHECK(final_for(306, true));
    CHECK(final_for(309, true));

    /* The blank line, and what is not one. */
    head_reset(&h, 200);
    CHECK(head_line(&h, LIT("\r"), 0) == HEAD_END);
    CHECK(head_line(&h, LIT("\r\n"), 0) == HEAD_END);
    CHECK(head_line(&h, LIT("\n\n"), 0) == HEAD_END);
    CHECK(head_line(&h, LIT("\r\n\n"), 0) == HEAD_FIELD);
    CHECK(head_line(&h, LIT("x\n"), 0) == HEAD_FIELD);
    CHECK(head_line(&h, LIT("HTTP/1.1 404 Not Found\r\n"), 0) == HEAD_STATUS &&
          h.got.status == 404);
    /* A status line of 000 is a status line still: a new head. */
    head_reset(&h, 200);
    CHECK(head_line(&h, LIT("HTTP/1.1 000 Zero\r\n"), 1700000000) == HEAD_STATUS &&
          h.got.status == 0);
    /* The blank line ends the head; a line of no bytes handed over is not
     * one (nothing of it is read). */
    CHECK(head_line(&h, "\r\n", 0, 1700000000) == HEAD_FIELD);
    CHECK(head_line(&h, LIT("\r\n"), 1700000000) == HEAD_END);
    /* Content-Disposition: a value of 511 bytes fits, one of 512 (the
     * buffer's size) would be cut: no name then. */
    head_reset(&h, 200);
    snprintf(buf, sizeof buf, "Content-Disposition: %0511d\r\n", 0);
    line(&h, buf);
    CHECK(strlen(h.disposition) == 511);
    head_reset(&h, 200);
    snprintf(buf, sizeof buf, "Content-Disposition: %0512d\r\n", 0);
    line(&h, buf);
    CHECK(h.disposition[0] == '\0');
    return check_done("test_head_edges");
}
