/*
 * The fast paths of src/http.c against libcurl, which they stand in for:
 * every URL url_simple() accepts must be one libcurl gives back unchanged,
 * with the same host, port and path, so url_problem(), url_redacted(),
 * url_remote_name() and url_host_key() answer as libcurl's parse would; and
 * http_date() must read every IMF-fixdate as curl_getdate() does.  The URLs
 * are the cross product of awkward parts (numeric hosts libcurl rewrites,
 * empty labels, ports with leading zeros, dot segments, escapes, queries),
 * the dates one every 7 hours and 13 seconds from 1970 to 2100 plus broken
 * ones.
 */
#include "config.h"

#include <stdlib.h>
#include <time.h>

#include <curl/curl.h>

#include "check.h"
#include "http.h"
#include "mem.h"

static const char *const schemes[] = { "http://", "https://", "HTTP://", "ftp://", "http:/" };
static const char *const hosts[] = {
    "example.org", "Example.org", "127.0.0.1", "127.1", "0x7f000001", "0177.0.0.1",
    "1.2.3.4.5", "256.1.1.1", "01.2.3.4", "10.0.0.255", "a..b", "a.", ".a", "xn--d1a.com",
    "h-", "-h", "host_1", "9host.example", "user:pw@h", "",
};
static const char *const ports[] = { "", ":80", ":443", ":0", ":08", ":65535", ":65536", ":8080", ":" };
static const char *const paths[] = {
    "", "/", "/a", "/a/./b", "/a/../b", "/.", "/..", "/a/.", "/a/..", "/a%20b", "/a?q=1",
    "/a#f", "/A~_-.x", "//x", "/a/.hidden", "/a/..b", "/a/b.", "/dir/", "/-", "/a b", "/a\\b",
};

/* What libcurl makes of url: 0 when it takes it, with its URL, host, port
 * (the scheme's default when none is given) and path. */
static int
curl_parts(const char *url, char **full, char **host, char **port, char **path)
{
    CURLU *u = curl_url();
    int bad = curl_url_set(u, CURLUPART_URL, url, 0) != CURLUE_OK ||
              curl_url_get(u, CURLUPART_URL, full, 0) != CURLUE_OK ||
              curl_url_get(u, CURLUPART_HOST, host, 0) != CURLUE_OK ||
              curl_url_get(u, CURLUPART_PORT, port, CURLU_DEFAULT_PORT) != CURLUE_OK ||
              curl_url_get(u, CURLUPART_PATH, path, 0) != CURLUE_OK;
    curl_url_cleanup(u);
    return bad;
}

static void
check_url(const char *url, unsigned *simple)
{
    struct url_parts p;
    if (!url_simple(url, &p))
        return;
    (*simple)++;
    char *full = NULL, *host = NULL, *port = NULL, *path = NULL;
    int bad = curl_parts(url, &full, &host, &port, &path);
    CHECK(bad == 0);
    if (bad == 0) {
        char mine[300];
        snprintf(mine, sizeof mine, "%.*s", (int)p.host_len, p.host);
        if (strcmp(full, url) != 0 || strcmp(host, mine) != 0 || strcmp(path, p.path) != 0 ||
            strtoul(port, NULL, 10) != p.port)
            fprintf(stderr, "url_simple(\"%s\") disagrees with libcurl: %s %s %s %s\n", url,
                    full, host, port, path);
        CHECK_STR(full, url);
        CHECK_STR(host, mine);
        CHECK_STR(path, p.path);
        CHECK_U64(strtoul(port, NULL, 10), p.port);
        CHECK(url_problem(url) == NULL);
        char *key = url_host_key(url), *want = xasprintf("%s:%s", host, port);
        CHECK_STR(key, want);
        xfree(key);
        xfree(want);
        char *red = url_redacted(url);
        CHECK_STR(red, url);
        xfree(red);
    }
    curl_free(full);
    curl_free(host);
    curl_free(port);
    curl_free(path);
}

static void
test_urls(void)
{
    unsigned n = 0, simple = 0;
    char url[400];
#define N(a) (sizeof(a) / sizeof((a)[0]))
    for (size_t s = 0; s < N(schemes); s++)
        for (size_t h = 0; h < N(hosts); h++)
            for (size_t p = 0; p < N(ports); p++)
                for (size_t q = 0; q < N(paths); q++) {
                    snprintf(url, sizeof url, "%s%s%s%s", schemes[s], hosts[h], ports[p], paths[q]);
                    check_url(url, &simple);
                    n++;
                }
#undef N
    /* The common forms must take the fast path, or it buys nothing. */
    struct url_parts p;
    CHECK(url_simple("http://127.0.0.1:8080/small/f00001", &p));
    CHECK(url_simple("https://cdn.example.org/a/b-c_d~e.tar.gz", &p));
    CHECK(!url_simple("http://127.1/x", &p));          /* libcurl writes 127.0.0.1 */
    CHECK(!url_simple("http://0x7f000001/x", &p));
    CHECK(!url_simple("http://Example.org/x", &p));    /* libcurl keeps the case; key lowers */
    CHECK(simple > 100 && simple < n);
    const char *why = NULL;
    char *name = url_remote_name("http://h.example/dir/file.iso", &why);
    CHECK_STR(name, "file.iso");
    xfree(name);
    CHECK(url_remote_name("http://h.example/dir/", &why) == NULL);
    CHECK(url_remote_name("http://h.example/x/-", &why) == NULL);
    char *key = url_host_key("https://h.example/x");
    CHECK_STR(key, "h.example:443");
    xfree(key);
}

static void
check_date(const char *s)
{
    time_t mine = http_date(s), theirs = curl_getdate(s, NULL);
    if (mine != theirs)
        fprintf(stderr, "http_date(\"%s\") = %lld, curl_getdate: %lld\n", s, (long long)mine,
                (long long)theirs);
    CHECK(mine == theirs);
}

static void
test_dates(void)
{
    char buf[64];
    /* 1970 to 2100, every 7 h 13 s: all weekdays, months, leap days. */
    for (int64_t t = 0; t < INT64_C(4102444800); t += 7 * 3600 + 13) {
        time_t tt = (time_t)t;
        struct tm tm;
        gmtime_r(&tt, &tm);
        strftime(buf, sizeof buf, "%a, %d %b %Y %H:%M:%S GMT", &tm);
        time_t got = http_date(buf);
        if (got != tt) {
            CHECK(got == tt);
            fprintf(stderr, "http_date(\"%s\") = %lld, not %lld\n", buf, (long long)got,
                    (long long)t);
            break;
        }
    }
    CHECK(http_date("Sun, 06 Nov 1994 08:49:37 GMT") == 784111777);
    static const char *const odd[] = {
        "Xyz, 06 Nov 1994 08:49:37 GMT", "Sun, 06 Foo 1994 08:49:37 GMT",
        "Sun, 30 Feb 2020 08:49:37 GMT", "Sat, 29 Feb 2020 08:49:37 GMT",
        "Sun, 29 Feb 2021 08:49:37 GMT", "Sun, 31 Apr 2020 08:49:37 GMT",
        "Sun, 06 Nov 1994 08:49:60 GMT", "Sun, 06 Nov 1994 24:00:00 GMT",
        "Sun, 00 Nov 1994 08:49:37 GMT", "Sun, 06 Nov 1969 08:49:37 GMT",
        "Sun, 06 Nov 1994 08:49:37 UTC", "Sun, 06 Nov 1994 08:49:37 GMT ",
        "Sunday, 06-Nov-94 08:49:37 GMT", "Sun Nov  6 08:49:37 1994", "Sun, 6 Nov 1994 08:49:37 GMT",
        "Sun, 06 nov 1994 08:49:37 GMT", "sun, 06 Nov 1994 08:49:37 GMT", "",
    };
    for (size_t i = 0; i < sizeof odd / sizeof odd[0]; i++)
        check_date(odd[i]);
}

int
main(void)
{
    curl_global_init(CURL_GLOBAL_DEFAULT);
    test_urls();
    test_dates();
    curl_global_cleanup();
    return check_done("test_http_fast");
}
