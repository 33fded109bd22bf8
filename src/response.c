/*
 * response.c - the resume decision; see response.h.
 *
 * RFC 9110 14.4 and 13.1.5: a 206 must say which bytes it carries; a 200 to
 * a ranged request means the range was ignored or the If-Range validator no
 * longer matches.  haul trusts neither the server's promise nor its own
 * hopes: the bytes offered must start exactly where the output stands, and
 * must belong to the same version as the bytes already held.
 */
#include "config.h"

#include <string.h>

#include "response.h"

bool
response_status_retryable(int status)
{
    switch (status) {
    case 408: case 429: case 500: case 502: case 503: case 504:
        return true;
    default:
        return false;
    }
}

const char *
response_action_name(enum response_action a)
{
    switch (a) {
    case RESP_WRITE: return "write";
    case RESP_RESTART: return "restart";
    case RESP_SKIP: return "skip";
    case RESP_GAP: return "gap";
    case RESP_DONE: return "done";
    case RESP_HTTP_ERROR: return "http-error";
    case RESP_CHANGED: return "changed";
    case RESP_PROTOCOL: return "protocol";
    }
    return "?";
}

/*
 * Whether a full (200) response is the same version as what is held.  The
 * validators held must come back unchanged (a validator that disappeared
 * counts as a change); the length must be unchanged when it was known.
 * With no validator at all, an unchanged known length is taken as the same
 * version: that is all HTTP offers to compare.
 */
static bool
same_version(const struct response_ask *ask, const struct response_got *got)
{
    bool compared = false;

    if (ask->etag[0] != '\0') {
        if (strcmp(ask->etag, got->etag) != 0)
            return false;
        compared = true;
    } else if (ask->last_modified[0] != '\0') {
        if (strcmp(ask->last_modified, got->last_modified) != 0)
            return false;
        compared = true;
    }
    if (ask->total_known) {
        if (!got->has_length || got->length != ask->total)
            return false;
        compared = true;
    }
    return compared;
}

static void
decide(struct response_decision *out, enum response_action a, const char *why)
{
    out->action = a;
    out->why = why;
}

/* A 206 of another version: a file asks again from 0; stdout can't take
 * bytes back; a --stream reports a gap. */
static void
new_version(const struct response_ask *ask, struct response_decision *out, const char *why)
{
    out->new_version = true;
    if (ask->can_restart) {
        out->refetch = true;
        decide(out, RESP_RESTART, why);
        return;
    }
    decide(out, ask->stream ? RESP_GAP : RESP_CHANGED, why);
}

/* 416: everything is here, or the resource is shorter than what is held. */
static void
decide_416(const struct response_ask *ask, const struct response_got *got,
           struct response_decision *out)
{
    if (ask->ranged && got->has_range && got->range.unsatisfied &&
        got->range.total_known && got->range.total == ask->range_first &&
        (!ask->total_known || ask->total == got->range.total)) {
        decide(out, RESP_DONE, "the server says every byte is already here");
        return;
    }
    /* The same strong ETag that came with another total: the server
     * contradicts itself, and starting over would loop (a length it
     * claims but never sends, then a 416 with the real one). */
    if (ask->ranged && got->has_range && got->range.total_known && ask->total_known &&
        got->range.total != ask->total && http_etag_is_strong(ask->etag) &&
        strcmp(ask->etag, got->etag) == 0) {
        decide(out, RESP_PROTOCOL, "416 gives another length than before for the same ETag");
        return;
    }
    if (ask->ranged && ask->can_restart) {
        out->new_version = true;
        out->refetch = true;
        decide(out, RESP_RESTART, "the resource is shorter than the part already here");
        return;
    }
    decide(out, ask->ranged ? RESP_CHANGED : RESP_HTTP_ERROR,
           "range not satisfiable: the resource changed");
}

/* 206: exactly the bytes asked for, of the version held, or a refusal. */
static void
decide_206(const struct response_ask *ask, const struct response_got *got,
           struct response_decision *out)
{
    if (!ask->ranged) {
        decide(out, RESP_PROTOCOL, "206 Partial Content to a request without Range");
        return;
    }
    if (!got->has_range || got->range.unsatisfied) {
        decide(out, RESP_PROTOCOL, "206 Partial Content without a usable Content-Range");
        return;
    }
    if (got->range.first != ask->range_first) {
        decide(out, RESP_PROTOCOL, "Content-Range does not start at the byte asked for");
        return;
    }
    if (ask->range_last_set && got->range.last > ask->range_last) {
        decide(out, RESP_PROTOCOL, "Content-Range goes past the range asked for");
        return;
    }
    if (got->has_length &&
        got->length != got->range.last - got->range.first + 1) {
        decide(out, RESP_PROTOCOL, "Content-Length does not match Content-Range");
        return;
    }
    /* The validators and the total must be the ones the range was
     * asked against.  Other validators are another version: with
     * nothing sent to protect the range (a weak ETag, a Last-Modified
     * too recent), or with If-Range sent to a server that ignores it
     * (h2o 2.2.5 does), which has just said the resource changed.
     * Either way its bytes don't continue what is held, and a file
     * starts over.  The same validators with another total contradict
     * themselves when they were sent in If-Range. */
    bool differs = (ask->etag[0] != '\0' && got->etag[0] != '\0' &&
                    strcmp(ask->etag, got->etag) != 0) ||
                   (ask->last_modified[0] != '\0' && got->last_modified[0] != '\0' &&
                    strcmp(ask->last_modified, got->last_modified) != 0);
    bool resized = ask->total_known && got->range.total_known &&
                  got->range.total != ask->total;
    if (differs) {
        new_version(ask, out, ask->if_range
                    ? "the resource changed (the server ignored If-Range)"
                    : "the resource changed: a new version");
        return;
    }
    if (resized && ask->if_range) {
        decide(out, RESP_PROTOCOL, "206 with a different total length than before");
        return;
    }
    if (resized) {
        new_version(ask, out, "the length changed: a new version");
        return;
    }
    if (ask->total_known && !got->range.total_known && !ask->stream) {
        decide(out, RESP_PROTOCOL, "206 with an unknown total for a resource of known length");
        return;
    }
    out->offset = got->range.first;
    decide(out, RESP_WRITE, "resumed");
}

/* 200 and other 2xx: the whole resource from byte 0. */
static void
decide_full(const struct response_ask *ask, const struct response_got *got,
            struct response_decision *out)
{
    if (ask->held == 0) {
        out->new_version = true;
        out->offset = 0;
        decide(out, RESP_WRITE, "full response");
        return;
    }
    if (ask->stream) {
        out->new_version = true;
        decide(out, RESP_GAP, "the server started the stream afresh");
        return;
    }
    if (same_version(ask, got)) {
        out->skip = ask->held;
        decide(out, RESP_SKIP, "the server sent the whole resource again: skipping the bytes already here");
        return;
    }
    out->new_version = true;
    if (ask->can_restart) {
        decide(out, RESP_RESTART, "the resource changed or the server ignores ranges: starting over");
        return;
    }
    decide(out, RESP_CHANGED, "the resource changed and the bytes already written cannot be taken back");
}

void
response_decide(const struct response_ask *ask, const struct response_got *got,
                struct response_decision *out)
{
    memset(out, 0, sizeof *out);

    if (got->status == 416) {
        decide_416(ask, got, out);
        return;
    }
    /* Not a 2xx (1xx and 3xx that libcurl did not follow included). */
    if (got->status < 200 || got->status >= 300) {
        decide(out, RESP_HTTP_ERROR, "HTTP error");
        return;
    }
    if (got->bad_length) {
        decide(out, RESP_PROTOCOL, "invalid or conflicting Content-Length");
        return;
    }
    if (got->status == 206)
        decide_206(ask, got, out);
    else
        decide_full(ask, got, out);
}
