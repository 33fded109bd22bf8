/*
 * text.c - text from outside, made safe for terminals, JSON, URLs and file
 * names; see text.h.
 *
 * UTF-8 is checked by hand (RFC 3629 table 3-7) rather than with mbrtowc:
 * the answer must not depend on the user's locale, since the same bytes go
 * into a JSON file that another machine reads.
 */
#include "config.h"

#include <stdio.h>
#include <string.h>

#include "mem.h"
#include "text.h"

size_t
text_utf8_seq(const char *s, size_t n)
{
    const unsigned char *p = (const unsigned char *)s;
    unsigned lo = 0x80, hi = 0xBF;
    size_t need;

    if (n == 0)
        return 0;
    if (p[0] < 0x80)
        return 1;
    if (p[0] >= 0xC2 && p[0] <= 0xDF) {
        need = 2;
    } else if (p[0] >= 0xE0 && p[0] <= 0xEF) {
        need = 3;
        if (p[0] == 0xE0)
            lo = 0xA0;          /* no overlong form */
        else if (p[0] == 0xED)
            hi = 0x9F;          /* no surrogate */
    } else if (p[0] >= 0xF0 && p[0] <= 0xF4) {
        need = 4;
        if (p[0] == 0xF0)
            lo = 0x90;          /* no overlong form */
        else if (p[0] == 0xF4)
            hi = 0x8F;          /* nothing past U+10FFFF */
    } else {
        return 0;               /* a continuation byte, C0, C1, F5-FF */
    }
    if (n < need || p[1] < lo || p[1] > hi)
        return 0;
    for (size_t i = 2; i < need; i++)
        if (p[i] < 0x80 || p[i] > 0xBF)
            return 0;
    return need;
}

bool
text_is_control(const char *s, size_t len)
{
    const unsigned char *p = (const unsigned char *)s;
    if (len == 1)
        return p[0] < 0x20 || p[0] == 0x7F;
    /* U+0080 to U+009F: 8-bit CSI (U+009B) and OSC (U+009D) to a terminal
     * that honours C1 controls. */
    return len == 2 && p[0] == 0xC2 && p[1] <= 0x9F;
}

bool
text_is_clean(const char *s, size_t n)
{
    for (size_t i = 0; i < n;) {
        size_t k = text_utf8_seq(s + i, n - i);
        if (k == 0 || text_is_control(s + i, k))
            return false;
        i += k;
    }
    return true;
}

static const char hexdigits[] = "0123456789ABCDEF";

size_t
text_escape_term(const char *in, size_t len, char *out, size_t cap)
{
    size_t o = 0;

    if (cap == 0)
        return 0;
    for (size_t i = 0; i < len;) {
        size_t k = text_utf8_seq(in + i, len - i);
        if (k > 0 && !text_is_control(in + i, k)) {
            if (o + k >= cap)
                break;
            memcpy(out + o, in + i, k);
            o += k;
            i += k;
            continue;
        }
        /* One escape per byte: a control character, or a byte that is not
         * part of any character. */
        size_t n = k > 0 ? k : 1;
        if (o + 4 * n >= cap)
            break;
        for (size_t j = 0; j < n; j++) {
            unsigned char c = (unsigned char)in[i + j];
            out[o++] = '\\';
            out[o++] = 'x';
            out[o++] = hexdigits[c >> 4];
            out[o++] = hexdigits[c & 15];
        }
        i += n;
    }
    out[o] = '\0';
    return o;
}

/* Bytes of the character at s[0..n): a UTF-8 sequence, or one byte. */
static size_t
char_len(const char *s, size_t n)
{
    size_t k = text_utf8_seq(s, n);
    return k > 0 ? k : 1;
}

size_t
text_width(const char *s)
{
    size_t n = strlen(s), w = 0;
    for (size_t i = 0; i < n; i += char_len(s + i, n - i))
        w++;
    return w;
}

size_t
text_shorten_words(char *s, size_t len)
{
    size_t i = 0;

    while (i < len) {
        if (s[i] == ' ') {
            i++;
            continue;
        }
        size_t start = i, chars = 0;
        while (i < len && s[i] != ' ') {
            i += char_len(s + i, len - i);
            chars++;
        }
        if (chars <= TEXT_WORD_MAX)
            continue;
        /* [start, head) is kept, then "...", then [tail, i). */
        size_t head = start, tail = start;
        for (size_t c = 0; c < chars; c++) {
            size_t k = char_len(s + tail, i - tail);
            if (c < TEXT_WORD_HEAD)
                head += k;
            if (c < chars - TEXT_WORD_TAIL)
                tail += k;
            else
                break;
        }
        /* s is counted by len, never read as a string:
         * NOLINTNEXTLINE(bugprone-not-null-terminated-result) */
        memcpy(s + head, "...", 3);
        memmove(s + head + 3, s + tail, len - tail);
        size_t cut = tail - head - 3;
        len -= cut;
        i -= cut;
    }
    return len;
}

char *
text_utf8_repair(const char *s)
{
    if (s == NULL)
        return NULL;
    size_t n = strlen(s), need = 0;
    for (size_t i = 0; i < n;) {
        size_t k = text_utf8_seq(s + i, n - i);
        need += k > 0 ? k : 3;
        i += k > 0 ? k : 1;
    }
    char *out = xmalloc(need + 1), *o = out;
    for (size_t i = 0; i < n;) {
        size_t k = text_utf8_seq(s + i, n - i);
        if (k > 0) {
            memcpy(o, s + i, k);
            o += k;
            i += k;
        } else {
            memcpy(o, "\xEF\xBF\xBD", 3);    /* U+FFFD REPLACEMENT CHARACTER */
            o += 3;
            i++;
        }
    }
    *o = '\0';
    return out;
}

static bool
is_utf8(const char *s)
{
    size_t n = strlen(s);
    for (size_t i = 0; i < n;) {
        size_t k = text_utf8_seq(s + i, n - i);
        if (k == 0)
            return false;
        i += k;
    }
    return true;
}

cJSON *
text_json_add(cJSON *o, const char *name, const char *s)
{
    if (s == NULL || is_utf8(s))
        return cJSON_AddStringToObject(o, name, s);
    char *fixed = text_utf8_repair(s);
    cJSON *item = cJSON_AddStringToObject(o, name, fixed);
    xfree(fixed);
    return item;
}

/* Appends "%HH" for byte c at out + *o. */
static void
put_pct(char *out, size_t *o, unsigned char c)
{
    out[(*o)++] = '%';
    out[(*o)++] = hexdigits[c >> 4];
    out[(*o)++] = hexdigits[c & 15];
}

char *
text_url_clean(const char *url)
{
    size_t n = strlen(url), o = 0;
    char *out = xmalloc(3 * n + 1);

    for (size_t i = 0; i < n;) {
        size_t k = text_utf8_seq(url + i, n - i);
        if (k > 0 && !text_is_control(url + i, k)) {
            memcpy(out + o, url + i, k);
            o += k;
            i += k;
            continue;
        }
        size_t m = k > 0 ? k : 1;
        for (size_t j = 0; j < m; j++)
            put_pct(out, &o, (unsigned char)url[i + j]);
        i += m;
    }
    out[o] = '\0';
    return out;
}

static int
hexval(char c)
{
    if (c >= '0' && c <= '9')
        return c - '0';
    if (c >= 'a' && c <= 'f')
        return c - 'a' + 10;
    if (c >= 'A' && c <= 'F')
        return c - 'A' + 10;
    return -1;
}

char *
text_name_from_segment(const char *seg, size_t len, const char **why)
{
    /* dec[k] is the k-th decoded byte; from[k] where it came from in seg,
     * and whether as %HH (then seg[from[k]..+3) is its written form). */
    char *dec = xmalloc(len + 1);
    size_t *from = xmalloc((len + 1) * sizeof *from);
    bool *pct = xmalloc(len + 1);
    char *name = NULL;
    size_t n = 0;

    *why = NULL;
    for (size_t i = 0; i < len; n++) {
        int hi, lo;
        from[n] = i;
        if (seg[i] == '%' && i + 2 < len &&
            (hi = hexval(seg[i + 1])) >= 0 && (lo = hexval(seg[i + 2])) >= 0) {
            dec[n] = (char)(hi << 4 | lo);
            pct[n] = true;
            i += 3;
        } else {
            dec[n] = seg[i];
            pct[n] = false;
            i++;
        }
        if (dec[n] == '/') {
            *why = "%2F in the last part of the URL path would put a '/' in the file name";
            goto out;
        }
    }
    /* Each decoded byte takes at most 3 bytes in the name. */
    name = xmalloc(3 * n + 1);
    size_t o = 0;
    for (size_t i = 0; i < n;) {
        size_t k = text_utf8_seq(dec + i, n - i);
        if (k > 0 && !text_is_control(dec + i, k)) {
            memcpy(name + o, dec + i, k);
            o += k;
            i += k;
            continue;
        }
        size_t m = k > 0 ? k : 1;
        for (size_t j = i; j < i + m; j++) {
            if (pct[j]) {
                memcpy(name + o, seg + from[j], 3);    /* as written */
                o += 3;
            } else {
                put_pct(name, &o, (unsigned char)dec[j]);
            }
        }
        i += m;
    }
    name[o] = '\0';
    /* "-" would mean stdout. */
    if (o == 0 || strcmp(name, ".") == 0 || strcmp(name, "..") == 0 || strcmp(name, "-") == 0)
        *why = "no file name in the URL path";
    if (*why != NULL) {
        xfree(name);
        name = NULL;
    }
out:
    xfree(dec);
    xfree(from);
    xfree(pct);
    return name;
}
