/*
 * Unit tests of src/writeout.c: the -w/--write-out format, curl's
 * variable names filled in from a job's record, and which stream each
 * piece goes to.
 */
#include "config.h"

#include <stdint.h>
#include <string.h>

#include "check.h"
#include "writeout.h"

/* The record's strings are its own; these tests lend it literals. */

/* What the format wrote: stdout's and stderr's text, and the pieces. */
struct got {
    char out[2048], err[2048];
    size_t nout, nerr;
    int pieces, empty;
};

static void
put(void *ctx, int fd, const char *s, size_t len)
{
    struct got *g = ctx;
    char *buf = fd == 1 ? g->out : g->err;
    size_t *n = fd == 1 ? &g->nout : &g->nerr;
    g->pieces++;
    if (len == 0)
        g->empty++;
    if (*n + len < sizeof g->out) {
        memcpy(buf + *n, s, len);
        *n += len;
        buf[*n] = '\0';
    }
}

static struct got *
fmt(const char *f, const struct xfer_stats *s)
{
    static struct got g;
    memset(&g, 0, sizeof g);
    writeout_format(f, s, put, &g);
    return &g;
}

static void
test_variables(void)
{
    struct xfer_stats s = { 0 };
    s.url = (char *)"http://h/a";
    s.output = (char *)"out.bin";
    s.http_status = 200;
    s.bytes_received = 12345;
    s.start_ms = 1000;
    s.end_ms = 3250;
    s.attempts = 3;

    CHECK_STR(fmt("%{http_code}", &s)->out, "200");
    CHECK_STR(fmt("%{response_code}", &s)->out, "200");
    CHECK_STR(fmt("%{size_download}", &s)->out, "12345");
    CHECK_STR(fmt("%{url_effective}", &s)->out, "http://h/a");
    CHECK_STR(fmt("%{url}", &s)->out, "http://h/a");
    CHECK_STR(fmt("%{time_total}", &s)->out, "2.250000");
    CHECK_STR(fmt("%{filename_effective}", &s)->out, "out.bin");
    CHECK_STR(fmt("%{exitcode}", &s)->out, "0");
    CHECK_STR(fmt("%{errormsg}", &s)->out, "");
    CHECK_STR(fmt("%{num_retries}", &s)->out, "2");
    /* After redirects, the URL they led to. */
    s.final_url = (char *)"http://h/b";
    CHECK_STR(fmt("%{url_effective} %{url}", &s)->out, "http://h/b http://h/a");
    /* No answer: three zeros, as curl; stdout: no file name. */
    s.http_status = 0;
    s.output = (char *)"-";
    CHECK_STR(fmt("[%{http_code}][%{filename_effective}]", &s)->out, "[000][]");
    s.exit_code = 7;
    s.message = (char *)"connection refused";
    CHECK_STR(fmt("%{exitcode}: %{errormsg}", &s)->out, "7: connection refused");
}

static void
test_json(void)
{
    struct xfer_stats s = { 0 };
    s.url = (char *)"http://h/\"q\"";
    s.output = (char *)"-";
    s.http_status = 404;
    s.bytes_received = 6;
    s.start_ms = 0;
    s.end_ms = 500;
    s.attempts = 1;
    s.exit_code = 5;
    s.message = (char *)"server answered HTTP 404";
    CHECK_STR(fmt("%{json}", &s)->out,
              "{\"http_code\":404,\"response_code\":404,\"size_download\":6,"
              "\"url_effective\":\"http://h/\\\"q\\\"\",\"url\":\"http://h/\\\"q\\\"\","
              "\"time_total\":0.5,\"filename_effective\":null,\"exitcode\":5,"
              "\"errormsg\":\"server answered HTTP 404\",\"num_retries\":0}");
}

static void
test_syntax(void)
{
    struct xfer_stats s = { 0 };
    s.http_status = 206;
    struct got *g;

    /* Escapes, %%, text that only looks like a variable. */
    CHECK_STR(fmt("a\\tb\\nc\\rd\\\\e", &s)->out, "a\tb\nc\rd\\e");
    CHECK_STR(fmt("100%% %{http_code}%%\\q", &s)->out, "100% 206%\\q");
    CHECK_STR(fmt("%%{http_code}", &s)->out, "%{http_code}");
    CHECK_STR(fmt("50% done, {x} %", &s)->out, "50% done, {x} %");
    CHECK_STR(fmt("trailing \\", &s)->out, "trailing \\");
    /* %{stderr} and %{stdout} switch streams, as in curl. */
    g = fmt("a%{stderr}b%{http_code}%{stdout}c\\n", &s);
    CHECK_STR(g->out, "ac\n");
    CHECK_STR(g->err, "b206");
    CHECK(g->empty == 0);
    CHECK(fmt("", &s)->pieces == 0);
}

static void
test_check(void)
{
    CHECK(writeout_check("") == NULL);
    CHECK(writeout_check("%{http_code} %{json}%{stderr}%{stdout}\\n") == NULL);
    CHECK(writeout_check("%%{nonsense}") == NULL);
    CHECK(writeout_check("100%") == NULL);
    CHECK_STR(writeout_check("%{http_code} %{speed_download}"),
              "unknown variable %{speed_download}");
    CHECK_STR(writeout_check("%{http_code"), "a %{ without its }");
    CHECK_STR(writeout_check("%%%{x}"), "unknown variable %{x}");
}

int
main(void)
{
    test_variables();
    test_json();
    test_syntax();
    test_check();
    return check_done("test_writeout");
}
