/*
 * attempt.c - one HTTP request of a transfer: the easy handle it is made
 * with, and the callbacks that read its response.
 *
 * The header callback hands each line to head_line() (head.c, pure and
 * fuzzed) and, at the end of the final response's headers (not those of
 * redirects or 1xx), asks
 * response_decide() what to do before a single body byte is written.  The
 * write callback hands body bytes to transfer_on_body().
 */
#include "config.h"

#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <strings.h>

#include "exitcodes.h"
#include "http.h"
#include "mem.h"
#include "msg.h"
#include "run.h"
#include "transfer_int.h"

/* Bytes per recv(): DESIGN-NOTES §2; chosen by bench/ measurements. */
#define RECV_BUFFER (128 * 1024)
/* -c without a journal: bytes compared before trusting a partial file. */
#define VERIFY_OVERLAP (64 * 1024)

static size_t
on_header(char *buf, size_t size, size_t nitems, void *userp)
{
    struct attempt *a = userp;
    size_t len = size * nitems;

    if (a->decided)
        return len;    /* trailers */
    if (head_line(&a->head, buf, len, time(NULL)) != HEAD_END || !head_final(&a->head))
        return len;
    a->decided = true;
    response_decide(&a->ask, &a->head.got, &a->dec);
    if (a->seg != NULL)
        return segment_on_response(a->seg, a) ? len : 0;
    return transfer_on_response(a->t, a) ? len : 0;
}

static size_t
on_body(char *data, size_t size, size_t nmemb, void *userp)
{
    struct attempt *a = userp;
    size_t len = size * nmemb;

    if (!a->decided) {
        /* A body without final headers: decide on what there is. */
        a->decided = true;
        response_decide(&a->ask, &a->head.got, &a->dec);
        if (!(a->seg != NULL ? segment_on_response(a->seg, a) : transfer_on_response(a->t, a)))
            return 0;
    }
    if (a->seg != NULL)
        return segment_on_body(a->seg, a, data, len);
    return transfer_on_body(a->t, a, data, len);
}

/* Verbose output: request headers as sent, response headers as received,
 * with credentials blanked. */
static int
on_debug(CURL *easy, curl_infotype type, char *data, size_t size, void *userp)
{
    (void)easy;
    (void)userp;
    if (type != CURLINFO_HEADER_OUT && type != CURLINFO_HEADER_IN && type != CURLINFO_TEXT)
        return 0;
    const char *prefix = type == CURLINFO_HEADER_OUT ? "> " :
                         type == CURLINFO_HEADER_IN ? "< " : "* ";
    const char *p = data, *end = data + size;
    while (p < end) {
        const char *eol = memchr(p, '\n', (size_t)(end - p));
        size_t n = eol ? (size_t)(eol - p) + 1 : (size_t)(end - p);
        size_t vlen;
        const char *v;
        if (n <= 2 && (p[0] == '\r' || p[0] == '\n')) {
            p += n;
            continue;
        }
        if (http_header_is(p, n, "authorization", &v, &vlen) ||
            http_header_is(p, n, "proxy-authorization", &v, &vlen) ||
            http_header_is(p, n, "cookie", &v, &vlen)) {
            char line[64];
            int k = snprintf(line, sizeof line, "%.*s: [redacted]",
                             (int)((size_t)(v - p) > 2 ? (size_t)(v - p) - 2 : 0), p);
            msg_verbose_raw(prefix, line, (size_t)k);
        } else {
            msg_verbose_raw(prefix, p, n);
        }
        p += n;
    }
    return 0;
}

/* Adds "Name: value" to the request headers. */
static bool
add_header(struct attempt *a, const char *line)
{
    struct curl_slist *l = curl_slist_append(a->headers, line);
    if (l == NULL)
        return false;
    a->headers = l;
    return true;
}

/* If-Range: the strong ETag, else a safe Last-Modified, else nothing. */
static bool
add_if_range(struct attempt *a, struct transfer *t, int *code)
{
    const char *validator = NULL;
    if (t->etag[0] != '\0' && http_etag_is_strong(t->etag))
        validator = t->etag;
    else if (t->last_modified[0] != '\0' && t->lm_safe)
        validator = t->last_modified;
    if (validator == NULL)
        return true;
    char *h = xasprintf("If-Range: %s", validator);
    bool ok = add_header(a, h);
    xfree(h);
    if (!ok) {
        *code = HAUL_EXIT_INTERNAL;
        return false;
    }
    a->ask.if_range = true;
    return true;
}

static bool
setup_ask(struct attempt *a, struct transfer *t, int *code)
{
    struct response_ask *ask = &a->ask;

    if (a->seg != NULL) {
        /* A segment: exactly its remaining bytes, of the same version. */
        ask->held = a->seg->next;
        ask->ranged = true;
        ask->range_first = a->seg->next;
        ask->range_last_set = true;
        ask->range_last = a->seg->end - 1;
        ask->total_known = t->total_known;
        ask->total = t->total;
        memcpy(ask->etag, t->etag, sizeof ask->etag);
        memcpy(ask->last_modified, t->last_modified, sizeof ask->last_modified);
        return add_if_range(a, t, code);
    }

    ask->held = t->have;
    ask->can_restart = output_kind(t->out) == OUTPUT_PARTFILE;
    ask->stream = t->stream;
    ask->total_known = t->total_known;
    ask->total = t->total;
    memcpy(ask->etag, t->etag, sizeof ask->etag);
    memcpy(ask->last_modified, t->last_modified, sizeof ask->last_modified);

    /*
     * Nothing to send with the range that would protect it (no strong
     * ETag, no safe Last-Modified): ask from a little earlier and compare
     * the overlap with what is held, as -c does for a file without journal.
     */
    bool no_validator = !(t->etag[0] != '\0' && http_etag_is_strong(t->etag)) &&
                        !(t->last_modified[0] != '\0' && t->lm_safe);
    if (!t->verify_pending && t->have > 0 && no_validator && !t->encoded && !t->sse &&
        !t->stream && t->nsegs == 0 &&
        (output_kind(t->out) == OUTPUT_PARTFILE || t->keep_tail)) {
        t->verify_pending = true;
        t->verify_size = t->have;
    }
    if (t->verify_pending) {
        size_t k = t->verify_size < VERIFY_OVERLAP ? (size_t)t->verify_size : VERIFY_OVERLAP;
        int err = 0;
        a->verify = xmalloc_in(a->acct, k ? k : 1);
        a->verify_len = k;
        if (output_kind(t->out) == OUTPUT_PARTFILE)
            err = output_read_tail(t->out, t->verify_size, a->verify, k);
        else if (!transfer_tail_copy(t, a->verify, k))
            err = EINVAL;
        if (err != 0) {
            msg_error("%s: cannot read %s back to check it: %s", t->display_url,
                      output_part_path(t->out), strerror(err));
            *code = HAUL_EXIT_WRITE;
            return false;
        }
        ask->held = t->verify_size;
        ask->ranged = true;
        ask->range_first = t->verify_size - k;
        return true;
    }
    if (t->sse) {
        /* Event streams resume by event id, not by byte. */
        if (t->rec_on && t->rec.has_id) {
            char *h = xasprintf("Last-Event-ID: %s", t->rec.last_id);
            bool ok = add_header(a, h);
            xfree(h);
            if (!ok) {
                *code = HAUL_EXIT_INTERNAL;
                return false;
            }
            a->sent_last_event_id = true;
        }
        ask->held = 0;
        return true;
    }
    /* A server that ignores Range answers 200; response_decide copes. */
    if (t->have > 0 && !t->encoded) {
        ask->ranged = true;
        ask->range_first = t->have;
        if (t->seg_end != UINT64_MAX && t->have < t->seg_end) {
            ask->range_last_set = true;
            ask->range_last = t->seg_end - 1;
        }
        return add_if_range(a, t, code);
    }
    return true;
}

struct attempt *
attempt_new(struct transfer *t, struct segment *seg, uint64_t now_ms, int *code)
{
    const struct config *cfg = t->cfg;
    struct mem_account *acct = seg != NULL ? &seg->acct : &t->stats->attempt_acct;
    struct attempt *a = xcalloc_in(acct, 1, sizeof *a);
    char range[48];

    a->t = t;
    a->seg = seg;
    a->acct = acct;
    head_reset(&a->head, 0);
    a->started_ms = a->last_byte_ms = now_ms;
    a->url = xstrdup_in(acct, t->final_url ? t->final_url : t->url);
    a->used_final = t->final_url != NULL;
    *code = HAUL_EXIT_INTERNAL;

    /*
     * Resuming at the URL redirects led to: libcurl strips credentials on
     * the redirects it follows itself, but this request goes there
     * directly.  Keep them from another host here too, unless
     * --location-trusted.
     */
    bool trusted = cfg->location_trusted || a->url == NULL ||
                   strcmp(a->url, t->url) == 0 || url_same_origin(a->url, t->url);
    for (size_t i = 0; i < cfg->nheaders; i++) {
        const char *v;
        size_t vlen;
        const char *h = cfg->headers[i];
        if (!trusted && (http_header_is(h, strlen(h), "authorization", &v, &vlen) ||
                         http_header_is(h, strlen(h), "cookie", &v, &vlen)))
            continue;
        if (!add_header(a, h))
            goto fail;
    }
    if (!setup_ask(a, t, code))
        goto fail;

    a->easy = curl_easy_init();
    if (a->easy == NULL)
        goto fail;
    CURL *e = a->easy;
    curl_easy_setopt(e, CURLOPT_URL, a->url);
    curl_easy_setopt(e, CURLOPT_PRIVATE, a);
    curl_easy_setopt(e, CURLOPT_ERRORBUFFER, a->errbuf);
    curl_easy_setopt(e, CURLOPT_NOSIGNAL, 1L);
    curl_easy_setopt(e, CURLOPT_PROTOCOLS_STR, "http,https");
    curl_easy_setopt(e, CURLOPT_REDIR_PROTOCOLS_STR, "http,https");
    curl_easy_setopt(e, CURLOPT_FOLLOWLOCATION, 1L);
    curl_easy_setopt(e, CURLOPT_MAXREDIRS, cfg->max_redirs);
    curl_easy_setopt(e, CURLOPT_WRITEFUNCTION, on_body);
    curl_easy_setopt(e, CURLOPT_WRITEDATA, a);
    curl_easy_setopt(e, CURLOPT_HEADERFUNCTION, on_header);
    curl_easy_setopt(e, CURLOPT_HEADERDATA, a);
    curl_easy_setopt(e, CURLOPT_SUPPRESS_CONNECT_HEADERS, 1L);
    curl_easy_setopt(e, CURLOPT_CONNECTTIMEOUT_MS, (long)cfg->connect_timeout_ms);
    curl_easy_setopt(e, CURLOPT_TCP_KEEPALIVE, 1L);
    curl_easy_setopt(e, CURLOPT_TCP_KEEPIDLE, 30L);
    curl_easy_setopt(e, CURLOPT_TCP_KEEPINTVL, 10L);
    long bufsize = RECV_BUFFER;
    if ((uint64_t)bufsize > cfg->buffer_size / 4)
        bufsize = (long)(cfg->buffer_size / 4);
    if (t->rate_limit > 0 && (uint64_t)bufsize > t->rate_limit / 8)
        bufsize = (long)(t->rate_limit / 8);
    if (bufsize < CURL_MAX_WRITE_SIZE)
        bufsize = CURL_MAX_WRITE_SIZE;
    curl_easy_setopt(e, CURLOPT_BUFFERSIZE, bufsize);
    if (cfg->user_agent != NULL)
        curl_easy_setopt(e, CURLOPT_USERAGENT, cfg->user_agent);
    else
        curl_easy_setopt(e, CURLOPT_USERAGENT, PACKAGE_NAME "/" PACKAGE_VERSION);
    if (cfg->user != NULL && trusted)
        curl_easy_setopt(e, CURLOPT_USERPWD, cfg->user);
    if (cfg->referer != NULL)
        curl_easy_setopt(e, CURLOPT_REFERER, cfg->referer);
    if (cfg->compressed)
        curl_easy_setopt(e, CURLOPT_ACCEPT_ENCODING, "");
    if (cfg->location_trusted)
        curl_easy_setopt(e, CURLOPT_UNRESTRICTED_AUTH, 1L);
    if (cfg->insecure) {
        curl_easy_setopt(e, CURLOPT_SSL_VERIFYPEER, 0L);
        curl_easy_setopt(e, CURLOPT_SSL_VERIFYHOST, 0L);
    }
    if (cfg->cacert != NULL)
        curl_easy_setopt(e, CURLOPT_CAINFO, cfg->cacert);
    if (cfg->proxy != NULL)
        curl_easy_setopt(e, CURLOPT_PROXY, cfg->proxy);
    if (cfg->http11 || seg != NULL)
        /* A segment is a connection of its own (-x is about connections):
         * over HTTP/2 libcurl would multiplex it onto the first one. */
        curl_easy_setopt(e, CURLOPT_HTTP_VERSION, (long)CURL_HTTP_VERSION_1_1);
    else if (strncasecmp(a->url, "https:", 6) == 0)
        /* Many URLs to one HTTP/2 host share one connection.  Only over
         * TLS, where ALPN may offer HTTP/2: for http:, libcurl 7.88 makes
         * the second transfer wait for the whole first one. */
        curl_easy_setopt(e, CURLOPT_PIPEWAIT, 1L);
    /* --limit-rate is haul's own pacing (transfer_rate_take); smaller reads
     * keep it smooth. */
    if (msg_level() >= MSG_VERBOSE) {
        curl_easy_setopt(e, CURLOPT_VERBOSE, 1L);
        curl_easy_setopt(e, CURLOPT_DEBUGFUNCTION, on_debug);
    }
    if (a->ask.ranged && a->ask.range_last_set) {
        snprintf(range, sizeof range, "%llu-%llu", (unsigned long long)a->ask.range_first,
                 (unsigned long long)a->ask.range_last);
        curl_easy_setopt(e, CURLOPT_RANGE, range);
    } else if (a->ask.ranged) {
        snprintf(range, sizeof range, "%llu-", (unsigned long long)a->ask.range_first);
        curl_easy_setopt(e, CURLOPT_RANGE, range);    /* libcurl copies it */
    }
    if (a->headers != NULL)
        curl_easy_setopt(e, CURLOPT_HTTPHEADER, a->headers);
    return a;
fail:
    attempt_free(a);
    return NULL;
}

void
attempt_collect(struct attempt *a)
{
    struct transfer *t = a->t;
    char *eff = NULL;
    long status = 0;

    if (curl_easy_getinfo(a->easy, CURLINFO_RESPONSE_CODE, &status) == CURLE_OK && status > 0)
        t->stats->http_status = (int)status;
    if (curl_easy_getinfo(a->easy, CURLINFO_EFFECTIVE_URL, &eff) == CURLE_OK && eff != NULL &&
        strcmp(eff, a->url) != 0 && a->decided) {
        xfree(t->final_url);
        t->final_url = xstrdup_in(t->acct, eff);
        xfree(t->stats->final_url);
        t->stats->final_url = url_redacted(eff);
    }
}

bool
attempt_in_head(const struct attempt *a)
{
    long sent = 0;
    if (a->decided)
        return false;
    if (a->head.got.status > 0)
        return true;
    return curl_easy_getinfo(a->easy, CURLINFO_REQUEST_SIZE, &sent) == CURLE_OK && sent > 0;
}

void
attempt_free(struct attempt *a)
{
    if (a == NULL)
        return;
    if (a->easy != NULL)
        curl_easy_cleanup(a->easy);
    curl_slist_free_all(a->headers);
    xfree(a->verify);
    xfree(a->url);
    xfree(a);
}
