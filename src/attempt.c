/*
 * attempt.c - one HTTP request: the easy handle it is made with, the
 * callbacks that read its response, and its end; see attempt.h.
 *
 * The header callback hands each line to head_line() (head.c, pure and
 * fuzzed) and, at the end of the final response's headers (not those of
 * redirects or 1xx), asks response_decide() what to do before a single
 * body byte is written, and then the owner (on_response).  The write
 * callback hands body bytes to the owner (on_body).  attempt_end() is the
 * only way out.
 */
#include "config.h"

#include <stdio.h>
#include <string.h>
#include <strings.h>

#include "attempt.h"
#include "cookies.h"
#include "http.h"
#include "msg.h"
#include "netopts.h"
#include "tlsread.h"

/* Bytes per recv(): chosen by bench/ measurements (src/README.md, "Reading
 * fast"); about what the fastest tools read at once. */
#define RECV_BUFFER (128 * 1024)

struct attempt {
    const struct attempt_ops *ops;
    void *owner;                   /* borrowed: the ops' first argument */
    struct curluv *cu;             /* borrowed: the glue it was added to */
    uv_loop_t *loop;               /* ... and its loop, for the clock */
    struct mem_account *acct;      /* charged for its allocations */
    CURL *easy;
    struct curl_slist *headers;
    struct netopts_lists net;      /* --resolve and --connect-to lists */
    char errbuf[CURL_ERROR_SIZE];
    char *url;                     /* the URL asked */
    struct response_ask ask;
    struct head head;              /* the response being read */
    bool decided;                  /* on_response was called */
    struct response_decision dec;
    bool paused;                   /* on_body returned CURL_WRITEFUNC_PAUSE */
    uint64_t last_byte_ms;
};

static void attempt_end(struct attempt *a, CURLcode result, bool in_multi);

/* The final head is read (or a body came without one): decide, ask the
 * owner.  False: the body is refused. */
static bool
respond(struct attempt *a)
{
    a->decided = true;
    response_decide(&a->ask, &a->head.got, &a->dec);
    return a->ops->on_response(a->owner, &a->head, &a->dec);
}

static size_t
on_header(char *buf, size_t size, size_t nitems, void *userp)
{
    struct attempt *a = userp;
    size_t len = size * nitems;

    if (a->decided)
        return len;    /* trailers */
    if (a->ops->on_head_line != NULL)
        a->ops->on_head_line(a->owner, buf, len);
    if (head_line(&a->head, buf, len, time(NULL)) != HEAD_END || !head_final(&a->head))
        return len;
    return respond(a) ? len : 0;
}

static size_t
on_body(char *data, size_t size, size_t nmemb, void *userp)
{
    struct attempt *a = userp;
    size_t len = size * nmemb;

    /* A body without final headers: decide on what there is. */
    if (!a->decided && !respond(a))
        return 0;
    a->last_byte_ms = uv_now(a->loop);
    size_t taken = a->ops->on_body(a->owner, data, len);
    if (taken == CURL_WRITEFUNC_PAUSE)
        a->paused = true;
    return taken;
}

/* libcurl's notes on its cookie engine ("Added cookie NAME=\"VALUE\" for
 * domain ...", "Replaced cookie ...") show the value: it is blanked.  True
 * when the line was one of them and was printed. */
static bool
redact_cookie_note(const char *prefix, const char *p, size_t n)
{
    const char *c = memmem(p, n, "cookie ", 7);
    const char *q = c != NULL ? memmem(c, n - (size_t)(c - p), "=\"", 2) : NULL;
    const char *e = q != NULL ? memmem(q + 2, n - (size_t)(q + 2 - p), "\" ", 2) : NULL;
    char line[512];

    if (e == NULL || (size_t)(c - p) > 16)
        return false;
    int k = snprintf(line, sizeof line, "%.*s=[redacted]%.*s", (int)(q - p), p,
                     (int)(n - (size_t)(e + 1 - p)), e + 1);
    if (k < 0)
        return false;
    msg_verbose_raw(prefix, line, (size_t)k < sizeof line ? (size_t)k : sizeof line - 1);
    return true;
}

/* Verbose output: request headers as sent, response headers as received,
 * with credentials and cookies blanked. */
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
        if (type == CURLINFO_TEXT && redact_cookie_note(prefix, p, n)) {
            p += n;
            continue;
        }
        if (http_header_is(p, n, "authorization", &v, &vlen) ||
            http_header_is(p, n, "proxy-authorization", &v, &vlen) ||
            http_header_is(p, n, "cookie", &v, &vlen) ||
            http_header_is(p, n, "set-cookie", &v, &vlen)) {
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
add_header(struct attempt *a, const char *name, const char *value)
{
    char *line = value != NULL ? xasprintf("%s: %s", name, value) : NULL;
    struct curl_slist *l = curl_slist_append(a->headers, line != NULL ? line : name);
    xfree(line);
    if (l == NULL)
        return false;
    a->headers = l;
    return true;
}

/* Whether -H gives header `name`. */
static bool
given_header(const struct config *cfg, const char *name)
{
    const char *v;
    size_t vlen;
    for (size_t i = 0; i < cfg->nheaders; i++)
        if (http_header_is(cfg->headers[i], strlen(cfg->headers[i]), name, &v, &vlen))
            return true;
    return false;
}

/* What a body brings: --json's Content-Type and Accept, and no "Expect:
 * 100-continue" (a server that never answers it would cost a second per
 * request); -H wins over each. */
static bool
add_body_headers(struct attempt *a, const struct config *cfg)
{
    if (cfg->body == NULL)
        return true;
    if (cfg->json && !given_header(cfg, "content-type") &&
        !add_header(a, "Content-Type", "application/json"))
        return false;
    if (cfg->json && !given_header(cfg, "accept") && !add_header(a, "Accept", "application/json"))
        return false;
    return given_header(cfg, "expect") || add_header(a, "Expect:", NULL);
}

/* -H lines (without credentials for another origin), the body's,
 * If-Range, Last-Event-ID, -N's conditions. */
static bool
add_headers(struct attempt *a, const struct attempt_request *req)
{
    const struct config *cfg = req->cfg;
    if (!add_body_headers(a, cfg))
        return false;
    for (size_t i = 0; i < cfg->nheaders; i++) {
        const char *v;
        size_t vlen;
        const char *h = cfg->headers[i];
        if (!req->credentials && (http_header_is(h, strlen(h), "authorization", &v, &vlen) ||
                                  http_header_is(h, strlen(h), "cookie", &v, &vlen)))
            continue;
        if (!add_header(a, h, NULL))
            return false;
    }
    if (req->if_range != NULL && !add_header(a, "If-Range", req->if_range))
        return false;
    if (req->last_event_id != NULL && !add_header(a, "Last-Event-ID", req->last_event_id))
        return false;
    if (req->if_modified_since != NULL &&
        !add_header(a, "If-Modified-Since", req->if_modified_since))
        return false;
    if (req->if_none_match != NULL && !add_header(a, "If-None-Match", req->if_none_match))
        return false;
    return true;
}

/* Bytes per recv(): at most a quarter of --buffer-size, and with
 * --limit-rate an eighth of a second's worth, so that haul's own pacing
 * (ratelimit.c) stays smooth; never below one libcurl write chunk.  Over
 * TLS one chunk: a TLS read gives at most one 16 KiB record whatever the
 * room, so more buys nothing, while HTTP/2 fills each stream's buffer to
 * the brim (100 x 10 MiB, 16 streams: peak RSS 14.8 -> 13.2 MiB, the same
 * MB/s). */
static long
recv_buffer(const struct attempt_request *req)
{
    long n = RECV_BUFFER;
    if (strncasecmp(req->url, "https:", 6) == 0)
        n = CURL_MAX_WRITE_SIZE;
    if ((uint64_t)n > req->cfg->buffer_size / 4)
        n = (long)(req->cfg->buffer_size / 4);
    if (req->rate_limit > 0 && (uint64_t)n > req->rate_limit / 8)
        n = (long)(req->rate_limit / 8);
    return n < CURL_MAX_WRITE_SIZE ? CURL_MAX_WRITE_SIZE : n;
}

/* What every request of haul is: http(s) only, redirects followed,
 * keepalive, the callbacks. */
static void
set_basics(struct attempt *a, CURL *e, const struct attempt_request *req)
{
    const struct config *cfg = req->cfg;
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
    curl_easy_setopt(e, CURLOPT_BUFFERSIZE, recv_buffer(req));
    if (msg_level() >= MSG_VERBOSE) {
        curl_easy_setopt(e, CURLOPT_VERBOSE, 1L);
        curl_easy_setopt(e, CURLOPT_DEBUGFUNCTION, on_debug);
    }
}

/* The options of the command line that shape a request. */
static void
set_options(struct attempt *a, CURL *e, const struct attempt_request *req)
{
    const struct config *cfg = req->cfg;
    curl_easy_setopt(e, CURLOPT_USERAGENT,
                     cfg->user_agent != NULL ? cfg->user_agent : PACKAGE_NAME "/" PACKAGE_VERSION);
    if (cfg->user != NULL && req->credentials)
        curl_easy_setopt(e, CURLOPT_USERPWD, cfg->user);
    if (cfg->oauth2_bearer != NULL && req->credentials) {
        curl_easy_setopt(e, CURLOPT_HTTPAUTH, (long)CURLAUTH_BEARER);
        curl_easy_setopt(e, CURLOPT_XOAUTH2_BEARER, cfg->oauth2_bearer);
    }
    if ((cfg->netrc || cfg->netrc_optional || cfg->netrc_file != NULL) && req->credentials) {
        /* -u wins over both; libcurl sends a netrc login to the URL's own
         * host only, and after a redirect to another host only with
         * --location-trusted (CURLOPT_UNRESTRICTED_AUTH), as for -u. */
        curl_easy_setopt(e, CURLOPT_NETRC,
                         cfg->netrc_optional && !cfg->netrc ? (long)CURL_NETRC_OPTIONAL
                                                            : (long)CURL_NETRC_REQUIRED);
        if (cfg->netrc_file != NULL)
            curl_easy_setopt(e, CURLOPT_NETRC_FILE, cfg->netrc_file);
    }
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
    tlsread_setup(e, cfg->proxy, msg_level() >= MSG_VERBOSE);
    if (cfg->http11 || req->own_connection)
        /* A segment is a connection of its own (-x is about connections):
         * over HTTP/2 libcurl would multiplex it onto the first one. */
        curl_easy_setopt(e, CURLOPT_HTTP_VERSION, (long)CURL_HTTP_VERSION_1_1);
    else if (strncasecmp(a->url, "https:", 6) == 0)
        /* Many URLs to one HTTP/2 host share one connection.  Only over
         * TLS, where ALPN may offer HTTP/2: for http:, libcurl 7.88 makes
         * the second transfer wait for the whole first one. */
        curl_easy_setopt(e, CURLOPT_PIPEWAIT, 1L);
    if (cfg->body != NULL) {
        /* Borrowed: the config outlives every attempt, and each attempt
         * sends the same bytes again. */
        curl_easy_setopt(e, CURLOPT_POSTFIELDSIZE_LARGE, (curl_off_t)cfg->body_len);
        curl_easy_setopt(e, CURLOPT_POSTFIELDS, cfg->body);
    }
    if (cfg->request_method != NULL && strcmp(cfg->request_method, "HEAD") == 0)
        curl_easy_setopt(e, CURLOPT_NOBODY, 1L);
    if (cfg->method != NULL)
        curl_easy_setopt(e, CURLOPT_CUSTOMREQUEST, cfg->method);
    if (a->ask.ranged) {
        char range[48];
        if (a->ask.range_last_set)
            snprintf(range, sizeof range, "%llu-%llu", (unsigned long long)a->ask.range_first,
                     (unsigned long long)a->ask.range_last);
        else
            snprintf(range, sizeof range, "%llu-", (unsigned long long)a->ask.range_first);
        curl_easy_setopt(e, CURLOPT_RANGE, range);    /* libcurl copies it */
    }
    if (a->headers != NULL)
        curl_easy_setopt(e, CURLOPT_HTTPHEADER, a->headers);
}

static void
attempt_free(struct attempt *a)
{
    if (a == NULL)
        return;
    if (a->easy != NULL)
        curl_easy_cleanup(a->easy);
    curl_slist_free_all(a->headers);
    netopts_free(&a->net);
    xfree(a->url);
    xfree(a);
}

struct attempt *
attempt_start(struct curluv *cu, const struct attempt_request *req,
              const struct attempt_ops *ops, void *owner, uint64_t now_ms, const char **why)
{
    struct attempt *a = xcalloc_in(req->acct, 1, sizeof *a);

    *why = "cannot set up the request";
    a->ops = ops;
    a->owner = owner;
    a->cu = cu;
    a->loop = curluv_loop(cu);
    a->acct = req->acct;
    a->ask = req->ask;
    a->ask.if_range = req->if_range != NULL;
    a->last_byte_ms = now_ms;
    head_reset(&a->head, 0);
    a->url = xstrdup_in(a->acct, req->url);
    if (!add_headers(a, req) || (a->easy = curl_easy_init()) == NULL)
        goto fail;
    set_basics(a, a->easy, req);
    set_options(a, a->easy, req);
    if (!netopts_set(a->easy, req->cfg, &a->net))
        goto fail;
    if (!cookies_attach(a->easy, a->url, req->credentials))
        goto fail;
    CURLMcode mc = curluv_add(cu, a->easy);
    if (mc != CURLM_OK) {
        *why = curl_multi_strerror(mc);
        goto fail;
    }
    return a;
fail:
    attempt_free(a);
    return NULL;
}

/* The message for a failed request: libcurl's error buffer, or the text
 * of its code, or haul's better words for a redirect it refused. */
static void
describe(const struct attempt *a, CURLcode result, const char *eff, char *what, size_t len)
{
    if (result == CURLE_UNSUPPORTED_PROTOCOL && eff != NULL && strcmp(eff, a->url) != 0 &&
        strncasecmp(eff, "http://", 7) != 0 && strncasecmp(eff, "https://", 8) != 0) {
        /* libcurl's "Protocol "file" not supported or disabled" hides that
         * it was a redirect haul refused to follow.  (The same code comes
         * for an HTTP/0.9 answer: an http(s) target keeps libcurl's text.) */
        char *shown = url_redacted(eff);
        snprintf(what, len, "redirected to %s; haul follows only http and https", shown);
        xfree(shown);
    } else {
        snprintf(what, len, "%s", a->errbuf[0] != '\0' ? a->errbuf : curl_easy_strerror(result));
    }
}

/* Whether the request went out, some of it at least: an answer came, or
 * libcurl counted request bytes sent. */
static bool
request_sent(const struct attempt *a)
{
    long size = 0;
    if (a->decided || a->head.got.status > 0)
        return true;
    return curl_easy_getinfo(a->easy, CURLINFO_REQUEST_SIZE, &size) == CURLE_OK && size > 0;
}

/* Whether it ended while reading a response head: the request was sent
 * and no final response was decided (a status line may not have come:
 * libcurl refuses one over its line limit before haul sees it). */
static bool
in_head(const struct attempt *a)
{
    return !a->decided && request_sent(a);
}

/*
 * The one end of every attempt: gathers the outcome (copies: the easy
 * handle's strings die with it), frees the attempt, then tells the owner.
 * in_multi: the handle is still in the multi handle (an abort).
 */
static void
attempt_end(struct attempt *a, CURLcode result, bool in_multi)
{
    char what[CURL_ERROR_SIZE + 64];
    struct head head = a->head;
    struct attempt_outcome o = { .result = result, .what = what, .head = &head };
    const struct attempt_ops *ops = a->ops;
    void *owner = a->owner;
    char *eff = NULL, *final_url = NULL;
    long os_errno = 0;

    if (in_multi)
        curluv_remove(a->cu, a->easy);
    curl_easy_getinfo(a->easy, CURLINFO_OS_ERRNO, &os_errno);
    curl_easy_getinfo(a->easy, CURLINFO_HTTP_VERSION, &o.http_version);
    curl_easy_getinfo(a->easy, CURLINFO_RESPONSE_CODE, &o.response_code);
    if (curl_easy_getinfo(a->easy, CURLINFO_EFFECTIVE_URL, &eff) != CURLE_OK)
        eff = NULL;
    describe(a, result, eff, what, sizeof what);
    if (eff != NULL && a->decided && strcmp(eff, a->url) != 0)
        final_url = xstrdup(eff);    /* not the attempt's: it outlives it */
    o.os_errno = (int)os_errno;
    o.sent = request_sent(a);
    o.in_head = in_head(a);
    o.alloc_failed = mem_alloc_failures() > 0;
    o.decided = a->decided;
    o.dec = a->dec;
    o.final_url = final_url;

    /* Teardown first: nothing of this connection outlives this point. */
    attempt_free(a);
    ops->on_end(owner, &o);
    xfree(final_url);
}

void
attempt_curl_done(CURL *easy, CURLcode result)
{
    char *priv = NULL;
    curl_easy_getinfo(easy, CURLINFO_PRIVATE, &priv);
    if (priv != NULL)
        attempt_end((struct attempt *)(void *)priv, result, false);
}

void
attempt_abort(struct attempt *a)
{
    attempt_end(a, CURLE_ABORTED_BY_CALLBACK, true);
}

bool
attempt_unpause(struct attempt *a, uint64_t now)
{
    a->paused = false;
    a->last_byte_ms = now;
    /* libcurl may run the write callback at once; when that ends the
     * attempt (a write error, the end of a -x part), libcurl 7.88 returns
     * the error and no longer watches the transfer: it is ended here, or it
     * would hang. */
    CURLcode rc = curl_easy_pause(a->easy, CURLPAUSE_CONT);
    if (rc == CURLE_OK)
        return true;
    attempt_end(a, rc, true);
    return false;
}

bool attempt_paused(const struct attempt *a) { return a->paused; }
uint64_t attempt_last_byte_ms(const struct attempt *a) { return a->last_byte_ms; }
