/*
 * Edge cases of src/http.c that test_http.c leaves out: both sides of each
 * boundary of the header parsers (tests/mutation.sh checks that a
 * comparison turned the wrong way fails here), and the URL helpers when
 * libcurl runs out of memory at each of its allocations in turn (they must
 * answer something sensible, never crash, and give back every byte).
 */
#include "config.h"

#include <stdlib.h>

#include <curl/curl.h>

#include "check.h"
#include "http.h"
#include "mem.h"
#include "parse.h"

/* libcurl's allocator: counts live blocks, and fails the fail_at-th call
 * (counted from 1; 0: never). */
static long calls, fail_at, live;    /* live: blocks held now */

static bool
allocation_fails(void)
{
    return fail_at != 0 && ++calls == fail_at;
}

static void *
t_malloc(size_t n)
{
    if (allocation_fails())
        return NULL;
    void *p = malloc(n);
    live += p != NULL;
    return p;
}

static void
t_free(void *p)
{
    live -= p != NULL;
    free(p);
}

static void *
t_realloc(void *p, size_t n)
{
    if (allocation_fails())
        return NULL;
    void *q = realloc(p, n);
    live += p == NULL && q != NULL;
    return q;
}

static char *
t_strdup(const char *s)
{
    if (allocation_fails())
        return NULL;
    char *p = strdup(s);
    live += p != NULL;
    return p;
}

static void *
t_calloc(size_t n, size_t size)
{
    if (allocation_fails())
        return NULL;
    void *p = calloc(n, size);
    live += p != NULL;
    return p;
}

static void
arm(long n)
{
    calls = 0;
    fail_at = n;
}

static bool
cr(const char *s, struct content_range *r)
{
    return http_content_range(s, strlen(s), r);
}

static void
test_status_line(void)
{
    CHECK(http_status_line("HTTP/1.1 200", 12) == 200);
    CHECK(http_status_line("HTTP/1.1 20", 11) == -1);
    CHECK(http_status_line("HTTP/1.1 999\n", 13) == 999);
    CHECK(http_status_line("HTTP/1.1 200\r", 13) == 200);
    CHECK(http_status_line("HTTP/1.1 200x", 13) == -1);
    CHECK(http_status_line("HTTP/1.1 2x0", 12) == -1);
    CHECK(http_status_line("HTTP/1.1   201 x", 16) == 201);
    CHECK(http_status_line("HTTP/", 5) == -1);
    CHECK(http_status_line("HTTP", 4) == -1);
    CHECK(http_status_line("http/1.1 200", 12) == -1);
    /* The length given is what counts, not a NUL. */
    CHECK(http_status_line("HTTP/1.1 200 OK", 11) == -1);
}

static void
test_header_is(void)
{
    const char *v = NULL;
    size_t n = 99;

    CHECK(!http_header_is("etag", 4, "etag", &v, &n));
    CHECK(http_header_is("etag:", 5, "etag", &v, &n) && n == 0);
    CHECK(http_header_is("ETag:\t \"x\"\t \r\n", 14, "etag", &v, &n) && n == 3 &&
          strncmp(v, "\"x\"", 3) == 0);
    CHECK(http_header_is("etag: a b\n", 10, "etag", &v, &n) && n == 3);
    CHECK(!http_header_is("etags: x", 8, "etag", &v, &n));
    CHECK(!http_header_is("eta: x", 6, "etag", &v, &n));
    CHECK(!http_header_is("xtag: x", 7, "etag", &v, &n));
    CHECK(http_header_is("ETAG:x", 6, "etag", &v, &n) && n == 1 && *v == 'x');
}

static void
test_value_checks(void)
{
    CHECK(http_value_is_clean("a\tb c~", 6));
    CHECK(!http_value_is_clean("a\x1f", 2));
    CHECK(http_value_is_clean("a\x20", 2));
    CHECK(!http_value_is_clean("a\x7f", 2));
    CHECK(http_value_is_clean("a\x80\xff", 3));    /* obs-text is allowed */
    CHECK(!http_value_is_clean("a\0b", 3));
    CHECK(!http_value_is_clean("\r", 1));
    CHECK(http_value_is_clean("", 0));
    CHECK(http_validator_usable("\"abc\"", 5, 6));     /* its NUL fits */
    CHECK(!http_validator_usable("\"abc\"", 5, 5));
    CHECK(!http_validator_usable("\"a\nc\"", 5, 64));
}

static void
test_content_range(void)
{
    struct content_range r;

    CHECK(cr("bytes 0-0/1", &r) && r.first == 0 && r.last == 0 && r.total == 1 &&
          r.total_known && !r.unsatisfied);
    CHECK(!cr("bytes 0-1/1", &r));            /* last must be under the total */
    CHECK(cr("bytes 5-5/6", &r) && r.first == 5 && r.last == 5);
    CHECK(!cr("bytes 5-4/6", &r));            /* last before first */
    CHECK(cr("bytes=0-9/10", &r) && r.last == 9);
    CHECK(cr("BYTES 0-9/10", &r));
    CHECK(!cr("bytes", &r));
    CHECK(!cr("bytes ", &r));
    CHECK(!cr("bytesx0-9/10", &r));
    CHECK(!cr("bytes 0-9", &r));
    CHECK(!cr("bytes 0-9 /10", &r));
    CHECK(!cr("bytes 0-9/x", &r));
    CHECK(!cr("bytes 0-9/", &r));
    CHECK(!cr("bytes 0 9/10", &r));
    CHECK(!cr("bytes 0-", &r));
    CHECK(cr("bytes */0", &r) && r.unsatisfied && r.total_known && r.total == 0);
    CHECK(!cr("bytes */", &r));
    CHECK(!cr("bytes *0/10", &r));
    CHECK(!cr("bytes 0-9/10 ", &r));
    /* 2^64 - 1 is a number; 2^64 is not. */
    CHECK(cr("bytes 0-18446744073709551614/18446744073709551615", &r) &&
          r.total == UINT64_MAX && r.last == UINT64_MAX - 1);
    CHECK(!cr("bytes 0-9/18446744073709551616", &r));
    /* A failed parse leaves nothing behind. */
    CHECK(!cr("bytes 3-9/5", &r) || r.first == 3);
    CHECK(!cr("x", &r) && r.first == 0 && r.last == 0 && r.total == 0 && !r.total_known);
}

static void
test_content_length(void)
{
    uint64_t n = 7;

    CHECK(http_content_length("0", 1, &n) && n == 0);
    CHECK(http_content_length("18446744073709551615", 20, &n) && n == UINT64_MAX);
    CHECK(!http_content_length("18446744073709551616", 20, &n));
    CHECK(!http_content_length("99999999999999999999", 20, &n));
    CHECK(!http_content_length("1 ", 2, &n));
    CHECK(!http_content_length(" 1", 2, &n));
    CHECK(http_content_length("12345", 3, &n) && n == 123);    /* len counts */
}

static void
test_retry_after(void)
{
    CHECK(http_retry_after_ms("0", 0) == 0);
    CHECK(http_retry_after_ms("5  ", 0) == 5000);
    CHECK(http_retry_after_ms("5 x", 0) == -1);
    CHECK(http_retry_after_ms("", 0) == -1);
    /* Seconds over a year are a year. */
    CHECK(http_retry_after_ms("31622400", 0) == (int64_t)DURATION_MAX_S * 1000);
    CHECK(http_retry_after_ms("31622401", 0) == (int64_t)DURATION_MAX_S * 1000);
    CHECK(http_retry_after_ms("31622399", 0) == (int64_t)(DURATION_MAX_S - 1) * 1000);
    CHECK(http_retry_after_ms("99999999999999999999", 0) == -1 ||
          http_retry_after_ms("99999999999999999999", 0) == (int64_t)DURATION_MAX_S * 1000);
    /* A date exactly now is 0, a second later is 1000 ms. */
    CHECK(http_retry_after_ms("Sun, 06 Nov 1994 08:49:37 GMT", 784111777) == 0);
    CHECK(http_retry_after_ms("Sun, 06 Nov 1994 08:49:37 GMT", 784111776) == 1000);
    /* A date exactly a year away, and a second more. */
    CHECK(http_retry_after_ms("Sun, 06 Nov 1994 08:49:37 GMT",
                              784111777 - DURATION_MAX_S) == (int64_t)DURATION_MAX_S * 1000);
    CHECK(http_retry_after_ms("Sun, 06 Nov 1994 08:49:37 GMT",
                              784111777 - DURATION_MAX_S + 1) ==
          (int64_t)(DURATION_MAX_S - 1) * 1000);
    CHECK(http_retry_after_ms("Sun, 06 Nov 1994 08:49:37 GMT",
                              784111777 - DURATION_MAX_S - 1) == (int64_t)DURATION_MAX_S * 1000);
    CHECK(http_date("Sun, 06 Nov 1994 08:49:37 GMT") == 784111777);
}

static void
test_urls(void)
{
    char *s;

    CHECK_STR(url_problem("http://exa mple.org/"), "it contains white space");
    CHECK_STR(url_problem("http://example.org/\tx"), "it contains white space");
    CHECK_STR(url_problem("ftp://example.org/x"), "only http and https URLs are supported");
    CHECK(url_problem("HTTPS://example.org/x") == NULL);
    CHECK_STR(url_problem("example.org/x"), "it is not a valid URL");

    CHECK(url_host_key("not a url") == NULL);
    s = url_host_key("HTTPS://EXAMPLE.org/x");
    CHECK_STR(s, "example.org:443");
    xfree(s);

    CHECK(url_same_origin("http://h/a", "http://h/b"));
    CHECK(url_same_origin("http://h/a", "http://h:80/b"));
    CHECK(url_same_origin("http://u:p@H/a", "HTTP://h/b"));
    CHECK(!url_same_origin("http://h/a", "https://h/a"));
    CHECK(!url_same_origin("http://h/a", "http://h:81/a"));
    CHECK(!url_same_origin("http://h/a", "http://g/a"));
    CHECK(!url_same_origin("http://h/a", "not a url"));
    CHECK(!url_same_origin("not a url", "not a url"));

    const char *why = NULL;
    s = url_remote_name("http://h/x/.", &why);
    CHECK(s == NULL && why != NULL);
    s = url_remote_name("http://h/x/.a", &why);
    CHECK_STR(s, ".a");
    xfree(s);
    CHECK(url_remote_name("no url", &why) == NULL);
}

/* Every allocation of libcurl's in turn fails: a URL helper answers as it
 * would for a bad URL (or with its by-hand fallback), and leaks nothing. */
static void
test_out_of_memory(void)
{
    const char *url = "http://user:secret@Example.org:8080/dir/name.iso?q=1";
    bool seen_oom = false, seen_scheme = false, seen_host = false, seen_ok = false;
    long n;

    for (n = 1; n < 1000; n++) {
        long base = live;
        arm(n);
        const char *why = url_problem(url);
        bool hit = calls >= n;
        arm(0);
        CHECK(live == base);
        if (!hit) {
            CHECK(why == NULL);
            seen_ok = true;
            break;
        }
        CHECK(why != NULL);
        if (why == NULL)
            continue;
        seen_oom = seen_oom || strcmp(why, "out of memory") == 0;
        seen_scheme = seen_scheme || strcmp(why, "it has no scheme (http:// or https://)") == 0;
        seen_host = seen_host || strcmp(why, "it has no host") == 0;
    }
    CHECK(seen_oom && seen_scheme && seen_host && seen_ok);

    for (n = 1; n < 1000; n++) {
        long base = live;
        arm(n);
        char *s = url_redacted(url);
        bool hit = calls >= n;
        arm(0);
        CHECK(live == base);
        CHECK(s != NULL && strstr(s, "secret") == NULL && strstr(s, "user") == NULL);
        if (!hit)
            CHECK_STR(s, "http://Example.org:8080/dir/name.iso?q=1");
        xfree(s);
        if (!hit)
            break;
    }
    CHECK(n > 1 && n < 1000);

    for (n = 1; n < 1000; n++) {
        long base = live;
        arm(n);
        const char *why = NULL;
        char *s = url_remote_name(url, &why);
        bool hit = calls >= n;
        arm(0);
        CHECK(live == base);
        CHECK(hit ? s == NULL : s != NULL && strcmp(s, "name.iso") == 0);
        xfree(s);
        if (!hit)
            break;
    }
    CHECK(n > 1 && n < 1000);

    for (n = 1; n < 1000; n++) {
        long base = live;
        arm(n);
        bool same = url_same_origin(url, "http://example.org:8080/other");
        bool hit = calls >= n;
        arm(0);
        CHECK(live == base);
        CHECK(same == !hit);
        if (!hit)
            break;
    }
    CHECK(n > 1 && n < 1000);
}

int
main(void)
{
    mem_init(false);
    if (curl_global_init_mem(CURL_GLOBAL_DEFAULT, t_malloc, t_free, t_realloc, t_strdup,
                             t_calloc) != CURLE_OK) {
        fprintf(stderr, "test_http_edges: curl_global_init_mem failed\n");
        return 1;
    }
    test_status_line();
    test_header_is();
    test_value_checks();
    test_content_range();
    test_content_length();
    test_retry_after();
    test_urls();
    test_out_of_memory();
    curl_global_cleanup();
    return check_done("test_http_edges");
}
