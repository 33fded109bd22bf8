/*
 * response.h - what to do with a response, decided before its first body
 * byte is written.
 *
 * This is the rule that keeps two versions of a resource from being spliced
 * into one output.  It is a pure function of what was asked (the range and
 * the validators haul held) and what came back (status and headers), so it
 * is unit-tested case by case in tests/unit/test_response.c.
 */
#ifndef HAUL_RESPONSE_H
#define HAUL_RESPONSE_H

#include <stdbool.h>
#include <stdint.h>

#include "http.h"

#define VALIDATOR_MAX 256

/* What the request asked for, and what haul knew when it asked. */
struct response_ask {
    uint64_t held;              /* bytes of the resource already held */
    bool ranged;                /* a Range header was sent */
    uint64_t range_first;       /* its first byte */
    bool range_last_set;        /* "A-B" rather than "A-" */
    uint64_t range_last;
    bool if_range;              /* an If-Range validator was sent */
    bool can_restart;           /* output can be truncated (a file) */
    bool stream;                /* --stream: a fresh 200 is a gap, not an error */
    /* What the previous responses said (empty when nothing is held). */
    bool total_known;
    uint64_t total;
    char etag[VALIDATOR_MAX];           /* strong or weak, "" if none */
    char last_modified[VALIDATOR_MAX];  /* "" if none */
};

/* What came back: the final response's status and headers. */
struct response_got {
    int status;
    bool has_range;
    struct content_range range;
    bool has_length;
    uint64_t length;
    bool bad_length;            /* Content-Length not a number, over 2^63-1, or
                                 * two different ones (RFC 9112 6.3) */
    char etag[VALIDATOR_MAX];
    char last_modified[VALIDATOR_MAX];
};

enum response_action {
    RESP_WRITE,      /* write the body at `offset` */
    RESP_RESTART,    /* the output starts over: truncate, write from 0 */
    RESP_SKIP,       /* same resource, no range: drop `skip` bytes, write the rest */
    RESP_GAP,        /* --stream: a fresh stream; the bytes in between are lost */
    RESP_DONE,       /* 416 and everything is held: complete */
    RESP_HTTP_ERROR, /* 4xx/5xx: nothing is written */
    RESP_CHANGED,    /* new version, and the output cannot start over */
    RESP_PROTOCOL,   /* the server's answer contradicts itself or the request */
};

struct response_decision {
    enum response_action action;
    uint64_t offset;       /* RESP_WRITE: where the body's first byte goes */
    uint64_t skip;         /* RESP_SKIP: bytes of the body to drop */
    bool new_version;      /* validators and total must be replaced */
    bool refetch;          /* RESP_RESTART: this body is unusable, ask again from 0 */
    const char *why;       /* static text for messages */
};

void response_decide(const struct response_ask *ask, const struct response_got *got,
                     struct response_decision *out);

/* True for the HTTP statuses worth retrying: 408, 429, 500, 502, 503, 504. */
bool response_status_retryable(int status);

const char *response_action_name(enum response_action a);

#endif
