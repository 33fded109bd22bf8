/*
 * http.h - pure helpers for HTTP response headers and URLs.
 *
 * No state, no I/O: parsing status lines, header lines, Content-Range,
 * entity tags and dates, and the URL questions haul asks (is the scheme
 * allowed, what name does -O give, what does the URL look like without its
 * credentials).  Unit-tested in tests/unit/test_http.c.
 */
#ifndef HAUL_HTTP_H
#define HAUL_HTTP_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <time.h>

/* "HTTP/1.1 206 Partial Content" or "HTTP/2 200": the status, or -1. */
int http_status_line(const char *line, size_t len);

/*
 * If the header line is "Name: value" with Name equal to `name`
 * (case-insensitive), points *value at the value without surrounding spaces
 * and CRLF, sets *vlen, and returns true.
 */
bool http_header_is(const char *line, size_t len, const char *name,
                    const char **value, size_t *vlen);

/* True when value[0..len) holds no control character (CTL but HTAB, as
 * RFC 9110 5.5 allows in a field value): no NUL, CR, LF or DEL. */
bool http_value_is_clean(const char *value, size_t len);
/* Whether an ETag or Last-Modified value can be kept in `cap` bytes (its
 * NUL included) and sent back in If-Range: one too long to keep whole, or
 * with a control character, is no validator (a truncated or cut ETag could
 * match another version's; a bare CR would start a header of its own). */
bool http_validator_usable(const char *value, size_t len, size_t cap);

/* Content-Range: "bytes A-B/T", "bytes A-B/(asterisk)" or "bytes (asterisk)/T". */
struct content_range {
    bool unsatisfied;     /* "bytes * /T" form, as sent with 416 */
    uint64_t first, last; /* inclusive; valid when !unsatisfied */
    bool total_known;
    uint64_t total;
};
bool http_content_range(const char *value, size_t len, struct content_range *out);

/* Decimal Content-Length (no sign, no spaces inside). */
bool http_content_length(const char *value, size_t len, uint64_t *out);

/* An entity tag is strong when it does not start with W/ and is quoted. */
bool http_etag_is_strong(const char *etag);

/* HTTP-date to time_t; -1 when unparseable. */
time_t http_date(const char *value);

/*
 * Retry-After: delay-seconds or an HTTP-date, relative to `now`.  Returns the
 * delay in milliseconds, or -1 when unparseable.  A date in the past is 0.
 */
int64_t http_retry_after_ms(const char *value, time_t now);

/* URL checks.  Return values are allocated with xmalloc. */

/* NULL when the URL is an absolute http or https URL with a host;
 * otherwise a static reason. */
/* The parts of a URL in the form nearly every URL has, which libcurl would
 * give back unchanged: http(s)://host[:port]/path with a lower-case host
 * name or a plain dotted quad, a port without leading zeros, and a path of
 * letters, digits, "-._~/" without dot segments (no query, fragment, user,
 * %-escape).  url_simple() fills them in, or returns false for any other
 * URL (the callers then ask libcurl). */
struct url_parts {
    const char *host;     /* not terminated: host_len bytes */
    size_t host_len;
    unsigned port;        /* the scheme's default when none is given */
    const char *path;     /* to the end of the URL */
};
bool url_simple(const char *url, struct url_parts *out);

const char *url_problem(const char *url);

/* The URL with user and password removed (for messages, logs, journal),
 * with control characters and bytes that are not UTF-8 as %HH. */
char *url_redacted(const char *url);

/* Name for -O: the URL path's last segment, percent-decoded except for
 * control characters and bytes that are not UTF-8, which stay %HH (see
 * text_name_from_segment()).  NULL with a static reason in *why when it
 * gives no name: empty, ".", "..", "-", or a '/' after decoding. */
char *url_remote_name(const char *url, const char **why);

/*
 * Name for -J from a Content-Disposition value (RFC 6266): filename*
 * (UTF-8'' only, percent-encoded) wins over filename (a token or a quoted
 * string).  Only the part after the last '/' or '\' is kept; then the
 * rules of -O apply (text_name_from_segment(): control characters and
 * bytes that are not UTF-8 become %HH; "", ".", ".." and "-" are no name).
 * xmalloc'ed, or NULL with a static reason in *why.
 */
char *http_disposition_name(const char *value, const char **why);

/* "host:port" of a URL, lowercased, for the per-host limit; NULL if none. */
char *url_host_key(const char *url);

/* Whether two URLs have the same scheme, host and port (credentials given
 * for one may go to the other). */
bool url_same_origin(const char *a, const char *b);

#endif
