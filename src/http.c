/*
 * http.c - pure HTTP and URL helpers; see http.h.
 *
 * URL parsing is libcurl's (CURLU), so haul and libcurl can never disagree
 * about what a URL means.  Only the form nearly every URL has
 * (url_simple()), which libcurl gives back unchanged, is read here without
 * it: a CURLU parse costs thousands of instructions, and a run of many
 * small files asked for four per URL (tests/unit/test_http_fast checks
 * the two ways agree).  Likewise dates: the IMF-fixdate form every server
 * sends is read here, anything else by curl_getdate().
 */
#include "config.h"

#include <ctype.h>
#include <stdio.h>
#include <string.h>
#include <strings.h>

#include <curl/curl.h>

#include "http.h"
#include "mem.h"
#include "parse.h"
#include "text.h"

int
http_status_line(const char *line, size_t len)
{
    size_t i = 0;
    int status = 0;

    if (len < 5 || strncmp(line, "HTTP/", 5) != 0)
        return -1;
    i = 5;
    while (i < len && line[i] != ' ')
        i++;
    while (i < len && line[i] == ' ')
        i++;
    if (i + 3 > len)
        return -1;
    for (int k = 0; k < 3; k++) {
        if (!isdigit((unsigned char)line[i + (size_t)k]))
            return -1;
        status = status * 10 + (line[i + (size_t)k] - '0');
    }
    if (i + 3 < len && line[i + 3] != ' ' && line[i + 3] != '\r' && line[i + 3] != '\n')
        return -1;
    return status;
}

bool
http_header_is(const char *line, size_t len, const char *name,
               const char **value, size_t *vlen)
{
    size_t n = strlen(name);

    if (len <= n || line[n] != ':' || strncasecmp(line, name, n) != 0)
        return false;
    const char *v = line + n + 1;
    const char *end = line + len;
    while (v < end && (*v == ' ' || *v == '\t'))
        v++;
    while (end > v && (end[-1] == '\r' || end[-1] == '\n' || end[-1] == ' ' ||
                       end[-1] == '\t'))
        end--;
    *value = v;
    *vlen = (size_t)(end - v);
    return true;
}

bool
http_value_is_clean(const char *value, size_t len)
{
    for (size_t i = 0; i < len; i++) {
        unsigned char c = (unsigned char)value[i];
        if ((c < 0x20 && c != '\t') || c == 0x7f)
            return false;
    }
    return true;
}

bool
http_validator_usable(const char *value, size_t len, size_t cap)
{
    return len < cap && http_value_is_clean(value, len);
}

/* Reads a decimal uint64 at *p (not past end); false on none or overflow. */
static bool
read_u64(const char **p, const char *end, uint64_t *out)
{
    uint64_t v = 0;
    const char *s = *p;

    if (s >= end || !isdigit((unsigned char)*s))
        return false;
    while (s < end && isdigit((unsigned char)*s)) {
        unsigned d = (unsigned)(*s - '0');
        if (v > (UINT64_MAX - d) / 10)
            return false;
        v = v * 10 + d;
        s++;
    }
    *p = s;
    *out = v;
    return true;
}

bool
http_content_range(const char *value, size_t len, struct content_range *out)
{
    const char *p = value, *end = value + len;

    memset(out, 0, sizeof *out);
    if (len < 6 || strncasecmp(p, "bytes", 5) != 0)
        return false;
    p += 5;
    if (p >= end || (*p != ' ' && *p != '='))
        return false;
    while (p < end && (*p == ' ' || *p == '='))
        p++;
    if (p < end && *p == '*') {
        out->unsatisfied = true;
        p++;
    } else {
        if (!read_u64(&p, end, &out->first) || p >= end || *p != '-')
            return false;
        p++;
        if (!read_u64(&p, end, &out->last) || out->last < out->first)
            return false;
    }
    if (p >= end || *p != '/')
        return false;
    p++;
    if (p < end && *p == '*') {
        if (out->unsatisfied)
            return false;    /* "*" / "*" says nothing */
        p++;
    } else {
        if (!read_u64(&p, end, &out->total))
            return false;
        out->total_known = true;
        if (!out->unsatisfied && out->last >= out->total)
            return false;
    }
    return p == end;
}

bool
http_content_length(const char *value, size_t len, uint64_t *out)
{
    const char *p = value;
    return read_u64(&p, value + len, out) && p == value + len;
}

bool
http_etag_is_strong(const char *etag)
{
    size_t n = strlen(etag);
    return n >= 2 && etag[0] == '"' && etag[n - 1] == '"';
}

/* "Sun, 06 Nov 1994 08:49:37 GMT" (RFC 9110's IMF-fixdate), or -1. */
static time_t
imf_fixdate(const char *v)
{
    static const char wdays[] = "MonTueWedThuFriSatSun";
    static const char months[] = "JanFebMarAprMayJunJulAugSepOctNovDec";
    static const int mdays[] = { 31, 29, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31 };
    static const int digits[] = { 5, 6, 12, 13, 14, 15, 17, 18, 20, 21, 23, 24 };

    if (strlen(v) != 29 || v[3] != ',' || v[4] != ' ' || v[7] != ' ' || v[11] != ' ' ||
        v[16] != ' ' || v[19] != ':' || v[22] != ':' || v[25] != ' ' ||
        strcmp(v + 26, "GMT") != 0)
        return -1;
    for (size_t i = 0; i < sizeof digits / sizeof digits[0]; i++)
        if (v[digits[i]] < '0' || v[digits[i]] > '9')
            return -1;
#define D2(i) ((v[i] - '0') * 10 + (v[(i) + 1] - '0'))
    int day = D2(5), year = D2(12) * 100 + D2(14), hh = D2(17), mm = D2(20), ss = D2(23);
#undef D2
    int mon = 0, wday = 0;
    for (int i = 0; i < 12 && mon == 0; i++)
        if (memcmp(v + 8, months + 3 * i, 3) == 0)
            mon = i + 1;
    for (int i = 0; i < 7 && wday == 0; i++)
        if (memcmp(v, wdays + 3 * i, 3) == 0)
            wday = i + 1;
    /* Leap seconds, 29 February and anything odd: curl_getdate() decides. */
    if (mon == 0 || wday == 0 || day < 1 || day > mdays[mon - 1] || (mon == 2 && day == 29) ||
        hh > 23 || mm > 59 || ss > 59 || year < 1970)
        return -1;
    /* Days since 1970-01-01 of a proleptic Gregorian date. */
    int y = year - (mon <= 2);
    int era = y / 400, yoe = y - era * 400;
    int doy = (153 * (mon > 2 ? mon - 3 : mon + 9) + 2) / 5 + day - 1;
    int doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
    int64_t days = (int64_t)era * 146097 + doe - 719468;
    int64_t t = days * 86400 + hh * 3600 + mm * 60 + ss;
    if ((int64_t)(time_t)t != t)
        return -1;
    return (time_t)t;
}

time_t
http_date(const char *value)
{
    time_t t = imf_fixdate(value);
    return t != -1 ? t : curl_getdate(value, NULL);
}

int64_t
http_retry_after_ms(const char *value, time_t now)
{
    const char *p = value;
    uint64_t secs;

    while (*p == ' ')
        p++;
    if (read_u64(&p, p + strlen(p), &secs)) {
        while (*p == ' ')
            p++;
        if (*p != '\0')
            return -1;
        if (secs > DURATION_MAX_S)
            secs = DURATION_MAX_S;
        return (int64_t)secs * 1000;
    }
    time_t when = curl_getdate(value, NULL);
    if (when == -1)
        return -1;
    if (when <= now)
        return 0;
    /* At most a year, as for delay-seconds: a date in a billion years
     * overflowed the multiplication (found by tests/fuzz/fuzz_head). */
    if (when - now > DURATION_MAX_S)
        return (int64_t)DURATION_MAX_S * 1000;
    return (int64_t)(when - now) * 1000;
}

/* A host libcurl keeps as it is: lower-case letters, digits, '-' and
 * non-empty labels, not starting with a digit (libcurl rewrites numeric
 * forms such as 127.1 or 0x7f000001) unless it is a dotted quad that needs
 * no rewriting. */
static bool
simple_host(const char *h, size_t n)
{
    if (n == 0 || h[0] == '.' || h[n - 1] == '.')
        return false;
    for (size_t i = 0; i < n; i++) {
        char c = h[i];
        if (!((c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '-' || c == '.'))
            return false;
        if (c == '.' && h[i + 1] == '.')
            return false;
    }
    if (h[0] < '0' || h[0] > '9')
        return true;
    unsigned parts = 0;
    for (size_t i = 0; i < n;) {
        size_t start = i;
        unsigned v = 0;
        while (i < n && h[i] >= '0' && h[i] <= '9' && i - start < 3)
            v = v * 10 + (unsigned)(h[i++] - '0');
        if (i == start || v > 255 || (h[start] == '0' && i - start > 1) ||
            (i < n && h[i] != '.'))
            return false;
        parts++;
        if (i < n)
            i++;
    }
    return parts == 4;
}

bool
url_simple(const char *url, struct url_parts *out)
{
    const char *p;
    if (strncmp(url, "http://", 7) == 0) {
        p = url + 7;
        out->port = 80;
    } else if (strncmp(url, "https://", 8) == 0) {
        p = url + 8;
        out->port = 443;
    } else {
        return false;
    }
    out->host = p;
    out->host_len = strcspn(p, ":/");
    if (!simple_host(p, out->host_len))
        return false;
    p += out->host_len;
    if (*p == ':') {
        unsigned v = 0;
        const char *d = ++p;
        while (*p >= '0' && *p <= '9' && p - d < 5)
            v = v * 10 + (unsigned)(*p++ - '0');
        if (p == d || *d == '0' || v > 65535)
            return false;
        out->port = v;
    }
    if (*p != '/')
        return false;
    out->path = p;
    for (; *p; p++) {
        char c = *p;
        if (!((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ||
              c == '-' || c == '_' || c == '~' || c == '/' || c == '.'))
            return false;
        /* Dot segments: libcurl removes them. */
        if (c == '/' && p[1] == '.' &&
            (p[2] == '/' || p[2] == '\0' || (p[2] == '.' && (p[3] == '/' || p[3] == '\0'))))
            return false;
    }
    return true;
}

const char *
url_problem(const char *url)
{
    struct url_parts parts;
    if (url_simple(url, &parts))
        return NULL;
    CURLU *u = curl_url();
    char *scheme = NULL, *host = NULL;
    const char *why = NULL;

    if (u == NULL)
        return "out of memory";
    if (strpbrk(url, " \t\r\n") != NULL) {
        why = "it contains white space";
        goto out;
    }
    if (curl_url_set(u, CURLUPART_URL, url, 0) != CURLUE_OK) {
        why = "it is not a valid URL";
        goto out;
    }
    if (curl_url_get(u, CURLUPART_SCHEME, &scheme, 0) != CURLUE_OK) {
        why = "it has no scheme (http:// or https://)";
        goto out;
    }
    if (strcasecmp(scheme, "http") != 0 && strcasecmp(scheme, "https") != 0) {
        why = "only http and https URLs are supported";
        goto out;
    }
    if (curl_url_get(u, CURLUPART_HOST, &host, 0) != CURLUE_OK || host[0] == '\0') {
        why = "it has no host";
        goto out;
    }
out:
    curl_free(scheme);
    curl_free(host);
    curl_url_cleanup(u);
    return why;
}

char *
url_redacted(const char *url)
{
    struct url_parts parts;
    if (url_simple(url, &parts))
        return xstrdup(url);    /* no user, no byte text_url_clean() changes */
    CURLU *u = curl_url();
    char *out = NULL, *s = NULL;

    if (u != NULL && curl_url_set(u, CURLUPART_URL, url, 0) == CURLUE_OK) {
        curl_url_set(u, CURLUPART_USER, NULL, 0);
        curl_url_set(u, CURLUPART_PASSWORD, NULL, 0);
        curl_url_set(u, CURLUPART_OPTIONS, NULL, 0);
        if (curl_url_get(u, CURLUPART_URL, &s, 0) == CURLUE_OK)
            out = xstrdup(s);
    }
    if (out == NULL) {
        /* Not a URL libcurl understands: cut any "user:pass@" by hand, up
         * to the last '@' of the authority: a password may hold an '@'.
         * The authority starts after "scheme:" and any slashes (libcurl
         * takes "http:///u:p@h"), and ends at '/', '?' or '#' (not at a
         * backslash: libcurl reads on).  What
         * follows a cut may start with slashes and read as an authority
         * of its own, so cut again until none is left (all found by
         * tests/fuzz/fuzz_fields). */
        out = xstrdup(url);
        for (;;) {
            char *auth_start = out;
            size_t scheme_len = strspn(out, "abcdefghijklmnopqrstuvwxyz"
                                            "ABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789+.-");
            if (scheme_len > 0 && out[scheme_len] == ':' &&
                (out[scheme_len + 1] == '/' || out[scheme_len + 1] == '\\'))
                auth_start = out + scheme_len + 1;
            while (*auth_start == '/' || *auth_start == '\\')
                auth_start++;
            const char *auth_end = auth_start + strcspn(auth_start, "/?#");
            const char *at = NULL;
            for (const char *p = auth_start; p < auth_end; p++)
                if (*p == '@')
                    at = p;
            if (at == NULL)
                break;
            memmove(auth_start, at + 1, strlen(at + 1) + 1);
        }
    }
    curl_free(s);
    curl_url_cleanup(u);
    /* Shown in messages and written to JSON: no control character and no
     * byte that is not UTF-8 may stay raw. */
    char *clean = text_url_clean(out);
    xfree(out);
    return clean;
}

char *
url_remote_name(const char *url, const char **why)
{
    struct url_parts parts;
    if (url_simple(url, &parts)) {
        const char *last = strrchr(parts.path, '/') + 1;
        return text_name_from_segment(last, strlen(last), why);
    }
    CURLU *u = curl_url();
    char *path = NULL, *name = NULL;

    *why = "no file name in the URL path";
    if (u == NULL || curl_url_set(u, CURLUPART_URL, url, 0) != CURLUE_OK ||
        curl_url_get(u, CURLUPART_PATH, &path, 0) != CURLUE_OK)
        goto out;
    const char *last = strrchr(path, '/');
    last = last ? last + 1 : path;
    name = text_name_from_segment(last, strlen(last), why);
out:
    curl_free(path);
    curl_url_cleanup(u);
    return name;
}

/* Where the parameter `name` (or "name*") of a Content-Disposition value
 * starts its value, or NULL.  Parameters follow the first ';'. */
static const char *
disposition_param(const char *value, const char *name)
{
    size_t n = strlen(name);
    const char *p = strchr(value, ';');
    while (p != NULL) {
        p++;
        while (*p == ' ' || *p == '\t')
            p++;
        if (strncasecmp(p, name, n) == 0) {
            const char *q = p + n;
            while (*q == ' ' || *q == '\t')
                q++;
            if (*q == '=') {
                q++;
                while (*q == ' ' || *q == '\t')
                    q++;
                return q;
            }
        }
        /* The next ';' outside a quoted string. */
        bool quoted = false;
        for (; *p != '\0' && (quoted || *p != ';'); p++) {
            if (*p == '"')
                quoted = !quoted;
            else if (*p == '\\' && quoted && p[1] != '\0')
                p++;
        }
        p = *p == ';' ? p : NULL;
    }
    return NULL;
}

/* A value's bytes as a URL path segment: '%' written %25 (a plain
 * filename= holds no percent-encoding). */
static void
seg_put(char *seg, size_t *n, char c, bool encoded)
{
    if (c == '%' && !encoded) {
        seg[(*n)++] = '%';
        seg[(*n)++] = '2';
        seg[(*n)++] = '5';
    } else {
        seg[(*n)++] = c;
    }
}

/* filename*=UTF-8''%E2%82%AC.txt or filename="a \"b\".txt" or
 * filename=a.txt, as a URL path segment of its last component. */
static char *
disposition_segment(const char *v, bool ext)
{
    size_t cap = 3 * strlen(v) + 1, n = 0;
    char *seg = xmalloc(cap);
    bool quoted = !ext && *v == '"';

    if (ext) {
        if (strncasecmp(v, "UTF-8'", 6) != 0 || strchr(v + 6, '\'') == NULL) {
            xfree(seg);
            return NULL;
        }
        v = strchr(v + 6, '\'') + 1;
    } else if (quoted) {
        v++;
    }
    for (; *v != '\0'; v++) {
        if (quoted && *v == '"')
            break;
        if (!quoted && (*v == ';' || *v == ' ' || *v == '\t'))
            break;
        if (quoted && *v == '\\' && v[1] != '\0')
            v++;
        /* Only the last path component: a server names a file, not where
         * it goes. */
        if (*v == '/' || *v == '\\' ||
            (ext && *v == '%' && (strncasecmp(v, "%2F", 3) == 0 || strncasecmp(v, "%5C", 3) == 0))) {
            n = 0;
            v += *v == '%' ? 2 : 0;
            continue;
        }
        seg_put(seg, &n, *v, ext);
    }
    seg[n] = '\0';
    return seg;
}

char *
http_disposition_name(const char *value, const char **why)
{
    const char *v;
    char *seg = NULL, *name = NULL;

    *why = "no file name in Content-Disposition";
    if ((v = disposition_param(value, "filename*")) != NULL)
        seg = disposition_segment(v, true);
    if (seg == NULL && (v = disposition_param(value, "filename")) != NULL)
        seg = disposition_segment(v, false);
    if (seg != NULL)
        name = text_name_from_segment(seg, strlen(seg), why);
    if (name == NULL && *why != NULL && strstr(*why, "URL path") != NULL)
        *why = "no usable file name in Content-Disposition";
    xfree(seg);
    return name;
}

char *
url_host_key(const char *url)
{
    struct url_parts parts;
    if (url_simple(url, &parts)) {
        char *key = xmalloc(parts.host_len + 7);
        memcpy(key, parts.host, parts.host_len);
        snprintf(key + parts.host_len, 7, ":%u", parts.port);
        return key;
    }
    CURLU *u = curl_url();
    char *host = NULL, *port = NULL, *key = NULL;

    if (u != NULL && curl_url_set(u, CURLUPART_URL, url, 0) == CURLUE_OK &&
        curl_url_get(u, CURLUPART_HOST, &host, 0) == CURLUE_OK &&
        curl_url_get(u, CURLUPART_PORT, &port, CURLU_DEFAULT_PORT) == CURLUE_OK) {
        key = xasprintf("%s:%s", host, port);
        for (char *p = key; *p; p++)
            *p = (char)tolower((unsigned char)*p);
    }
    curl_free(host);
    curl_free(port);
    curl_url_cleanup(u);
    return key;
}

static char *
origin_of(const char *url)
{
    CURLU *u = curl_url();
    char *scheme = NULL, *out = NULL;
    char *key = NULL;

    if (u != NULL && curl_url_set(u, CURLUPART_URL, url, 0) == CURLUE_OK &&
        curl_url_get(u, CURLUPART_SCHEME, &scheme, 0) == CURLUE_OK) {
        key = url_host_key(url);
        if (key != NULL) {
            out = xasprintf("%s://%s", scheme, key);
            for (char *p = out; *p; p++)
                *p = (char)tolower((unsigned char)*p);
        }
    }
    xfree(key);
    curl_free(scheme);
    curl_url_cleanup(u);
    return out;
}

bool
url_same_origin(const char *a, const char *b)
{
    char *oa = origin_of(a), *ob = origin_of(b);
    bool same = oa != NULL && ob != NULL && strcmp(oa, ob) == 0;
    xfree(oa);
    xfree(ob);
    return same;
}
