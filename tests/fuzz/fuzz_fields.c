/*
 * fuzz_fields.c - the header-value and URL parsers of http.c, one at a
 * time: Content-Range, Content-Length, Retry-After, HTTP-date, ETag
 * strength, and the URL questions (allowed?, -O name, redacted form,
 * host key).  Input: one selector byte, then the value.
 *
 * The -O name is the one a server (through a redirect) or a user controls
 * that becomes a path: it must never be empty, ".", ".." or hold a '/', or
 * the file would land outside the output directory, nor "-" (stdout).  A redacted URL must
 * hold no password: it goes to messages, events and the journal.
 */
#include "config.h"

#include <ctype.h>
#include <inttypes.h>
#include <string.h>

#include <curl/curl.h>

#include "fuzz.h"
#include "http.h"
#include "mem.h"
#include "text.h"

#define NOW ((time_t)1700000000)

static void
fuzz_content_range(const char *v, size_t len)
{
    struct content_range cr, again;
    char buf[80];

    if (!http_content_range(v, len, &cr))
        return;
    if (cr.unsatisfied) {
        FUZZ_ASSERT(cr.total_known);
        snprintf(buf, sizeof buf, "bytes */%" PRIu64, cr.total);
    } else {
        FUZZ_ASSERT(cr.first <= cr.last);
        FUZZ_ASSERT(!cr.total_known || cr.last < cr.total);
        if (cr.total_known)
            snprintf(buf, sizeof buf, "bytes %" PRIu64 "-%" PRIu64 "/%" PRIu64,
                     cr.first, cr.last, cr.total);
        else
            snprintf(buf, sizeof buf, "bytes %" PRIu64 "-%" PRIu64 "/*", cr.first, cr.last);
    }
    /* What was understood, written back canonically, reads the same. */
    FUZZ_ASSERT(http_content_range(buf, strlen(buf), &again));
    FUZZ_ASSERT(again.unsatisfied == cr.unsatisfied && again.total_known == cr.total_known);
    FUZZ_ASSERT(again.total == cr.total);
    FUZZ_ASSERT(cr.unsatisfied || (again.first == cr.first && again.last == cr.last));
}

static void
fuzz_content_length(const char *v, size_t len)
{
    uint64_t n;
    char buf[24];

    if (!http_content_length(v, len, &n))
        return;
    for (size_t i = 0; i < len; i++)
        FUZZ_ASSERT(isdigit((unsigned char)v[i]));
    /* Same number, leading zeros aside. */
    size_t z = 0;
    while (z + 1 < len && v[z] == '0')
        z++;
    snprintf(buf, sizeof buf, "%" PRIu64, n);
    FUZZ_ASSERT(strlen(buf) == len - z && memcmp(buf, v + z, len - z) == 0);
}

static void
fuzz_url(const char *s)
{
    const char *why = url_problem(s);
    (void)why;

    const char *no_name = NULL;
    char *name = url_remote_name(s, &no_name);
    if (name != NULL) {
        FUZZ_ASSERT(name[0] != '\0');
        FUZZ_ASSERT(strcmp(name, ".") != 0 && strcmp(name, "..") != 0);
        FUZZ_ASSERT(strcmp(name, "-") != 0);    /* "-" would be stdout */
        FUZZ_ASSERT(strchr(name, '/') == NULL);
        /* Nothing a terminal would act on, nothing that is not UTF-8. */
        FUZZ_ASSERT(text_is_clean(name, strlen(name)));
        xfree(name);
    } else {
        FUZZ_ASSERT(no_name != NULL);
    }

    char *red = url_redacted(s);
    FUZZ_ASSERT(red != NULL);
    FUZZ_ASSERT(text_is_clean(red, strlen(red)));
    CURLU *u = curl_url();
    FUZZ_ASSERT(u != NULL);
    if (curl_url_set(u, CURLUPART_URL, red, 0) == CURLUE_OK) {
        char *pw = NULL;
        CURLUcode rc = curl_url_get(u, CURLUPART_PASSWORD, &pw, 0);
        if (rc == CURLUE_OK)
            fprintf(stderr, "url_redacted(%s) = %s keeps password %s\n", s, red, pw);
        FUZZ_ASSERT(rc != CURLUE_OK);
        curl_free(pw);
    }
    curl_url_cleanup(u);
    xfree(red);

    char *key = url_host_key(s);
    if (key != NULL) {
        for (const char *p = key; *p; p++)
            FUZZ_ASSERT(!isupper((unsigned char)*p));
        /* A URL with a host key has an origin, its own. */
        FUZZ_ASSERT(url_same_origin(s, s));
        xfree(key);
    }
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    if (size < 1)
        return 0;
    uint8_t which = data[0];
    size_t len = size - 1;
    /* The (pointer, length) parsers get an exact-size block with no NUL;
     * the C-string ones a NUL-terminated copy. */
    char *exact = malloc(len ? len : 1);
    if (exact == NULL)
        abort();
    if (len > 0)
        memcpy(exact, data + 1, len);
    char *s = fuzz_strndup(data + 1, len);

    switch (which % 6) {
    case 0:
        fuzz_content_range(exact, len);
        break;
    case 1:
        fuzz_content_length(exact, len);
        break;
    case 2: {
        int64_t ms = http_retry_after_ms(s, NOW);
        FUZZ_ASSERT(ms >= -1);
        break;
    }
    case 3:
        (void)http_date(s);
        break;
    case 4:
        if (http_etag_is_strong(s))
            FUZZ_ASSERT(strlen(s) >= 2 && s[0] == '"' && s[strlen(s) - 1] == '"');
        break;
    case 5:
        fuzz_url(s);
        break;
    }
    free(s);
    free(exact);
    fuzz_mem_check();
    return 0;
}
