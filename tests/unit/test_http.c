/* Unit tests of src/http.c: header and URL helpers. */
#include "config.h"

#include <stdlib.h>

#include "check.h"
#include "http.h"
#include "mem.h"

static bool
cr(const char *s, struct content_range *r)
{
    return http_content_range(s, strlen(s), r);
}

int
main(void)
{
    struct content_range r;
    const char *v;
    size_t vlen;
    uint64_t n;
    char *s;

    mem_init(false);

    CHECK(http_status_line("HTTP/1.1 206 Partial Content\r\n", 30) == 206);
    CHECK(http_status_line("HTTP/2 200 \r\n", 13) == 200);
    CHECK(http_status_line("HTTP/1.0 404\r\n", 14) == 404);
    CHECK(http_status_line("HTTP/1.1 20\r\n", 13) == -1);
    CHECK(http_status_line("Content-Length: 5\r\n", 19) == -1);
    CHECK(http_status_line("HTTP/1.1 2000 x\r\n", 17) == -1);

    const char *h = "Content-Range:  bytes 0-9/10 \r\n";
    CHECK(http_header_is(h, strlen(h), "content-range", &v, &vlen) && vlen == 12 &&
          strncmp(v, "bytes 0-9/10", 12) == 0);
    CHECK(!http_header_is(h, strlen(h), "content-rang", &v, &vlen));
    CHECK(!http_header_is(h, strlen(h), "content-length", &v, &vlen));

    CHECK(cr("bytes 0-9/10", &r) && r.first == 0 && r.last == 9 && r.total_known && r.total == 10);
    CHECK(cr("bytes 100-199/*", &r) && r.first == 100 && r.last == 199 && !r.total_known);
    CHECK(cr("bytes */1000", &r) && r.unsatisfied && r.total == 1000);
    CHECK(cr("bytes 5000000000-5000000099/6442450944", &r) && r.first == UINT64_C(5000000000));
    CHECK(cr("bytes 5-9223372036854775806/*", &r) && r.last == UINT64_C(9223372036854775806));
    CHECK(!cr("bytes 9-0/10", &r));          /* last before first */
    CHECK(!cr("bytes 0-10/10", &r));         /* past the end */
    CHECK(!cr("bytes */*", &r));
    CHECK(!cr("items 0-9/10", &r));
    CHECK(!cr("bytes 0-9/10x", &r));
    CHECK(!cr("bytes -9/10", &r));
    CHECK(!cr("bytes 0-99999999999999999999/*", &r));

    CHECK(http_content_length("12345", 5, &n) && n == 12345);
    CHECK(!http_content_length("12a", 3, &n));
    CHECK(!http_content_length("", 0, &n));
    CHECK(!http_content_length("-1", 2, &n));

    CHECK(http_etag_is_strong("\"abc\""));
    CHECK(!http_etag_is_strong("W/\"abc\""));
    CHECK(!http_etag_is_strong("abc"));
    CHECK(!http_etag_is_strong("\""));

    CHECK(http_date("Sun, 06 Nov 1994 08:49:37 GMT") == 784111777);
    CHECK(http_date("garbage") == -1);
    CHECK(http_retry_after_ms("120", 0) == 120000);
    CHECK(http_retry_after_ms(" 3", 0) == 3000);
    CHECK(http_retry_after_ms("Sun, 06 Nov 1994 08:49:37 GMT", 784111770) == 7000);
    CHECK(http_retry_after_ms("Sun, 06 Nov 1994 08:49:37 GMT", 784111800) == 0);
    /* A date in a billion years: at most a year, no overflow (fuzz_head). */
    CHECK(http_retry_after_ms("Wed, 14 Nov 2023555550", 1700000000) ==
          (int64_t)366 * 24 * 3600 * 1000);
    CHECK(http_retry_after_ms("Wed, 15 Nov 2023 00:00:00 GMT", 1700000000) == 6400000);
    CHECK(http_retry_after_ms("soon", 0) == -1);
    CHECK(http_retry_after_ms("3 s", 0) == -1);

    CHECK(url_problem("http://example.org/x") == NULL);
    CHECK(url_problem("https://example.org:8443/x?y#z") == NULL);
    CHECK(url_problem("ftp://example.org/x") != NULL);
    CHECK(url_problem("file:///etc/passwd") != NULL);
    CHECK(url_problem("example.org/x") != NULL);
    CHECK(url_problem("http://") != NULL);
    CHECK(url_problem("http://exa mple.org/") != NULL);
    CHECK(url_problem("") != NULL);

    s = url_redacted("https://user:secret@example.org/a?b");
    CHECK_STR(s, "https://example.org/a?b");
    xfree(s);
    s = url_redacted("http://example.org/plain");
    CHECK_STR(s, "http://example.org/plain");
    xfree(s);
    s = url_redacted("weird://u:p@host/x");
    CHECK(s != NULL && strstr(s, "u:p") == NULL);
    xfree(s);
    /* Not a URL for libcurl (a space), and an '@' in the password: the
     * whole "user:pass@" goes, not what precedes the first '@'. */
    s = url_redacted("http://user:p@ss word@example.org/f");
    CHECK_STR(s, "http://example.org/f");
    xfree(s);
    s = url_redacted("http://\x1aseet@exa]ple.o%g:1eet@e8");
    CHECK_STR(s, "http://e8");
    xfree(s);
    /* libcurl reads "http:///u:p@h" as user u, password p, host h: what
     * is left after a cut is cut again. */
    s = url_redacted("http://\x1aseet@exa:@/g:1eet@e8");
    CHECK_STR(s, "http:///e8");
    xfree(s);
    /* A backslash does not end libcurl's authority. */
    s = url_redacted("http://\x1aseet@exa\\ple.o%g:e1et@e");
    CHECK_STR(s, "http://e");
    xfree(s);
    s = url_redacted("http:\\\\u:p@h x/f");
    CHECK_STR(s, "http:\\\\h x/f");
    xfree(s);

    const char *why = NULL;
    s = url_remote_name("http://h/dir/file.iso?x=1", &why);
    CHECK_STR(s, "file.iso");
    xfree(s);
    s = url_remote_name("http://h/dir/a%20b.txt", &why);
    CHECK_STR(s, "a b.txt");
    xfree(s);
    CHECK(url_remote_name("http://h/dir/", &why) == NULL);
    CHECK_STR(why, "no file name in the URL path");
    CHECK(url_remote_name("http://h/", &why) == NULL);
    CHECK(url_remote_name("http://h", &why) == NULL);
    CHECK(url_remote_name("http://h/..", &why) == NULL);
    CHECK(url_remote_name("http://h/x/%2e%2e", &why) == NULL);
    CHECK_STR(why, "no file name in the URL path");
    CHECK(url_remote_name("http://h/x/-", &why) == NULL);    /* "-" would be stdout */
    /* A '/' is blamed as such. */
    CHECK(url_remote_name("http://h/x/a%2Fb", &why) == NULL);
    CHECK_STR(why, "%2F in the last part of the URL path would put a '/' in the file name");
    s = url_remote_name("http://h/x/a%5Cb", &why);          /* a name on POSIX */
    CHECK_STR(s, "a\\b");
    xfree(s);
    /* Control characters and bytes that are not UTF-8 stay encoded, as
     * written; UTF-8 is decoded. */
    s = url_remote_name("http://h/x/%00", &why);
    CHECK_STR(s, "%00");
    xfree(s);
    s = url_remote_name("http://h/a%1b%5D0%3Bt%07b%FFc%C3%A9%c2%9B", &why);
    CHECK_STR(s, "a%1b]0;t%07b%FFc\xC3\xA9%c2%9B");
    xfree(s);
    s = url_remote_name("http://h/a\xFF\xC3\xA9", &why);       /* raw bytes */
    CHECK_STR(s, "a%FF\xC3\xA9");
    xfree(s);

    /* A URL shown or stored: no control character, no byte that is not
     * UTF-8, whatever libcurl made of it. */
    s = url_redacted("http://u:p@h/a\xFF\xC3\xA9");
    CHECK_STR(s, "http://h/a%FF\xC3\xA9");
    xfree(s);
    s = url_redacted("http://h/\x1b]0;t\x07");
    CHECK_STR(s, "http://h/%1B]0;t%07");
    xfree(s);

    s = url_host_key("http://Example.ORG/x");
    CHECK_STR(s, "example.org:80");
    xfree(s);
    s = url_host_key("https://example.org:8443/x");
    CHECK_STR(s, "example.org:8443");
    xfree(s);

    /* -J: Content-Disposition names, under the rules of -O. */
    static const struct { const char *value, *name; } cd[] = {
        { "attachment; filename=report.pdf", "report.pdf" },
        { "attachment; filename=\"a b.txt\"", "a b.txt" },
        { "attachment;filename=\"q\\\"x.txt\"; size=3", "q\"x.txt" },
        { "inline; FILENAME = plain.txt ; x=1", "plain.txt" },
        { "attachment; filename=\"x;y.txt\"; a=b", "x;y.txt" },
        /* filename* wins, in either order */
        { "attachment; filename*=UTF-8''%E2%82%AC%20rates.txt; filename=\"rates.txt\"",
          "\xE2\x82\xAC rates.txt" },
        { "attachment; filename=\"rates.txt\"; filename*=utf-8'en'%C3%A9.txt", "\xC3\xA9.txt" },
        /* another charset: the plain name */
        { "attachment; filename*=ISO-8859-1''%E9.txt; filename=e.txt", "e.txt" },
        /* no path: only the last component */
        { "attachment; filename=\"../../etc/passwd\"", "passwd" },
        { "attachment; filename=\"C:\\\\Windows\\\\evil.exe\"", "evil.exe" },
        { "attachment; filename*=UTF-8''..%2F..%2Fx.sh", "x.sh" },
        { "attachment; filename*=UTF-8''a%5Cb", "b" },
        /* control characters and bytes that are not UTF-8: %HH */
        { "attachment; filename=\"a\x1b[31mb\"", "a%1B[31mb" },
        { "attachment; filename*=UTF-8''x%0Ay", "x%0Ay" },
        { "attachment; filename=\"\xFFz\"", "%FFz" },
        { "attachment; filename=\"100%.txt\"", "100%.txt" },
    };
    for (size_t i = 0; i < sizeof cd / sizeof *cd; i++) {
        s = http_disposition_name(cd[i].value, &why);
        CHECK_STR(s, cd[i].name);
        xfree(s);
    }
    static const char *const noname[] = {
        "attachment", "attachment; filename=", "attachment; filename=\"..\"",
        "attachment; filename=\"a/\"", "attachment; filename=-", "inline; name=x",
        "attachment; filename*=UTF-8''%2E%2E",
    };
    for (size_t i = 0; i < sizeof noname / sizeof *noname; i++) {
        s = http_disposition_name(noname[i], &why);
        CHECK(s == NULL && why != NULL);
        xfree(s);
    }
    return check_done("test_http");
}
