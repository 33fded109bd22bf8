/*
 * parse.h - pure parsers for option values: sizes, durations, counts.
 *
 * Each returns true and stores the value, or returns false and leaves a
 * short reason in *why (a static string) for the caller's message.
 * Unit-tested in tests/unit/test_parse.c.
 */
#ifndef HAUL_PARSE_H
#define HAUL_PARSE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

/* "123", "64K", "1.5M", "2G", "1T" (1024-based; optional trailing B/iB). */
bool parse_size(const char *s, uint64_t *out, const char **why);
/* Seconds with fractions: "30", "0.5", "1.25"; optional unit ms, s, m, h.
 * At most a year; result in milliseconds. */
/* The longest duration haul takes (option values) or waits (Retry-After). */
#define DURATION_MAX_S (366 * 24 * 3600)

bool parse_duration_ms(const char *s, uint64_t *out_ms, const char **why);
/* Decimal integer in [min, max]. */
bool parse_uint(const char *s, uint64_t min, uint64_t max, uint64_t *out, const char **why);
/* "sha256:HEX" or "sha512:HEX" (case-insensitive hex).  algo: 1 = sha256,
 * 2 = sha512; digest must hold 64 bytes. */
bool parse_checksum(const char *s, int *algo, unsigned char *digest, size_t *len,
                    const char **why);

#endif
