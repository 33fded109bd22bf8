/*
 * attempt.h - one HTTP request and its response: the easy handle, its
 * header list, its error buffer, the response head as it is read.
 *
 * An attempt is a leaf: it makes the request it is given (struct
 * attempt_request: URL, range, validators, headers, limits), reads the
 * answer, and tells its owner through a small table of callbacks (struct
 * attempt_ops) with the owner's pointer, the way libuv and tmux's job.c
 * take a callback and its data.  It knows nothing of transfers, segments,
 * outputs or retries.  attempt_start() creates it and hands it to the
 * curl glue; attempt_end(), whatever ended it (libcurl, a callback's
 * refusal, the owner's attempt_abort()), gathers the outcome, frees the
 * attempt and all of its memory, and only then calls on_end: nothing of a
 * dead connection outlives it.
 */
#ifndef HAUL_ATTEMPT_H
#define HAUL_ATTEMPT_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include <curl/curl.h>

#include "curluv.h"
#include "head.h"
#include "mem.h"
#include "options.h"
#include "response.h"

struct attempt;

/* What to ask, and how.  Every pointer is borrowed for attempt_start(). */
struct attempt_request {
    const char *url;
    const struct config *cfg;      /* -H, -A, -u, -e, TLS, proxy, timeouts, redirects */
    bool credentials;              /* -u, Authorization and Cookie may go to url */
    struct response_ask ask;       /* the range and what is held: response_decide() */
    const char *if_range;          /* If-Range validator, or NULL */
    const char *last_event_id;     /* Last-Event-ID, or NULL */
    const char *if_modified_since; /* -N: If-Modified-Since (an HTTP-date), or NULL */
    const char *if_none_match;     /* -N: If-None-Match (an entity tag), or NULL */
    bool own_connection;           /* HTTP/1.1 on a connection of its own (-x parts) */
    uint64_t rate_limit;           /* --limit-rate now (bytes/s, 0: none): smaller
                                    * reads keep haul's pacing smooth */
    struct mem_account *acct;      /* charged for all its memory */
};

/* How it ended; valid during on_end only. */
struct attempt_outcome {
    CURLcode result;               /* CURLE_WRITE_ERROR when a callback refused,
                                    * CURLE_ABORTED_BY_CALLBACK after attempt_abort() */
    const char *what;              /* libcurl's message, or haul's better one */
    int os_errno;                  /* the errno libcurl saw */
    long http_version;             /* CURL_HTTP_VERSION_* of the response */
    long response_code;            /* the last status libcurl read, or 0 */
    bool sent;                     /* the request went out (some of it at least):
                                    * the server may have acted on it */
    bool in_head;                  /* ended while reading a response head: the
                                    * request was sent and no final response
                                    * was decided on */
    bool alloc_failed;             /* a counted allocation had failed (mem.h) */
    bool decided;                  /* on_response was called */
    struct response_decision dec;  /* as on_response left it */
    const struct head *head;       /* the final (or last) response's head */
    const char *final_url;         /* where redirects led, when decided and it
                                    * is not the URL asked; else NULL */
};

struct attempt_ops {
    /*
     * The final response's head is read (not a redirect's or a 1xx's), and
     * `dec` says what response_decide() makes of it against the request's
     * ask.  The owner may amend dec.  False refuses the body: the attempt
     * ends (CURLE_WRITE_ERROR).
     */
    bool (*on_response)(void *owner, const struct head *h, struct response_decision *dec);
    /*
     * Body bytes.  Returns len when all were taken, CURL_WRITEFUNC_PAUSE to
     * get them again after attempt_unpause(), anything else to end the
     * attempt (CURLE_WRITE_ERROR).
     */
    size_t (*on_body)(void *owner, const char *data, size_t len);
    /* Optional (NULL: none): each header line as received, status lines
     * and the blank line that ends a head included, for every response
     * (redirects and 1xx too). */
    void (*on_head_line)(void *owner, const char *line, size_t len);
    /* The attempt is over, and already freed. */
    void (*on_end)(void *owner, const struct attempt_outcome *o);
};

/*
 * Makes the request and adds it to cu's multi handle; now_ms starts its
 * stall clock.  Returns NULL when libcurl can't take it, with *why (a
 * static text); nothing is left allocated then, and on_end never comes.
 */
struct attempt *attempt_start(struct curluv *cu, const struct attempt_request *req,
                              const struct attempt_ops *ops, void *owner, uint64_t now_ms,
                              const char **why);
/* libcurl finished the easy handle (curluv's done callback): ends its
 * attempt.  Ignores handles that are not an attempt's. */
void attempt_curl_done(CURL *easy, CURLcode result);
/* Ends it from outside libcurl's callbacks; on_end is called before this
 * returns. */
void attempt_abort(struct attempt *a);
/*
 * Lets a paused attempt go on (and restarts its stall clock).  libcurl may
 * deliver the held bytes at once, and when on_body then ends the attempt,
 * it is ended here (on_end runs before this returns): false then.
 */
bool attempt_unpause(struct attempt *a, uint64_t now_ms);
/* Paused by on_body's CURL_WRITEFUNC_PAUSE, not yet unpaused. */
bool attempt_paused(const struct attempt *a);
/* When a body byte last came (or the attempt started or was unpaused). */
uint64_t attempt_last_byte_ms(const struct attempt *a);

#endif
