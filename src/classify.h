/*
 * classify.h - what a failed attempt means: exit code, retry or not, and
 * the kind of disconnect for reports.  Pure; unit-tested.
 */
#ifndef HAUL_CLASSIFY_H
#define HAUL_CLASSIFY_H

#include <stdbool.h>

enum disconnect_kind {
    DISC_NONE,
    DISC_FIN,        /* closed early: EOF before the body was complete */
    DISC_RST,        /* connection reset */
    DISC_STALL,      /* no byte for --stall-timeout */
    DISC_TIMEOUT,    /* connect or other timeout */
    DISC_REFUSED,    /* could not connect */
    DISC_HTTP,       /* a retryable HTTP status (503, ...) */
    DISC_OTHER,      /* other retryable network error */
};

struct failure_class {
    int exit_code;             /* HAUL_EXIT_* */
    bool retryable;
    bool limited;              /* retry a few times only (DNS, TLS handshake) */
    enum disconnect_kind kind;
};

/* A libcurl result code (CURLcode as int), with the OS errno curl saw. */
void classify_curl(int curl_code, int os_errno, struct failure_class *out);
/* An HTTP error status. */
void classify_http(int status, struct failure_class *out);

const char *disconnect_kind_name(enum disconnect_kind kind);

#endif
