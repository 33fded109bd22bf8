/*
 * Unit tests of src/response.c: the rule that decides, before a body byte
 * is written, whether a response continues what is held.
 */
#include "config.h"

#include "check.h"
#include "response.h"

static struct response_ask
ask_from(uint64_t held, bool can_restart)
{
    struct response_ask a;
    memset(&a, 0, sizeof a);
    a.held = held;
    a.can_restart = can_restart;
    if (held > 0) {
        a.ranged = true;
        a.range_first = held;
    }
    return a;
}

static struct response_got
got_status(int status)
{
    struct response_got g;
    memset(&g, 0, sizeof g);
    g.status = status;
    return g;
}

static enum response_action
decide(const struct response_ask *a, const struct response_got *g, struct response_decision *d)
{
    response_decide(a, g, d);
    return d->action;
}

int
main(void)
{
    struct response_decision d;
    struct response_ask a;
    struct response_got g;

    /* A fresh request: 200 writes from 0 and takes the validators. */
    a = ask_from(0, true);
    g = got_status(200);
    CHECK(decide(&a, &g, &d) == RESP_WRITE && d.offset == 0 && d.new_version);

    /* 206 that starts exactly where we are, same ETag and total. */
    a = ask_from(1000, true);
    a.if_range = true;
    strcpy(a.etag, "\"v1\"");
    a.total_known = true;
    a.total = 5000;
    g = got_status(206);
    g.has_range = true;
    g.range = (struct content_range){ .first = 1000, .last = 4999, .total_known = true, .total = 5000 };
    g.has_length = true;
    g.length = 4000;
    strcpy(g.etag, "\"v1\"");
    CHECK(decide(&a, &g, &d) == RESP_WRITE && d.offset == 1000 && !d.new_version);

    /* The same 206 but starting one byte off: refused. */
    g.range.first = 1001;
    g.length = 3999;
    CHECK(decide(&a, &g, &d) == RESP_PROTOCOL);
    g.range.first = 1000;

    /* A different total than before, with If-Range sent: the server lies. */
    g.range.total = 5001;
    g.range.last = 5000;
    g.length = 4001;
    CHECK(decide(&a, &g, &d) == RESP_PROTOCOL);
    g.range.total = 5000;
    g.range.last = 4999;
    g.length = 4000;

    /* A different ETag on the 206 than If-Range asked for: the server
     * ignored If-Range, and the resource changed.  A file asks again from
     * 0, stdout cannot take bytes back, a stream has a gap. */
    strcpy(g.etag, "\"v2\"");
    CHECK(decide(&a, &g, &d) == RESP_RESTART && d.refetch && d.new_version);
    a.can_restart = false;
    CHECK(decide(&a, &g, &d) == RESP_CHANGED && d.new_version);
    a.stream = true;
    CHECK(decide(&a, &g, &d) == RESP_GAP);
    a.stream = false;
    a.can_restart = true;
    /* ...with another total as well: still a new version, not a lie. */
    g.range.total = 5001;
    g.range.last = 5000;
    g.length = 4001;
    CHECK(decide(&a, &g, &d) == RESP_RESTART && d.refetch);
    g.range.total = 5000;
    g.range.last = 4999;
    g.length = 4000;
    strcpy(g.etag, "\"v1\"");
    /* A different Last-Modified, with If-Range sent: the same... */
    strcpy(a.last_modified, "Sun, 06 Nov 1994 08:49:37 GMT");
    strcpy(g.last_modified, "Mon, 07 Nov 1994 08:49:37 GMT");
    CHECK(decide(&a, &g, &d) == RESP_RESTART && d.refetch && d.new_version);
    /* ...and without If-Range (nothing protected the range). */
    a.if_range = false;
    CHECK(decide(&a, &g, &d) == RESP_RESTART && d.refetch && d.new_version);
    a.can_restart = false;
    CHECK(decide(&a, &g, &d) == RESP_CHANGED);
    a.can_restart = true;
    a.if_range = true;
    a.last_modified[0] = '\0';
    g.last_modified[0] = '\0';

    /* Content-Length disagreeing with Content-Range: refused. */
    g.length = 10;
    CHECK(decide(&a, &g, &d) == RESP_PROTOCOL);
    g.length = 4000;

    /* 206 without Content-Range: refused. */
    g.has_range = false;
    CHECK(decide(&a, &g, &d) == RESP_PROTOCOL);
    g.has_range = true;

    /* No validator at all: a new length means a new version. */
    a.if_range = false;
    a.etag[0] = '\0';
    g.etag[0] = '\0';
    g.range.total = 6000;
    CHECK(decide(&a, &g, &d) == RESP_RESTART && d.refetch && d.new_version);
    a.can_restart = false;
    CHECK(decide(&a, &g, &d) == RESP_CHANGED);
    a.stream = true;
    CHECK(decide(&a, &g, &d) == RESP_GAP);

    /* 200 to a ranged request, new ETag: a file starts over... */
    a = ask_from(1000, true);
    a.if_range = true;
    strcpy(a.etag, "\"v1\"");
    a.total_known = true;
    a.total = 5000;
    g = got_status(200);
    g.has_length = true;
    g.length = 5000;
    strcpy(g.etag, "\"v2\"");
    CHECK(decide(&a, &g, &d) == RESP_RESTART && !d.refetch && d.new_version);
    /* ...stdout cannot take bytes back. */
    a.can_restart = false;
    CHECK(decide(&a, &g, &d) == RESP_CHANGED);
    /* Same ETag and length: the server ignores ranges; skip what we have. */
    strcpy(g.etag, "\"v1\"");
    CHECK(decide(&a, &g, &d) == RESP_SKIP && d.skip == 1000);
    /* Same ETag but another length: not the same version. */
    g.length = 5001;
    CHECK(decide(&a, &g, &d) == RESP_CHANGED);
    g.length = 5000;
    /* A stream reconnect answered 200: a gap, reported. */
    a.stream = true;
    CHECK(decide(&a, &g, &d) == RESP_GAP);
    a.stream = false;
    /* No validators but the same known length: the same version. */
    a = ask_from(1000, false);
    a.total_known = true;
    a.total = 5000;
    g = got_status(200);
    g.has_length = true;
    g.length = 5000;
    CHECK(decide(&a, &g, &d) == RESP_SKIP && d.skip == 1000);
    g.length = 5001;
    CHECK(decide(&a, &g, &d) == RESP_CHANGED);
    /* An ETag held but missing from the answer: not the same version. */
    strcpy(a.etag, "\"v1\"");
    g.length = 5000;
    CHECK(decide(&a, &g, &d) == RESP_CHANGED);
    /* Nothing to compare (no validators, unknown length): never skip. */
    a = ask_from(1000, false);
    g = got_status(200);
    CHECK(decide(&a, &g, &d) == RESP_CHANGED);

    /* 416 when everything is held: done. */
    a = ask_from(5000, true);
    a.total_known = true;
    a.total = 5000;
    g = got_status(416);
    g.has_range = true;
    g.range = (struct content_range){ .unsatisfied = true, .total_known = true, .total = 5000 };
    CHECK(decide(&a, &g, &d) == RESP_DONE);
    /* 416 with a smaller total: the file shrank; start over. */
    g.range.total = 4000;
    CHECK(decide(&a, &g, &d) == RESP_RESTART && d.refetch);
    a.can_restart = false;
    CHECK(decide(&a, &g, &d) == RESP_CHANGED);
    /* ...but with the strong ETag held, it is a contradiction, not a
     * shorter version: restarting would loop. */
    a.can_restart = true;
    strcpy(a.etag, "\"v1\"");
    strcpy(g.etag, "\"v1\"");
    CHECK(decide(&a, &g, &d) == RESP_PROTOCOL);
    strcpy(g.etag, "\"v2\"");
    CHECK(decide(&a, &g, &d) == RESP_RESTART && d.refetch);
    strcpy(a.etag, "W/\"v1\"");
    strcpy(g.etag, "W/\"v1\"");
    CHECK(decide(&a, &g, &d) == RESP_RESTART);

    /* A Content-Length that is not one number: refused before a byte. */
    a = ask_from(0, true);
    g = got_status(200);
    g.bad_length = true;
    CHECK(decide(&a, &g, &d) == RESP_PROTOCOL);
    g.status = 404;
    CHECK(decide(&a, &g, &d) == RESP_HTTP_ERROR);

    /* Errors are errors, whatever was asked. */
    a = ask_from(0, true);
    g = got_status(404);
    CHECK(decide(&a, &g, &d) == RESP_HTTP_ERROR);
    g = got_status(503);
    CHECK(decide(&a, &g, &d) == RESP_HTTP_ERROR);
    g = got_status(304);
    CHECK(decide(&a, &g, &d) == RESP_HTTP_ERROR);
    /* 206 to a request without Range. */
    g = got_status(206);
    g.has_range = true;
    g.range = (struct content_range){ .first = 0, .last = 9, .total_known = true, .total = 10 };
    CHECK(decide(&a, &g, &d) == RESP_PROTOCOL);

    /* Unknown-length stream: a 206 with "/ *" continues at the byte. */
    a = ask_from(1 << 20, false);
    a.stream = true;
    g = got_status(206);
    g.has_range = true;
    g.range = (struct content_range){ .first = 1 << 20, .last = UINT64_C(9223372036854775806) };
    CHECK(decide(&a, &g, &d) == RESP_WRITE && d.offset == (1 << 20));

    CHECK(response_status_retryable(503) && response_status_retryable(429) &&
          response_status_retryable(408) && response_status_retryable(500) &&
          response_status_retryable(502) && response_status_retryable(504));
    CHECK(!response_status_retryable(404) && !response_status_retryable(403) &&
          !response_status_retryable(501));
    return check_done("test_response");
}
