/*
 * Edge cases of src/response.c that test_response.c's stories leave out:
 * each boundary of the resume decision on both of its sides, so that a
 * comparison turned the wrong way (< for <=, == for !=) or a range off by
 * one fails here (tests/mutation.sh checks that it does).
 */
#include "config.h"

#include "check.h"
#include "response.h"

static struct response_ask
ranged(uint64_t first)
{
    struct response_ask a;
    memset(&a, 0, sizeof a);
    a.held = first;
    a.ranged = first > 0;
    a.range_first = first;
    a.can_restart = true;
    return a;
}

static struct response_got
part(uint64_t first, uint64_t last, uint64_t total)
{
    struct response_got g;
    memset(&g, 0, sizeof g);
    g.status = 206;
    g.has_range = true;
    g.range = (struct content_range){ .first = first, .last = last, .total_known = true,
                                      .total = total };
    g.has_length = true;
    g.length = last - first + 1;
    return g;
}

static enum response_action
act(const struct response_ask *a, const struct response_got *g)
{
    struct response_decision d;
    response_decide(a, g, &d);
    return d.action;
}

static void
test_names(void)
{
    CHECK_STR(response_action_name(RESP_WRITE), "write");
    CHECK_STR(response_action_name(RESP_RESTART), "restart");
    CHECK_STR(response_action_name(RESP_SKIP), "skip");
    CHECK_STR(response_action_name(RESP_GAP), "gap");
    CHECK_STR(response_action_name(RESP_DONE), "done");
    CHECK_STR(response_action_name(RESP_HTTP_ERROR), "http-error");
    CHECK_STR(response_action_name(RESP_CHANGED), "changed");
    CHECK_STR(response_action_name(RESP_PROTOCOL), "protocol");
    CHECK_STR(response_action_name((enum response_action)99), "?");
}

/* Which statuses are errors, at each edge of each class. */
static void
test_status_classes(void)
{
    struct response_ask a = ranged(0);
    struct response_got g;
    memset(&g, 0, sizeof g);
    static const struct {
        int status;
        enum response_action want;
    } cases[] = {
        { 100, RESP_HTTP_ERROR }, { 199, RESP_HTTP_ERROR }, { 200, RESP_WRITE },
        { 204, RESP_WRITE },      { 299, RESP_WRITE },      { 300, RESP_HTTP_ERROR },
        { 304, RESP_HTTP_ERROR }, { 399, RESP_HTTP_ERROR }, { 400, RESP_HTTP_ERROR },
        { 415, RESP_HTTP_ERROR }, { 417, RESP_HTTP_ERROR }, { 599, RESP_HTTP_ERROR },
    };
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        g.status = cases[i].status;
        CHECK(act(&a, &g) == cases[i].want);
    }
    for (int s = 100; s < 600; s++)
        CHECK(response_status_retryable(s) ==
              (s == 408 || s == 429 || s == 500 || s == 502 || s == 503 || s == 504));
}

/* A 206 must start at the byte asked for and stay inside the range. */
static void
test_206_bounds(void)
{
    struct response_decision d;
    struct response_ask a = ranged(100);
    struct response_got g = part(100, 199, 1000);

    response_decide(&a, &g, &d);
    CHECK(d.action == RESP_WRITE && d.offset == 100 && !d.new_version && !d.refetch);
    CHECK_STR(d.why, "resumed");
    g = part(99, 199, 1000);
    CHECK(act(&a, &g) == RESP_PROTOCOL);
    g = part(101, 199, 1000);
    CHECK(act(&a, &g) == RESP_PROTOCOL);

    /* "A-B" asked: B is allowed, B + 1 is not. */
    a.range_last_set = true;
    a.range_last = 199;
    g = part(100, 199, 1000);
    CHECK(act(&a, &g) == RESP_WRITE);
    g = part(100, 198, 1000);
    CHECK(act(&a, &g) == RESP_WRITE);
    g = part(100, 200, 1000);
    response_decide(&a, &g, &d);
    CHECK(d.action == RESP_PROTOCOL);
    CHECK_STR(d.why, "Content-Range goes past the range asked for");
    a.range_last_set = false;
    CHECK(act(&a, &g) == RESP_WRITE);    /* "A-": any end will do */

    /* Content-Length must be last - first + 1, exactly. */
    g = part(100, 199, 1000);
    g.length = 100;
    CHECK(act(&a, &g) == RESP_WRITE);
    g.length = 99;
    CHECK(act(&a, &g) == RESP_PROTOCOL);
    g.length = 101;
    CHECK(act(&a, &g) == RESP_PROTOCOL);
    g.has_length = false;
    CHECK(act(&a, &g) == RESP_WRITE);

    /* "bytes * /T" on a 206 is no range. */
    g = part(100, 199, 1000);
    g.range.unsatisfied = true;
    response_decide(&a, &g, &d);
    CHECK(d.action == RESP_PROTOCOL);
    CHECK_STR(d.why, "206 Partial Content without a usable Content-Range");
}

/* The total: known before, it must come back the same, and known. */
static void
test_206_totals(void)
{
    struct response_decision d;
    struct response_ask a = ranged(100);
    a.total_known = true;
    a.total = 1000;
    struct response_got g = part(100, 199, 1000);

    CHECK(act(&a, &g) == RESP_WRITE);
    g.range.total_known = false;
    response_decide(&a, &g, &d);
    CHECK(d.action == RESP_PROTOCOL);
    CHECK_STR(d.why, "206 with an unknown total for a resource of known length");
    a.stream = true;    /* a live stream's total may become unknown */
    CHECK(act(&a, &g) == RESP_WRITE);
    a.stream = false;
    a.total_known = false;
    CHECK(act(&a, &g) == RESP_WRITE);    /* nothing known to compare */

    /* One byte more or less is another version (no If-Range sent). */
    a.total_known = true;
    g = part(100, 199, 1001);
    response_decide(&a, &g, &d);
    CHECK(d.action == RESP_RESTART && d.refetch && d.new_version);
    CHECK_STR(d.why, "the length changed: a new version");
    g = part(100, 199, 999);
    CHECK(act(&a, &g) == RESP_RESTART);
    /* With If-Range sent, the server contradicts itself. */
    a.if_range = true;
    response_decide(&a, &g, &d);
    CHECK(d.action == RESP_PROTOCOL && !d.new_version);
    CHECK_STR(d.why, "206 with a different total length than before");
    /* The total unknown on the earlier response: anything goes. */
    a.total_known = false;
    CHECK(act(&a, &g) == RESP_WRITE);
}

/* Validators on a 206: compared only when both sides have one. */
static void
test_206_validators(void)
{
    struct response_decision d;
    struct response_ask a = ranged(100);
    struct response_got g = part(100, 199, 1000);

    strcpy(a.etag, "\"v1\"");
    CHECK(act(&a, &g) == RESP_WRITE);    /* none came back: nothing to compare */
    strcpy(g.etag, "\"v1\"");
    CHECK(act(&a, &g) == RESP_WRITE);
    strcpy(g.etag, "\"v2\"");
    response_decide(&a, &g, &d);
    CHECK(d.action == RESP_RESTART && d.new_version && d.refetch);
    CHECK_STR(d.why, "the resource changed: a new version");
    a.can_restart = false;
    CHECK(act(&a, &g) == RESP_CHANGED);
    a.stream = true;
    response_decide(&a, &g, &d);
    CHECK(d.action == RESP_GAP && d.new_version && !d.refetch);
    a.stream = false;
    a.can_restart = true;
    a.if_range = true;
    /* With If-Range too: the server ignored it, and the answer is another
     * version all the same (never written after the bytes held). */
    response_decide(&a, &g, &d);
    CHECK(d.action == RESP_RESTART && d.new_version && d.refetch);
    CHECK_STR(d.why, "the resource changed (the server ignored If-Range)");
    a.etag[0] = '\0';
    CHECK(act(&a, &g) == RESP_WRITE);    /* none was held */

    /* The same for Last-Modified. */
    a = ranged(100);
    g = part(100, 199, 1000);
    strcpy(a.last_modified, "Sun, 06 Nov 1994 08:49:37 GMT");
    CHECK(act(&a, &g) == RESP_WRITE);
    strcpy(g.last_modified, "Sun, 06 Nov 1994 08:49:37 GMT");
    CHECK(act(&a, &g) == RESP_WRITE);
    strcpy(g.last_modified, "Sun, 06 Nov 1994 08:49:38 GMT");
    CHECK(act(&a, &g) == RESP_RESTART);
    a.last_modified[0] = '\0';
    CHECK(act(&a, &g) == RESP_WRITE);
}

/* A 200 to a ranged request: the same version is skipped into, another
 * restarts (a file) or is refused (stdout). */
static void
test_200_same_version(void)
{
    struct response_decision d;
    struct response_ask a = ranged(100);
    struct response_got g;
    memset(&g, 0, sizeof g);
    g.status = 200;

    /* Last-Modified alone decides when there is no ETag. */
    strcpy(a.last_modified, "Sun, 06 Nov 1994 08:49:37 GMT");
    strcpy(g.last_modified, "Sun, 06 Nov 1994 08:49:37 GMT");
    response_decide(&a, &g, &d);
    CHECK(d.action == RESP_SKIP && d.skip == 100 && !d.new_version);
    strcpy(g.last_modified, "Mon, 07 Nov 1994 08:49:37 GMT");
    response_decide(&a, &g, &d);
    CHECK(d.action == RESP_RESTART && d.new_version && !d.refetch && d.skip == 0);
    /* An ETag held wins over Last-Modified. */
    strcpy(a.etag, "\"v1\"");
    strcpy(g.etag, "\"v1\"");
    CHECK(act(&a, &g) == RESP_SKIP);
    strcpy(g.etag, "\"v2\"");
    strcpy(g.last_modified, "Sun, 06 Nov 1994 08:49:37 GMT");
    CHECK(act(&a, &g) == RESP_RESTART);

    /* A known total: the length must match it exactly. */
    a = ranged(100);
    a.total_known = true;
    a.total = 1000;
    g.etag[0] = g.last_modified[0] = '\0';
    g.has_length = true;
    g.length = 1000;
    CHECK(act(&a, &g) == RESP_SKIP);
    g.length = 999;
    CHECK(act(&a, &g) == RESP_RESTART);
    g.length = 1001;
    CHECK(act(&a, &g) == RESP_RESTART);
    g.has_length = false;
    g.length = 1000;
    CHECK(act(&a, &g) == RESP_RESTART);

    /* Nothing held: a plain full response, whatever it says. */
    a = ranged(0);
    g.has_length = true;
    response_decide(&a, &g, &d);
    CHECK(d.action == RESP_WRITE && d.offset == 0 && d.new_version);
    /* --stream: a gap, never a skip. */
    a = ranged(100);
    a.stream = true;
    a.total_known = true;
    a.total = 1000;
    response_decide(&a, &g, &d);
    CHECK(d.action == RESP_GAP && d.new_version);
}

/* 416: done only when the server's total is exactly what is held. */
static void
test_416(void)
{
    struct response_decision d;
    struct response_ask a = ranged(1000);
    struct response_got g;
    memset(&g, 0, sizeof g);
    g.status = 416;
    g.has_range = true;
    g.range = (struct content_range){ .unsatisfied = true, .total_known = true, .total = 1000 };

    response_decide(&a, &g, &d);
    CHECK(d.action == RESP_DONE && !d.new_version);
    a.total_known = true;
    a.total = 1000;
    CHECK(act(&a, &g) == RESP_DONE);
    a.total = 1001;    /* the held total disagrees with the 416's */
    CHECK(act(&a, &g) == RESP_RESTART);
    a.total = 999;
    CHECK(act(&a, &g) == RESP_RESTART);
    a.total_known = false;
    g.range.total = 999;
    CHECK(act(&a, &g) == RESP_RESTART);
    g.range.total = 1001;
    CHECK(act(&a, &g) == RESP_RESTART);
    g.range.total = 1000;
    g.range.total_known = false;
    CHECK(act(&a, &g) == RESP_RESTART);
    g.range.total_known = true;
    g.range.unsatisfied = false;
    CHECK(act(&a, &g) == RESP_RESTART);
    g.range.unsatisfied = true;
    g.has_range = false;
    CHECK(act(&a, &g) == RESP_RESTART);

    /* Not ranged: a plain HTTP error. */
    a = ranged(0);
    g.has_range = true;
    response_decide(&a, &g, &d);
    CHECK(d.action == RESP_HTTP_ERROR && !d.new_version);
    /* Ranged, the output cannot start over. */
    a = ranged(1000);
    a.can_restart = false;
    g.range.total = 500;
    response_decide(&a, &g, &d);
    CHECK(d.action == RESP_CHANGED);
    CHECK_STR(d.why, "range not satisfiable: the resource changed");

    /* The strong-ETag contradiction needs every part of it. */
    a = ranged(1000);
    a.total_known = true;
    a.total = 2000;
    strcpy(a.etag, "\"v1\"");
    strcpy(g.etag, "\"v1\"");
    g.range.total = 1500;
    response_decide(&a, &g, &d);
    CHECK(d.action == RESP_PROTOCOL);
    CHECK_STR(d.why, "416 gives another length than before for the same ETag");
    a.total_known = false;
    CHECK(act(&a, &g) == RESP_RESTART);
    a.total_known = true;
    g.range.total_known = false;
    CHECK(act(&a, &g) == RESP_RESTART);
    g.range.total_known = true;
    a.ranged = false;
    CHECK(act(&a, &g) == RESP_HTTP_ERROR);
}

int
main(void)
{
    test_names();
    test_status_classes();
    test_206_bounds();
    test_206_totals();
    test_206_validators();
    test_200_same_version();
    test_416();
    return check_done("test_response_edges");
}
