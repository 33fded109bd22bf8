/*
 * util.h - small pure helpers shared by the parsers: numbers with K/M/G
 * suffixes, percent-decoding, HTTP dates and base64.  None of them keeps
 * state; the ones that return strings return malloc'ed memory the caller
 * frees.
 */
#ifndef TESTSRV_UTIL_H
#define TESTSRV_UTIL_H

#include <stddef.h>
#include <stdint.h>
#include <time.h>

/* Parses a decimal uint64 (no sign, no spaces).  Returns 0 or -1. */
int util_parse_u64(const char *s, uint64_t *out);

/* Like util_parse_u64 with an optional K, M or G suffix (1024-based). */
int util_parse_size(const char *s, uint64_t *out);

/* Percent-decodes `len` bytes of s into a new NUL-terminated string.
 * Returns NULL on a bad escape, an embedded NUL or out of memory. */
char *util_pct_decode(const char *s, size_t len);

/* Formats t as an IMF-fixdate ("Sun, 06 Nov 1994 08:49:37 GMT") into
 * out, which must hold 30 bytes. */
void util_http_date(time_t t, char out[30]);

/* Base64 (RFC 4648, padded) of len bytes of in; malloc'ed, NULL on OOM. */
char *util_base64(const char *in, size_t len);

/* ASCII case-insensitive comparisons. */
int util_strcaseeq(const char *a, const char *b);
int util_strncaseeq(const char *a, const char *b, size_t n);

/*
 * A growing string for building response heads.  Any allocation failure
 * sets oom and makes later calls no-ops, so callers check once at the end.
 * s is owned by the strbuf until taken; free it with free().
 */
struct strbuf {
	char *s;
	size_t len, cap;
	int oom;
};

void sb_addf(struct strbuf *sb, const char *fmt, ...)
	__attribute__((format(printf, 2, 3)));

#endif
