/*
 * parse.c - option value parsers; see parse.h.
 */
#include "config.h"

#include <ctype.h>
#include <string.h>
#include <strings.h>

#include "parse.h"

/*
 * Reads "digits[.digits]" as a fixed-point number scaled by 10^9, so that
 * "0.5" seconds and "1.5M" are exact without floating point.
 */
static bool
parse_decimal(const char **sp, uint64_t *whole, uint64_t *nano, const char **why)
{
    const char *s = *sp;
    uint64_t w = 0, n = 0, scale = 100000000;
    bool digits = false;

    while (isdigit((unsigned char)*s)) {
        if (w > (UINT64_MAX - 9) / 10) {
            *why = "too large";
            return false;
        }
        w = w * 10 + (uint64_t)(*s - '0');
        s++;
        digits = true;
    }
    if (*s == '.') {
        s++;
        while (isdigit((unsigned char)*s)) {
            n += (uint64_t)(*s - '0') * scale;
            scale /= 10;
            s++;
            digits = true;
        }
    }
    if (!digits) {
        *why = "not a number";
        return false;
    }
    *whole = w;
    *nano = n;
    *sp = s;
    return true;
}

bool
parse_size(const char *s, uint64_t *out, const char **why)
{
    uint64_t whole, nano, mult = 1;

    if (s == NULL || *s == '\0') {
        *why = "empty";
        return false;
    }
    if (*s == '-') {
        *why = "negative";
        return false;
    }
    if (!parse_decimal(&s, &whole, &nano, why))
        return false;
    switch (toupper((unsigned char)*s)) {
    case 'K': mult = UINT64_C(1) << 10; s++; break;
    case 'M': mult = UINT64_C(1) << 20; s++; break;
    case 'G': mult = UINT64_C(1) << 30; s++; break;
    case 'T': mult = UINT64_C(1) << 40; s++; break;
    default: break;
    }
    if (mult > 1 && (s[0] == 'i' || s[0] == 'I') && (s[1] == 'B' || s[1] == 'b'))
        s += 2;
    else if (*s == 'B' || *s == 'b')
        s++;
    if (*s != '\0') {
        *why = "unknown unit (use K, M, G or T)";
        return false;
    }
    if (whole > UINT64_MAX / mult) {
        *why = "too large";
        return false;
    }
    /* nano * mult / 1e9 without overflow: mult <= 2^40, nano < 1e9 */
    uint64_t frac = (uint64_t)((unsigned __int128)nano * mult / 1000000000u);
    if (nano != 0 && mult == 1) {
        *why = "a byte count must be whole";
        return false;
    }
    /* Cannot happen while every unit is a power of two: then whole * mult
     * is at most 2^64 - mult and frac < mult.  Kept for a unit that is not. */
    if (whole * mult > UINT64_MAX - frac) {
        *why = "too large";
        return false;
    }
    *out = whole * mult + frac;
    return true;
}

bool
parse_duration_ms(const char *s, uint64_t *out_ms, const char **why)
{
    uint64_t whole, nano, unit_ms = 1000;
    const uint64_t max_ms = (uint64_t)DURATION_MAX_S * 1000;

    if (s == NULL || *s == '\0') {
        *why = "empty";
        return false;
    }
    if (*s == '-') {
        *why = "negative";
        return false;
    }
    if (!parse_decimal(&s, &whole, &nano, why))
        return false;
    if (strcmp(s, "ms") == 0)
        unit_ms = 1;
    else if (strcmp(s, "s") == 0 || *s == '\0')
        unit_ms = 1000;
    else if (strcmp(s, "m") == 0 || strcmp(s, "min") == 0)
        unit_ms = 60 * 1000;
    else if (strcmp(s, "h") == 0)
        unit_ms = 3600 * 1000;
    else {
        *why = "unknown unit (use ms, s, m or h)";
        return false;
    }
    if (whole > max_ms / unit_ms) {
        *why = "too large (at most a year)";
        return false;
    }
    uint64_t ms = whole * unit_ms + nano / 1000000 * unit_ms / 1000;
    if (ms > max_ms) {
        *why = "too large (at most a year)";
        return false;
    }
    *out_ms = ms;
    return true;
}

bool
parse_uint(const char *s, uint64_t min, uint64_t max, uint64_t *out, const char **why)
{
    uint64_t v = 0;

    if (s == NULL || *s == '\0') {
        *why = "empty";
        return false;
    }
    if (*s == '-') {
        *why = "negative";
        return false;
    }
    for (; *s != '\0'; s++) {
        if (!isdigit((unsigned char)*s)) {
            *why = "not a whole number";
            return false;
        }
        if (v > (UINT64_MAX - 9) / 10) {
            *why = "too large";
            return false;
        }
        v = v * 10 + (uint64_t)(*s - '0');
    }
    if (v < min) {
        *why = "too small";
        return false;
    }
    if (v > max) {
        *why = "too large";
        return false;
    }
    *out = v;
    return true;
}

static int
hexval(int c)
{
    if (c >= '0' && c <= '9')
        return c - '0';
    c = tolower(c);
    if (c >= 'a' && c <= 'f')
        return c - 'a' + 10;
    return -1;
}

bool
parse_checksum(const char *s, int *algo, unsigned char *digest, size_t *len,
               const char **why)
{
    size_t want;
    const char *hex;

    if (strncasecmp(s, "sha256:", 7) == 0) {
        *algo = 1;
        want = 32;
        hex = s + 7;
    } else if (strncasecmp(s, "sha512:", 7) == 0) {
        *algo = 2;
        want = 64;
        hex = s + 7;
    } else {
        *why = "expected sha256:HEX or sha512:HEX";
        return false;
    }
    if (strlen(hex) != want * 2) {
        *why = want == 32 ? "a sha256 digest has 64 hex digits"
                          : "a sha512 digest has 128 hex digits";
        return false;
    }
    for (size_t i = 0; i < want; i++) {
        int hi = hexval((unsigned char)hex[2 * i]);
        int lo = hexval((unsigned char)hex[2 * i + 1]);
        if (hi < 0 || lo < 0) {
            *why = "not a hex digit";
            return false;
        }
        digest[i] = (unsigned char)(hi << 4 | lo);
    }
    *len = want;
    return true;
}
