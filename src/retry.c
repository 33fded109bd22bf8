/*
 * retry.c - the retry policy; see retry.h.
 *
 * Which failures are worth another attempt is classify.c's (libcurl codes,
 * HTTP statuses); how long to wait is backoff.c's.  This file decides,
 * from those and from what is held, what comes next, and words it.
 */
#include "config.h"

#include <inttypes.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>

#include <curl/curl.h>

#include "exitcodes.h"
#include "human.h"
#include "options.h"
#include "retry.h"

/* The context of one decision. */
struct ctx {
    const struct retry_outcome *o;
    const struct retry_held *h;
    struct retry_state *s;
    const struct retry_config *c;
    double random01;
    struct retry_verdict *v;
    char who_buf[RETRY_LINE_MAX / 2];
    bool final;    /* a fail because --retry or --max-time ran out */
};

/* Who failed, first in every line: "URL" or "URL: segment N".  Made only
 * when a line is (most attempts end well and need none). */
static const char *
who(struct ctx *x)
{
    if (x->who_buf[0] == '\0' && x->h->part > 0)
        snprintf(x->who_buf, sizeof x->who_buf, "segment %u: ", x->h->part);
    return x->who_buf;
}

static void fail(struct ctx *x, int code, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));

static void
fail(struct ctx *x, int code, const char *fmt, ...)
{
    va_list ap;
    x->v->action = RETRY_FAIL;
    x->v->exit_code = code;
    va_start(ap, fmt);
    vsnprintf(x->v->message, sizeof x->v->message, fmt, ap);
    va_end(ap);
}

static void
start_over(struct ctx *x, bool counted, const char *why)
{
    x->v->action = RETRY_START_OVER;
    x->v->counted = counted;
    snprintf(x->v->reason, sizeof x->v->reason, "%s", why);
}

static void
disconnect(struct ctx *x, enum disconnect_kind kind, const char *message)
{
    x->v->disconnect = kind;
    snprintf(x->v->disconnect_message, sizeof x->v->disconnect_message, "%s", message);
}

/*
 * Did the attempt bring new bytes?  After a 416 or a 206 said the resource
 * is no longer than what was held, bytes up to that point came before: a
 * server that claims a length it never sends, then answers the resume with
 * 416 (or, with no validator to send, with a 206 of the real total), would
 * otherwise make each cycle look like progress and never run out of
 * retries.  Unless the resource now says it is that short indeed.
 */
static bool
progress(const struct ctx *x)
{
    const struct retry_held *h = x->h;
    uint64_t mark = x->s->shorter_mark;
    if (x->o->received == 0)
        return false;
    return mark == 0 || h->have > mark || (h->total_known && h->total <= mark);
}

/* Where the failure happened: " at 1.0 MiB of 4.0 MiB" for a file (or
 * nothing before its first byte), " at byte N" for a part. */
static void
where(const struct retry_held *h, char *buf, size_t len)
{
    char a[32], b[32];
    if (h->part > 0)
        snprintf(buf, len, " at byte %" PRIu64, h->have);
    else if (h->total_known)
        snprintf(buf, len, " at %s of %s", human_size((double)h->have, a, sizeof a),
                 human_size((double)h->total, b, sizeof b));
    else if (h->have > 0)
        snprintf(buf, len, " at %s", human_size((double)h->have, a, sizeof a));
    else
        buf[0] = '\0';
}

/*
 * May the request go out again?  An idempotent one may (RFC 9110 9.2.2),
 * and so may any request that never went out, or that the server answered
 * with a 4xx or a 503, which say it was not acted on.  Otherwise a POST
 * (or another method that is not idempotent) may have taken effect, and
 * sending it again could do it twice: haul reports the failure instead.
 * Except for --stream on an event stream: re-sending the same request with
 * Last-Event-ID is how a server-sent event stream over POST is resumed,
 * and the server is the one that knows which events were delivered.
 */
static bool
may_resend(const struct ctx *x)
{
    const struct retry_outcome *o = x->o;
    const struct retry_held *h = x->h;
    if (!h->send_once || !o->sent || (h->stream && h->sse))
        return true;
    return o->end == RETRY_END_REFUSED && o->status >= 400 &&
           (o->status < 500 || o->status == 503);
}

/* A failure that may be retried: after how long, or is it the last? */
static void
retry_later(struct ctx *x, const struct failure_class *cls, bool made_progress,
            int64_t retry_after_ms, const char *what)
{
    const struct retry_config *c = x->c;
    struct retry_state *s = x->s;
    char at[64];

    where(x->h, at, sizeof at);
    if (c->retry == 0 || !cls->retryable) {
        fail(x, cls->exit_code, "%s%s%s", who(x), what, at);
        return;
    }
    if (!may_resend(x)) {
        fail(x, cls->exit_code, "%s%s%s; a %s is not sent again: it may have taken effect",
             who(x), what, at, x->h->method != NULL ? x->h->method : "request");
        return;
    }
    s->failures = made_progress ? 0 : s->failures + 1;
    x->final = true;
    if (cls->limited && ++s->limited_failures > (c->retry < 3 ? c->retry : 3)) {
        x->final = false;    /* this source's name or TLS: another may do */
        fail(x, cls->exit_code, "%s%s (gave up after %u tries)", who(x), what,
             s->limited_failures);
        return;
    }
    if (c->retry != RETRY_FOREVER && s->failures > c->retry) {
        fail(x, cls->exit_code, "%s%s%s; gave up after %u retries without progress", who(x),
             what, at, c->retry);
        return;
    }
    if (x->h->sse && x->h->stream_retry_ms >= 0 && retry_after_ms < 0)
        retry_after_ms = x->h->stream_retry_ms;    /* the event stream's retry: field */
    uint64_t delay = backoff_delay_ms(&c->backoff, s->failures, retry_after_ms, x->random01);
    if (x->o->now_ms + delay >= c->deadline_ms) {
        fail(x, HAUL_EXIT_TIMEOUT, "%s%s%s; --max-time leaves no time to retry", who(x),
             what, at);
        return;
    }
    x->final = false;
    char of[32] = "";
    if (c->retry != RETRY_FOREVER)
        snprintf(of, sizeof of, " of %u", c->retry);
    x->v->action = RETRY_LATER;
    x->v->delay_ms = delay;
    snprintf(x->v->reason, sizeof x->v->reason, "%s", what);
    snprintf(x->v->message, sizeof x->v->message, "%s%s%s; retry %u%s in %.1fs", who(x),
             what, at, s->failures > 0 ? s->failures : 1, of, (double)delay / 1000.0);
}

/* The answer was an HTTP error status. */
static void
http_error(struct ctx *x)
{
    const struct retry_outcome *o = x->o;
    struct failure_class cls;
    char what[64];

    if (x->h->part == 0 && o->used_final && o->status >= 400 && o->status < 500 &&
        !response_status_retryable(o->status)) {
        /* The resource moved back: from now on, the URL as given. */
        snprintf(x->v->note, sizeof x->v->note, "HTTP %d from %s; trying the original URL",
                 o->status, o->final_url ? o->final_url : "the redirect target");
        x->v->forget_final_url = true;
        cls = (struct failure_class){ HAUL_EXIT_HTTP, true, false, DISC_HTTP };
        snprintf(what, sizeof what, "HTTP %d from the redirect target", o->status);
        retry_later(x, &cls, false, -1, what);
        return;
    }
    classify_http(o->status, &cls);
    snprintf(what, sizeof what, "HTTP %d", o->status);
    if (cls.kind != DISC_NONE)
        disconnect(x, cls.kind, what);
    if (!cls.retryable) {
        fail(x, HAUL_EXIT_HTTP, "%sserver answered HTTP %d", who(x), o->status);
        return;
    }
    retry_later(x, &cls, false, o->status == 429 || o->status == 503 ? o->retry_after_ms : -1,
                what);
}

/* haul refused the response before its body. */
static void
refused(struct ctx *x)
{
    const struct response_decision *d = &x->o->dec;
    bool part = x->h->part > 0;

    switch (d->action) {
    case RESP_HTTP_ERROR:
        http_error(x);
        return;
    case RESP_RESTART:
    case RESP_CHANGED:
    case RESP_GAP:
        if (part) {
            /* The transfer starts over as a whole, whatever its own
             * output could do: the part belongs to another version. */
            start_over(x, true, "the resource changed while its segments were fetched");
            return;
        }
        if (d->action == RESP_RESTART) {
            start_over(x, true, d->why);
            x->v->shrank = x->o->shrank;
            return;
        }
        if (d->action == RESP_CHANGED) {
            fail(x, HAUL_EXIT_CHANGED, "%s%s", who(x), d->why);
            return;
        }
        break;
    case RESP_SKIP:
        if (part) {
            x->v->action = RETRY_FALLBACK;
            snprintf(x->v->reason, sizeof x->v->reason,
                     "the server answered a segment with the whole file");
            return;
        }
        break;
    case RESP_WRITE:
    case RESP_DONE:
    case RESP_PROTOCOL:
        break;
    }
    fail(x, HAUL_EXIT_PROTOCOL, "%s%s; refused", who(x),
         d->why != NULL ? d->why : "the answer does not match the request");
}

/* -c compared the bytes before the resume point, and they differ. */
static void
mismatch(struct ctx *x)
{
    char why[RETRY_REASON_MAX];
    if (!x->h->can_restart) {
        fail(x, HAUL_EXIT_CHANGED, "%sthe bytes before the resume point differ from the "
             "server's: the resource changed, and what was written cannot be taken back", who(x));
        return;
    }
    snprintf(why, sizeof why, "%s differs from the server's copy", x->h->path);
    start_over(x, false, why);
}

/* libcurl says the body ended: is that the end of the resource? */
static void
body_ended(struct ctx *x)
{
    const struct retry_outcome *o = x->o;
    const struct retry_held *h = x->h;
    static const struct failure_class early = { HAUL_EXIT_PARTIAL, true, false, DISC_FIN };
    bool more = h->total_known && h->have < h->total;    /* the resource goes on */

    if (!o->decided) {
        fail(x, HAUL_EXIT_PROTOCOL, "%sno response", who(x));
        return;
    }
    if (h->verifying) {
        if (o->body_end == h->verify_size && h->total_known && h->total == h->verify_size) {
            /* Every byte compared equal and the resource ends where the
             * file does (-c on a complete file): nothing is missing. */
            x->v->action = RETRY_FINISH;
            x->v->verified = true;
            return;
        }
        /* The body ended inside the overlap: the partial file is longer
         * than the resource, so it is not this resource's prefix. */
        if (!h->can_restart) {
            fail(x, HAUL_EXIT_CHANGED, "%sthe resource is shorter than what was written: "
                 "it changed", who(x));
            return;
        }
        char why[RETRY_REASON_MAX];
        snprintf(why, sizeof why, "%s is longer than the server's copy", h->path);
        start_over(x, false, why);
        return;
    }
    if (h->part_end != UINT64_MAX && h->have >= h->part_end) {
        x->v->action = RETRY_PART_DONE;
        return;
    }
    if (o->bounded && h->part_end == UINT64_MAX && more && progress(x)) {
        /* A range that ended where it was asked to, but the part is gone
         * (the segments fell back to one connection): ask for the rest. */
        x->v->action = RETRY_AGAIN;
        return;
    }
    if (more && !h->stream) {
        disconnect(x, DISC_FIN, "response ended early");
        retry_later(x, &early, progress(x), -1, "response ended early");
        return;
    }
    if (h->stream && (h->sse || (o->unframed && !o->http2))) {
        /* A live stream that ended: reconnect, as EventSource does. */
        disconnect(x, DISC_FIN, "stream ended");
        retry_later(x, &early, progress(x), -1, "stream ended");
        return;
    }
    if (!h->stream && o->unframed && !h->total_known && !o->http2 && o->accept_ranges &&
        !h->whole_only && progress(x)) {
        /* A close-delimited body can't tell a cut from its end: ask the
         * server whether there is more (416 says no). */
        x->v->action = RETRY_AGAIN;
        x->v->probe = true;
        return;
    }
    x->v->action = RETRY_FINISH;
}

/* libcurl ended the attempt with an error. */
static void
curl_failed(struct ctx *x)
{
    const struct retry_outcome *o = x->o;
    struct failure_class cls;
    const char *what = o->what != NULL ? o->what : "";

    classify_curl(o->curl_code, o->os_errno, &cls);
    /* Out of memory in a head: libcurl's header limit, unless haul's
     * counting allocators saw an allocation fail (then it is memory). */
    const char *limit = classify_server_limit(o->curl_code, what, o->in_head && !o->alloc_failed);
    if (limit != NULL) {
        fail(x, HAUL_EXIT_PROTOCOL, "%s%s", who(x), limit);
        return;
    }
    if (cls.exit_code == HAUL_EXIT_TLS && !cls.retryable) {
        /* The hint is for a chain haul could not verify; a wrong pin or
         * a client certificate libcurl could not use is another matter. */
        if (o->curl_code == CURLE_PEER_FAILED_VERIFICATION ||
            o->curl_code == CURLE_SSL_ISSUER_ERROR)
            fail(x, HAUL_EXIT_TLS, "%s%s; to trust the server's CA use --cacert FILE, "
                 "or -k to skip the check (insecure)", who(x), what);
        else
            fail(x, HAUL_EXIT_TLS, "%s%s", who(x), what);
        return;
    }
    if (cls.kind != DISC_NONE)
        disconnect(x, cls.kind, what);
    /* Nothing listens where no server ever answered: a setup mistake
     * (classify.h), not an outage. */
    if (classify_refusal_final(o->curl_code, o->os_errno, x->h->contacted,
                               x->c->retry_connrefused)) {
        fail(x, cls.exit_code, "%sconnection refused (%s); not retried at first contact: "
             "--retry-connrefused retries it", who(x), what);
        return;
    }
    if (cls.kind == DISC_RST)
        what = "connection reset";
    else if (cls.kind == DISC_FIN)
        what = "connection closed early";
    retry_later(x, &cls, progress(x), -1, what);
}

/* A failure no retry on the same server mends, but another server may. */
static bool
source_fault(int exit_code)
{
    switch (exit_code) {
    case HAUL_EXIT_HTTP:
    case HAUL_EXIT_RESOLVE:
    case HAUL_EXIT_CONNECT:
    case HAUL_EXIT_TLS:
    case HAUL_EXIT_TIMEOUT:
    case HAUL_EXIT_PROTOCOL:
    case HAUL_EXIT_PARTIAL:
    case HAUL_EXIT_REDIRECTS:
        return true;
    default:
        return false;
    }
}

/* Another source takes the range over: the one asked is set aside or
 * dropped, `why` says why.  Now when another is ready, else after the
 * backoff (every other one failed too). */
static void
switch_source(struct ctx *x, bool drop, const char *why)
{
    struct retry_verdict *v = x->v;
    char at[64], because[RETRY_REASON_MAX];

    snprintf(because, sizeof because, "%s", why);    /* it may be v->reason */
    why = because;
    where(x->h, at, sizeof at);
    if (x->h->sources_ready > 0)
        v->delay_ms = 0;
    else if (v->action != RETRY_LATER)
        v->delay_ms = backoff_delay_ms(&x->c->backoff, x->s->failures, -1, x->random01);
    v->action = RETRY_SWITCH;
    v->drop = drop;
    snprintf(v->reason, sizeof v->reason, "%s", why);
    snprintf(v->message, sizeof v->message, "%ssource %s: %s%s; %s", who(x), x->h->source,
             why, drop ? "" : at, drop ? "dropped for this file" : "set aside");
}

/*
 * Several sources: whether the verdict on the source asked becomes a
 * switch to another.  Bytes or a length that differ from those held from
 * another source drop it (with no other source left the file fails: it is
 * never spliced, nor started over on a source that contradicts the rest).
 */
static void
other_source(struct ctx *x)
{
    const struct retry_held *h = x->h;
    struct retry_verdict *v = x->v;
    char why[RETRY_REASON_MAX];

    if (h->foreign && (x->o->end == RETRY_END_MISMATCH || v->action == RETRY_START_OVER ||
                       (v->action == RETRY_FAIL && v->exit_code == HAUL_EXIT_CHANGED))) {
        if (x->o->end == RETRY_END_MISMATCH)
            snprintf(why, sizeof why, "its bytes before byte %" PRIu64 " differ from those "
                     "held from another source", h->verify_size);
        else
            snprintf(why, sizeof why, "another version than the bytes held (%s)",
                     x->o->dec.why != NULL ? x->o->dec.why : "it changed");
        if (h->sources_left == 0) {
            fail(x, HAUL_EXIT_CHANGED, "%ssource %s: %s; no other source is left", who(x),
                 h->source, why);
            return;
        }
        v->action = RETRY_FAIL;    /* no backoff delay kept from a start-over */
        v->note[0] = '\0';
        switch_source(x, true, why);
        return;
    }
    if (h->sources_left == 0)
        return;
    if (v->action == RETRY_LATER && (!progress(x) || h->source_failures > 0)) {
        switch_source(x, false, v->reason);
    } else if (v->action == RETRY_FAIL && !x->final && source_fault(v->exit_code)) {
        /* The line says what failed after who(x) ("" or "segment N: "). */
        size_t skip = strlen(who(x));
        snprintf(why, sizeof why, "%s", strlen(v->message) > skip ? v->message + skip : "failed");
        switch_source(x, true, why);
    }
}

void
retry_decide(const struct retry_outcome *o, const struct retry_held *h, struct retry_state *s,
             const struct retry_config *c, double random01, struct retry_verdict *v)
{
    struct ctx x = { o, h, s, c, random01, v, "", false };

    /* Field by field, not a memset: its lines are long and mostly unused. */
    v->action = RETRY_FINISH;
    v->exit_code = 0;
    v->delay_ms = 0;
    v->counted = v->shrank = v->probe = v->verified = v->forget_final_url = v->drop = false;
    v->disconnect = DISC_NONE;
    v->disconnect_message[0] = v->reason[0] = v->note[0] = v->message[0] = '\0';

    switch (o->end) {
    case RETRY_END_DONE:
        v->action = RETRY_FINISH;
        return;
    case RETRY_END_PART_DONE:
        v->action = RETRY_PART_DONE;
        return;
    case RETRY_END_MISMATCH:
        mismatch(&x);
        break;
    case RETRY_END_REFUSED:
        refused(&x);
        break;
    case RETRY_END_STALL: {
        static const struct failure_class stall = { HAUL_EXIT_TIMEOUT, true, false, DISC_STALL };
        char what[64];
        snprintf(what, sizeof what, "no data for %.1fs", (double)c->stall_timeout_ms / 1000);
        disconnect(&x, DISC_STALL, what);
        retry_later(&x, &stall, progress(&x), -1, what);
        break;
    }
    case RETRY_END_CURL:
        if (o->curl_code == CURLE_OK)
            body_ended(&x);
        else
            curl_failed(&x);
        break;
    }
    if (h->source != NULL)
        other_source(&x);
}

void
retry_config_of(const struct config *cfg, uint64_t deadline_ms, struct retry_config *c)
{
    c->retry = cfg->retry;
    c->backoff = (struct backoff_policy){
        .base_ms = cfg->retry_delay_ms,
        .max_ms = cfg->retry_max_delay_ms,
        .fixed = cfg->retry_fixed,
    };
    c->stall_timeout_ms = cfg->stall_timeout_ms;
    c->deadline_ms = deadline_ms;
    c->retry_connrefused = cfg->retry_connrefused;
}

void
retry_start_over(struct retry_state *s, const struct retry_config *c, uint64_t have,
                 struct retry_verdict *v)
{
    if (v->counted) {
        if (++s->failures > c->retry && c->retry != RETRY_FOREVER) {
            v->action = RETRY_FAIL;
            v->exit_code = HAUL_EXIT_CHANGED;
            snprintf(v->message, sizeof v->message, "%s, again and again; giving up", v->reason);
            return;
        }
        if (v->shrank && have > s->shorter_mark)
            s->shorter_mark = have;
    }
    snprintf(v->note, sizeof v->note, "%s; starting over", v->reason);
}
