/*
 * head.c - response header lines; see head.h.
 */
#include "config.h"

#include <string.h>
#include <strings.h>

#include "head.h"
#include "http.h"

void
head_reset(struct head *h, int status)
{
    memset(h, 0, sizeof *h);
    h->got.status = status;
    h->retry_after_ms = -1;
    h->date = -1;
}

/* An unusable validator is none (http_validator_usable; control
 * characters found by tests/fuzz/fuzz_head). */
static void
copy_validator(char *dst, size_t cap, const char *v, size_t len)
{
    if (!http_validator_usable(v, len, cap))
        len = 0;
    memcpy(dst, v, len);
    dst[len] = '\0';
}

static void
copy_value(char *dst, size_t cap, const char *v, size_t len)
{
    if (len >= cap)
        len = cap - 1;
    memcpy(dst, v, len);
    dst[len] = '\0';
}

enum head_event
head_line(struct head *h, const char *line, size_t len, time_t now)
{
    const char *v;
    size_t vlen;
    char tmp[VALIDATOR_MAX];

    int status = http_status_line(line, len);
    if (status >= 0) {
        head_reset(h, status);
        return HEAD_STATUS;
    }
    if (len > 0 && len <= 2 && (line[0] == '\r' || line[0] == '\n'))
        return HEAD_END;

    if (http_header_is(line, len, "location", &v, &vlen)) {
        h->has_location = true;
    } else if (http_header_is(line, len, "content-range", &v, &vlen)) {
        h->got.has_range = http_content_range(v, vlen, &h->got.range);
    } else if (http_header_is(line, len, "content-length", &v, &vlen)) {
        /* libcurl reads "1e3" as 1 and ignores lengths over 2^63-1. */
        uint64_t n = 0;
        if (!http_content_length(v, vlen, &n) || n > INT64_MAX ||
            (h->got.has_length && n != h->got.length))
            h->got.bad_length = true;
        h->got.has_length = !h->got.bad_length;
        h->got.length = n;
    } else if (http_header_is(line, len, "etag", &v, &vlen)) {
        copy_validator(h->got.etag, sizeof h->got.etag, v, vlen);
    } else if (http_header_is(line, len, "last-modified", &v, &vlen)) {
        copy_validator(h->got.last_modified, sizeof h->got.last_modified, v, vlen);
    } else if (http_header_is(line, len, "transfer-encoding", &v, &vlen)) {
        copy_value(tmp, sizeof tmp, v, vlen);
        if (strcasestr(tmp, "chunked") != NULL)
            h->chunked = true;
    } else if (http_header_is(line, len, "content-encoding", &v, &vlen)) {
        copy_value(tmp, sizeof tmp, v, vlen);
        if (strcasecmp(tmp, "identity") != 0 && tmp[0] != '\0')
            h->encoded = true;
    } else if (http_header_is(line, len, "accept-ranges", &v, &vlen)) {
        copy_value(tmp, sizeof tmp, v, vlen);
        h->accept_ranges = strcasecmp(tmp, "bytes") == 0;
    } else if (http_header_is(line, len, "retry-after", &v, &vlen)) {
        copy_value(tmp, sizeof tmp, v, vlen);
        h->retry_after_ms = http_retry_after_ms(tmp, now);
    } else if (http_header_is(line, len, "date", &v, &vlen)) {
        copy_value(tmp, sizeof tmp, v, vlen);
        h->date = http_date(tmp);
    } else if (http_header_is(line, len, "content-type", &v, &vlen)) {
        copy_value(h->content_type, sizeof h->content_type, v, vlen);
    } else if (http_header_is(line, len, "content-disposition", &v, &vlen)) {
        /* A name cut short would be another name: none then. */
        copy_value(h->disposition, sizeof h->disposition, v, vlen < sizeof h->disposition ? vlen : 0);
    }
    return HEAD_FIELD;
}

bool
head_final(struct head *h)
{
    int st = h->got.status;
    /* Not the final response: 1xx, or a redirect libcurl will follow. */
    if (st < 200 || ((st == 301 || st == 302 || st == 303 || st == 307 || st == 308) &&
                     h->has_location))
        return false;
    if (h->encoded) {
        h->got.has_length = false;
        if (h->got.has_range)
            h->got.range.total_known = false;
    }
    return true;
}
