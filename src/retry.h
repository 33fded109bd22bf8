/*
 * retry.h - what to do after an attempt ended: haul's one retry policy,
 * for a whole file and for a part of one (-x) alike.
 *
 * retry_decide() is a pure function of how the attempt ended (struct
 * retry_outcome), what is held (struct retry_held), the failures counted
 * so far (struct retry_state, which it updates), the retry options (struct
 * retry_config) and a random number for the jitter.  Its verdict says what
 * to do next and carries every message and report field ready-made, so the
 * transfer and the segments only carry it out: the same failure gets the
 * same message, the same --events fields and the same limits (--retry,
 * --max-time) whichever connection it happened on.  Unit-tested case by
 * case in tests/unit/test_retry.c.
 *
 * With several sources of one file (--mirror), it also decides when the
 * source asked is given up for another: a failure that brought no new
 * byte, or its second failure, sets it aside; a failure that no retry
 * mends (an HTTP error, a refusal at first contact, a broken protocol)
 * drops it; and a source whose bytes or length differ from those held
 * from another source is dropped for the file, never spliced in.  When no
 * other source is left, the failure is decided as with one source.
 */
#ifndef HAUL_RETRY_H
#define HAUL_RETRY_H

#include <stdbool.h>
#include <stdint.h>

#include "backoff.h"
#include "classify.h"
#include "options.h"
#include "response.h"

/* Room for a reason (a libcurl message and a little more) and a line. */
#define RETRY_REASON_MAX 320
#define RETRY_LINE_MAX 1024

/* How an attempt ended, as its owner saw it. */
enum retry_end {
    RETRY_END_CURL,       /* libcurl ended it: curl_code (CURLE_OK: the body ended) */
    RETRY_END_REFUSED,    /* haul refused the response before its body: `dec` says why */
    RETRY_END_STALL,      /* no byte came for --stall-timeout */
    RETRY_END_DONE,       /* a 416 said that nothing more is to come */
    RETRY_END_PART_DONE,  /* every byte of the part asked for is here (-x) */
    RETRY_END_MISMATCH,   /* the bytes before the resume point differ from the server's */
};

struct retry_outcome {
    enum retry_end end;
    int curl_code;                  /* RETRY_END_CURL: a CURLcode */
    int os_errno;                   /* the errno libcurl saw */
    const char *what;               /* libcurl's message for curl_code */
    bool sent;                      /* the request went out: the server may have
                                     * acted on it */
    bool in_head;                   /* it ended while reading a response head */
    bool alloc_failed;              /* a counted allocation failed (mem.h) */
    bool decided;                   /* a final response was read and decided on */
    struct response_decision dec;   /* RETRY_END_REFUSED: the decision refused */
    int status;                     /* the final response's status, or 0 */
    int64_t retry_after_ms;         /* its Retry-After, or -1 */
    bool shrank;                    /* it said the resource is no longer than held */
    bool unframed;                  /* a body with no length, chunking or encoding:
                                     * its end looks like a cut */
    bool http2;                     /* HTTP/2 or later, where a cut is an error */
    bool bounded;                   /* the range asked for had a last byte */
    bool accept_ranges;             /* the server takes ranges (now or before) */
    uint64_t received;              /* body bytes it brought that were kept */
    uint64_t body_end;              /* the resource offset its body stopped at */
    bool used_final;                /* it asked the URL redirects led to before */
    const char *final_url;          /* that URL, redacted, or NULL */
    uint64_t now_ms;                /* when it ended (loop time) */
};

/* What is held, and where it goes. */
struct retry_held {
    unsigned part;                  /* -x: the segment's number (1, 2, ...), or 0 */
    uint64_t have;                  /* the next byte to fetch (own part or segment) */
    uint64_t part_end;              /* where that part ends, UINT64_MAX without -x */
    bool total_known;
    uint64_t total;
    bool can_restart;               /* a FILE.part: it can start over from byte 0 */
    const char *path;               /* the file written, for messages */
    bool stream;                    /* --stream */
    bool sse;                       /* ... of an event stream */
    int64_t stream_retry_ms;        /* the event stream's retry: field, or -1 */
    bool verifying;                 /* -c is comparing the bytes before verify_size */
    uint64_t verify_size;
    bool send_once;                 /* a method that is not idempotent (POST):
                                     * once sent, it is not sent again, but for
                                     * --stream on an event stream */
    const char *method;             /* the request's method, for messages */
    bool whole_only;                /* never asked with Range (a body, not GET) */
    bool contacted;                 /* a server was there: one answered an attempt
                                     * of this run, or bytes of it are held (-c) */
    /* Several sources (sources.h); all 0 and NULL with one. */
    const char *source;             /* the source asked, as shown, or NULL */
    unsigned sources_left;          /* the other sources not dropped ... */
    unsigned sources_ready;         /* ... and of those, the ones ready now */
    unsigned source_failures;       /* failures of the source asked so far */
    bool foreign;                   /* the bytes held came from another source:
                                     * this one's overlap is being compared */
};

/* Failures counted so far; zeroed at the start of a transfer or part. */
struct retry_state {
    uint32_t failures;              /* consecutive attempts without progress */
    uint32_t limited_failures;      /* of the DNS/TLS kind (classify.h: limited) */
    uint64_t shorter_mark;          /* bytes held when the resource said it is
                                     * shorter: bytes up to it are no progress */
};

struct retry_config {
    uint32_t retry;                 /* --retry, RETRY_FOREVER for inf */
    struct backoff_policy backoff;  /* --retry-delay, --retry-max-delay */
    uint64_t stall_timeout_ms;      /* --stall-timeout, for the message */
    uint64_t deadline_ms;           /* --max-time as loop time, or UINT64_MAX */
    bool retry_connrefused;         /* --retry-connrefused */
};

enum retry_action {
    RETRY_FINISH,       /* the resource is complete: finish the transfer */
    RETRY_PART_DONE,    /* the part is complete (the transfer's own, or a segment) */
    RETRY_AGAIN,        /* ask again at once; no failure is counted */
    RETRY_LATER,        /* a failure: ask again after delay_ms */
    RETRY_START_OVER,   /* drop what is held and ask again from byte 0, now
                         * (after retry_start_over()) */
    RETRY_FALLBACK,     /* -x: the server ignores ranges; one connection from now on */
    RETRY_FAIL,         /* give up: exit_code and message */
    RETRY_SWITCH,       /* set the source aside (drop: for good), and ask
                         * another after delay_ms; message is the warning */
};

struct retry_verdict {
    enum retry_action action;
    int exit_code;                  /* RETRY_FAIL: HAUL_EXIT_* */
    uint64_t delay_ms;              /* RETRY_LATER */
    bool counted;                   /* RETRY_START_OVER: it counts against --retry */
    bool shrank;                    /* RETRY_START_OVER: the resource said it is shorter */
    bool probe;                     /* RETRY_AGAIN: a body without length ended:
                                     * ask whether more follows */
    bool verified;                  /* RETRY_FINISH: -c's comparison reached the end
                                     * of the resource: the file is complete */
    bool forget_final_url;          /* ask the URL as given from now on */
    bool drop;                      /* RETRY_SWITCH: the source is dropped */
    enum disconnect_kind disconnect;            /* to count and report, or DISC_NONE */
    char disconnect_message[RETRY_REASON_MAX];  /* ... its message for --events */
    char reason[RETRY_REASON_MAX];  /* LATER: for --events; START_OVER, FALLBACK: why */
    char note[RETRY_LINE_MAX];      /* a line to print first (msg_note), or "" */
    char message[RETRY_LINE_MAX];   /* LATER: the warning; FAIL: the error */
    /* note and message leave out the URL, which may be any length: the
     * caller puts "URL: " in front ("segment N: " is in them already). */
};

/* The retry options of the command line, with a transfer's --max-time
 * deadline (loop time, or UINT64_MAX). */
void retry_config_of(const struct config *cfg, uint64_t deadline_ms, struct retry_config *c);

/*
 * Decides what follows the attempt described by *o.  Updates *s (failures
 * are counted, or reset by progress) and fills *v.  `random01` in [0, 1)
 * draws the jitter of the delay.
 */
void retry_decide(const struct retry_outcome *o, const struct retry_held *h,
                  struct retry_state *s, const struct retry_config *c, double random01,
                  struct retry_verdict *v);

/*
 * A RETRY_START_OVER verdict, from the transfer's own attempt or from a
 * part, is about to be carried out on the transfer whose state is *s and
 * which holds `have` bytes: a counted one counts as a failure without
 * progress, so that a resource that keeps changing does not keep haul
 * forever.  When --retry runs out, *v becomes RETRY_FAIL ("..., again and
 * again; giving up"); otherwise v->note is the "starting over" line.
 */
void retry_start_over(struct retry_state *s, const struct retry_config *c, uint64_t have,
                      struct retry_verdict *v);

#endif
