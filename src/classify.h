/*
 * classify.h - what a failed attempt means: exit code, retry or not, and
 * the kind of disconnect for reports.  Pure; unit-tested.
 */
#ifndef HAUL_CLASSIFY_H
#define HAUL_CLASSIFY_H

#include <stdbool.h>

/*
 * The kinds of disconnect, counted per transfer in --summary and --memstats
 * and named in --events: X(name, word in the reports).
 */
#define DISCONNECT_KINDS(X)                                                   \
    X(NONE,    "none")      /* not a disconnect */                            \
    X(FIN,     "closed")    /* closed early: EOF before the body was complete */ \
    X(RST,     "reset")     /* connection reset */                            \
    X(STALL,   "stall")     /* no byte for --stall-timeout */                 \
    X(TIMEOUT, "timeout")   /* connect or other timeout */                    \
    X(REFUSED, "refused")   /* could not connect */                           \
    X(HTTP,    "http")      /* a retryable HTTP status (503, ...) */          \
    X(OTHER,   "error")     /* other retryable network error */

enum disconnect_kind {
#define X(name, word) DISC_##name,
    DISCONNECT_KINDS(X)
#undef X
    DISC_KINDS    /* how many there are */
};

struct failure_class {
    int exit_code;             /* HAUL_EXIT_* */
    bool retryable;
    bool limited;              /* retry a few times only (DNS, TLS handshake) */
    enum disconnect_kind kind;
};

/* A libcurl result code (CURLcode as int), with the OS errno curl saw. */
void classify_curl(int curl_code, int os_errno, struct failure_class *out);
/*
 * libcurl's own limits on what a server may send come back as codes that
 * otherwise mean something else: a header line over 100 KiB as
 * CURLE_OUT_OF_MEMORY (no message), headers over 300 KiB and broken chunked
 * framing as CURLE_RECV_ERROR (with a message).  They are the server's
 * fault and a retry gets the same answer.  Returns the message to show
 * (what, or a static text) when result is one of these, else NULL; the
 * class is then HAUL_EXIT_PROTOCOL, not retryable.  in_head: the attempt
 * failed after a status line and before the end of the headers.
 */
const char *classify_server_limit(int curl_code, const char *what, bool in_head);
/* An HTTP error status. */
void classify_http(int status, struct failure_class *out);
/*
 * Connection refused (ECONNREFUSED) says the host is up and nothing listens
 * on the port: mostly a setup mistake (a wrong port, a server not started),
 * which curl and wget do not retry either.  It ends a transfer at once
 * unless the transfer has shown that a server was there: one answered it
 * in this run, or bytes of it are held from an earlier run (-c) -- then a
 * refusal is a server restarting, an outage retried like any other -- or
 * --retry-connrefused asks to retry it anyway.  Other failures to connect
 * (no route, network down) are always retried.  True when the failure
 * (a libcurl code with the OS errno curl saw) is such a final refusal.
 */
bool classify_refusal_final(int curl_code, int os_errno, bool contacted,
                            bool retry_connrefused);

/* The word for a kind in the reports ("closed", "reset", ...). */
const char *disconnect_kind_name(enum disconnect_kind kind);

#endif
